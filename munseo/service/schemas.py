"""Request and response bodies of the API (they make the OpenAPI docs at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. 'unsupported_media_type'.")
    message: str = Field(description="What went wrong, in words a person reads.")
    detail: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class UploadItem(BaseModel):
    filename: str
    status: Literal["queued", "duplicate", "failed"]
    document_id: int | None = None
    job_id: int | None = None
    job_url: str | None = None
    document_url: str | None = None
    error: str | None = None


class UploadResponse(BaseModel):
    documents: list[UploadItem]


class JobOut(BaseModel):
    id: int
    document_id: int | None
    status: str
    stage: str
    attempts: int
    error: str | None
    model_version: str | None = None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class LabelOut(BaseModel):
    label: str
    confidence: float
    needs_review: bool
    source: str
    model_version: str | None = None
    probabilities: dict[str, float] | None = None
    top: list[tuple[str, float]] | None = None


class DocumentSummary(BaseModel):
    id: int
    filename: str
    status: str
    error: str | None
    mime: str | None
    page_count: int
    client_ref: str | None
    created_at: datetime
    updated_at: datetime
    needs_review: bool
    min_confidence: float | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    labels: dict[str, LabelOut] = Field(default_factory=dict)
    near_duplicate_of: int | None = Field(
        None, description="The earlier document this one looks like a rescan of (never merged or deleted)."
    )
    near_duplicate_similarity: float | None = Field(None, description="How alike the two texts are (0–1).")
    # stored and waiting to be classified: "queued" for the executor, or "waiting for a model"
    # when no model version is active (it is classified once one is activated)
    classification_pending: Literal["queued", "waiting for a model"] | None = None


class DocumentList(BaseModel):
    items: list[DocumentSummary]
    total: int
    page: int
    page_size: int


class PageOut(BaseModel):
    number: int
    width: int
    height: int
    dpi: int
    source: str
    text: str
    raw_text: str
    mean_confidence: float
    image_url: str
    blocks: list[Any]
    engine: dict[str, Any] | None
    preprocessing: dict[str, Any] | None
    quality: dict[str, Any] | None = Field(
        None, description="How the page was read: reading kept, coverage, rotation, treatment, repairs."
    )
    needs_review: bool = Field(False, description="OCR confidence below the review setting: a person should look.")
    timings_ms: dict[str, Any]


class HistoryOut(BaseModel):
    task: str
    label: str
    confidence: float | None
    source: str
    model_version: str | None
    reviewer: str | None
    created_at: datetime


class DocumentDetail(DocumentSummary):
    text: str | None
    pages: list[PageOut]
    history: list[HistoryOut]
    suggested_labels: dict[str, str] = Field(
        default_factory=dict,
        description="A near-duplicate's reviewed labels (task → label), offered as the suggestion for this one.",
    )
    near_duplicates: list[int] = Field(
        default_factory=list, description="Later documents that look like rescans of this one."
    )


class ReviewRequest(BaseModel):
    action: Literal["accept", "correct"] = Field(
        description="accept: the current labels are right; correct: replace the labels given in `labels`."
    )
    labels: dict[str, str] = Field(default_factory=dict, description="task → label (for corrections).")
    new_labels: bool = Field(
        False, description="A label the task does not have is proposed as a new one (an admin confirms it)."
    )


class TaskPredictionOut(BaseModel):
    label: str
    confidence: float
    needs_review: bool
    threshold: float
    top: list[dict[str, Any]]
    probabilities: dict[str, float]


class PredictionOut(BaseModel):
    model_version: str
    needs_review: bool
    tasks: dict[str, TaskPredictionOut]


class ClassifyTextRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2_000_000)


class ClassifyDocumentResponse(BaseModel):
    filename: str
    text: str
    pages: list[dict[str, Any]]
    prediction: PredictionOut | None


class ModelOut(BaseModel):
    version: str
    backend: str
    active: bool
    shadow: bool = False
    shadow_stats: dict[str, Any] | None = Field(
        None, description="A shadow version against the active one: agreement, and who was right on reviewed documents"
    )
    created_at: datetime
    metrics: dict[str, Any]
    label_mappings: dict[str, Any]


class RetrainRequest(BaseModel):
    backend: str | None = Field(
        None, description="linear or transformer (default: the server's MUNSEO_RETRAIN_BACKEND)"
    )


class RetrainOut(BaseModel):
    id: int
    reason: str
    backend: str
    status: str
    candidate: str | None
    promoted: bool | None
    decision: str | None
    report: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
    job_url: str | None


class ShadowRequest(BaseModel):
    on: bool = Field(True, description="true: classify new documents beside the active version; false: stop")


class ProposedLabelOut(BaseModel):
    id: int
    task: str
    label: str
    proposed_by: str
    document_id: int | None
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None


class TokenOut(BaseModel):
    id: int
    name: str
    role: Literal["viewer", "reviewer", "admin"]
    prefix: str = Field(description="The token's first characters, to tell tokens apart; never the token.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None


class TokenRequest(BaseModel):
    role: Literal["viewer", "reviewer", "admin"] = "viewer"
    name: str = Field("", max_length=255, description="Who or what uses it.")
    expires_days: float | None = Field(None, gt=0, le=3650, description="Stop working after this many days.")


class TokenCreated(BaseModel):
    token: str = Field(description="The token itself: shown this once, never stored.")
    record: TokenOut


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditList(BaseModel):
    items: list[AuditEventOut]
    total: int


class SearchItem(DocumentSummary):
    """A document found by a search: its summary, how well it matched, and where."""

    score: float = Field(description="Relevance; higher is better, comparable within one search only.")
    page: int = Field(description="The page that matches best; the viewer opens there.")
    snippet: str = Field(description="The text around the first match on that page.")
    highlights: list[tuple[int, int]] = Field(description="The matches in the snippet, as [start, end) offsets.")


class SearchResults(BaseModel):
    query: str
    items: list[SearchItem]
    total: int
    page: int
    page_size: int


class PageHits(BaseModel):
    number: int
    boxes: list[list[int]] = Field(description="Boxes of the page's words that match, in image pixels.")


class DocumentHits(BaseModel):
    query: str
    pages: list[PageHits] = Field(description="The pages that match, in order (next/previous hit).")


class SimilarItem(DocumentSummary):
    score: float = Field(description="Cosine similarity of the two documents' content vectors (1: the same text).")


class SimilarList(BaseModel):
    items: list[SimilarItem]
