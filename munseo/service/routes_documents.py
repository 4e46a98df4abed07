"""Documents: upload, list, read, page images, review, and synchronous classification."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from munseo.admission import Admission, Admitted, admit, display_name
from munseo.classify.evaluate import training_counts, training_pairs
from munseo.classify.registry import LoadedModel
from munseo.errors import http_status
from munseo.ingest import IngestError, Refusal, inspect_file
from munseo.pipeline import PageProcessor, limits_from, read_pages
from munseo.service.deps import Admin, ApiError, Id, IsoDateTime, LabelFilter, PageNumber, Reviewer, Viewer, audit
from munseo.service.schemas import (
    ClassifyDocumentResponse,
    ClassifyTextRequest,
    DocumentDetail,
    DocumentList,
    ErrorResponse,
    JobOut,
    PredictionOut,
    ProposedLabelOut,
    ReviewRequest,
    UploadItem,
    UploadResponse,
)
from munseo.service.views import detail, summaries
from munseo.stages.retrain import trigger, usefulness
from munseo.store.documents import DocumentFilter
from munseo.store.labels import ReviewRefused
from munseo.store.models import Role
from munseo.text import document_text

router = APIRouter()
log = logging.getLogger(__name__)
USEFUL_CANDIDATES = 5000  # review-queue documents ranked by usefulness
# Every error any route may answer, in the one error shape: 400 an unparsable body, 409 a conflict with
# what is stored, 503 a store or model not available now, 507 no room for an upload.
ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 415, 422, 503, 507)}


def _check_length(request: Request) -> None:
    settings = request.app.state.settings
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_file_bytes * 20:
        raise ApiError(413, f"the request is {int(length) / 2**20:.0f} MiB, over the upload limit")


async def _receive(upload: UploadFile, folder: Path, limit: int) -> Path:
    """Copy an upload to a file of its own, refusing it once it passes ``limit`` bytes."""
    # The client's name never becomes a path: it may hold "..", NUL bytes or 1,000 characters.
    target = folder / uuid.uuid4().hex
    size = 0
    name = display_name(upload.filename or "upload")
    try:
        with target.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    out.close()
                    target.unlink(missing_ok=True)
                    raise ApiError(413, f"{name}: the file is over the limit of {limit / 2**20:.0f} MiB")
                out.write(chunk)
    except OSError as exc:  # the data directory is full (or not writable): nothing of the file is kept
        target.unlink(missing_ok=True)
        raise ApiError(507, f"{name}: the data directory cannot take the file ({exc.strerror})") from exc
    return target


def _accept(request: Request, path: Path, filename: str, client_ref: str | None) -> tuple[UploadItem, Admission]:
    """Admit one received file for the executor, or record it as failed with the reason."""
    state = request.app.state
    admission = admit(path, state.settings, state.store, filename=filename, client_ref=client_ref)
    return _item(filename, admission), admission


def _item(filename: str, admission: Admission) -> UploadItem:
    doc_url = f"/api/documents/{admission.document_id}" if admission.document_id is not None else None
    if admission.outcome is Admitted.QUEUED:
        return UploadItem(
            filename=filename,
            status="queued",
            document_id=admission.document_id,
            job_id=admission.job_id,
            job_url=f"/api/jobs/{admission.job_id}",
            document_url=doc_url,
        )
    return UploadItem(
        filename=filename,
        status=admission.outcome.value,
        document_id=admission.document_id,
        error=admission.reason,
        document_url=doc_url,
    )


@router.post("/api/documents", status_code=202, response_model=UploadResponse, responses=ERRORS, tags=["documents"])
async def upload_documents(
    request: Request,
    who: Reviewer,
    files: Annotated[list[UploadFile], File(description="One or more PDF, PNG, JPEG or TIFF files.")],
    client_ref: Annotated[str | None, Form(max_length=255)] = None,
) -> UploadResponse:
    """Queue documents for ingest → OCR → classification; answers at once with ids and job URLs."""
    _check_length(request)
    settings = request.app.state.settings
    incoming = settings.data_dir / "incoming"
    try:
        incoming.mkdir(parents=True, exist_ok=True)
        receiving = tempfile.TemporaryDirectory(dir=incoming)
    except OSError as exc:
        raise ApiError(507, f"the data directory cannot take files ({exc.strerror})") from exc
    items, admissions = [], []
    with receiving as tmp:
        for upload in files:
            path = await _receive(upload, Path(tmp), settings.max_file_bytes)
            name = display_name(upload.filename or "upload")
            item, admission = await run_in_threadpool(_accept, request, path, name, client_ref)
            items.append(item)
            admissions.append(admission)
            if admission.document_id is not None:
                facts = {"filename": item.filename, "status": item.status, "client_ref": client_ref}
                audit(request, who, "upload", f"document:{admission.document_id}", facts)
    if all(item.status == "failed" for item in items):
        first = items[0].error or "refused"
        status = http_status(admissions[0].refusal or Refusal.DAMAGED)
        raise ApiError(status, f"{items[0].filename}: {first}", detail=[i.model_dump() for i in items])
    executor = request.app.state.executor
    if executor is not None:
        executor.notify()
    return UploadResponse(documents=items)


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
def list_documents(
    request: Request,
    _: Viewer,
    status: Annotated[
        Literal["pending", "processing", "processed", "failed"] | None, Query(description="The documents' status")
    ] = None,
    needs_review: bool | None = None,
    label: LabelFilter = None,
    created_from: IsoDateTime | None = None,
    created_to: IsoDateTime | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500, description='Search words that must all occur on one page; "quoted words" stand together'
        ),
    ] = None,
    client_ref: Annotated[
        str | None, Query(max_length=255, description="Only documents uploaded with this client reference")
    ] = None,
    sort: Literal["date", "-date", "confidence", "-confidence"] = "-date",
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentList:
    """Documents with filters, full-text search, sorting and pagination."""
    labels = [tuple(item.split(":", 1)) for item in label or []]
    query = q if q and q.strip() else None
    where = DocumentFilter(status, needs_review, labels, created_from, created_to, query, client_ref)
    store = request.app.state.store
    total, docs = store.documents.find(where, sort, (page - 1) * page_size, page_size)
    return DocumentList(items=summaries(store, docs), total=total, page=page, page_size=page_size)


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS, tags=["documents"])
def get_document(request: Request, _: Viewer, doc_id: Id) -> DocumentDetail:
    """Metadata, per-page OCR (text, words with boxes and confidences), labels with probabilities, history."""
    return detail(request.app.state.store, doc_id)


@router.get(
    "/api/documents/{doc_id}/pages/{number}/image", responses=ERRORS, tags=["documents"], response_class=FileResponse
)
def page_image(
    request: Request, _: Viewer, doc_id: Id, number: Annotated[int, PathParam(ge=1, le=100_000)]
) -> FileResponse:
    """The stored page image (JPEG), in the pixel coordinates of the page's word boxes."""
    doc = request.app.state.store.documents.load(doc_id)
    page = next((p for p in doc.pages if p.number == number), None)
    if page is None or not page.image_path or not Path(page.image_path).is_file():
        raise ApiError(404, f"document {doc_id} has no image for page {number}")
    return FileResponse(page.image_path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/api/jobs/{job_id}", response_model=JobOut, responses=ERRORS, tags=["documents"])
def get_job(request: Request, _: Viewer, job_id: Id) -> JobOut:
    """A processing job: queued or running (with its stage), done or failed (with the reason)."""
    found = request.app.state.store.jobs.get(job_id)
    if found is None:
        raise ApiError(404, f"no job with id {job_id}")
    job, version = found
    return JobOut(
        id=job.id,
        document_id=job.document_id,
        status=job.status,
        stage=job.stage,
        attempts=job.attempts,
        error=job.error,
        model_version=version,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.get("/api/review/queue", response_model=DocumentList, responses=ERRORS, tags=["review"])
def review_queue(
    request: Request,
    _: Viewer,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    order: Annotated[
        Literal["confidence", "useful"],
        Query(description="confidence: least confident first; useful: most useful to the next model first"),
    ] = "confidence",
) -> DocumentList:
    """Documents that need a reviewer, with the top-3 labels of each task: least confident first, or
    (``order=useful``) the ones whose answers teach the next model most first — low confidence,
    small margins, several tasks in doubt, labels rarely seen in training."""
    store = request.app.state.store
    if order == "confidence":
        total, docs = store.documents.review_queue((page - 1) * page_size, page_size)
    else:
        total, candidates = store.documents.review_queue(0, USEFUL_CANDIDATES)
        model = request.app.state.services.models.get()
        counts = training_counts(model.classifier) if model else {}
        pairs = training_pairs(model.classifier) if model else {}
        ranked = sorted(candidates, key=lambda d: (-usefulness(d, counts, pairs), d.id))
        docs = ranked[(page - 1) * page_size : page * page_size]
    return DocumentList(items=summaries(store, docs, full=True), total=total, page=page, page_size=page_size)


@router.post("/api/documents/{doc_id}/review", response_model=DocumentDetail, responses=ERRORS, tags=["review"])
def review_document(request: Request, who: Reviewer, doc_id: Id, body: ReviewRequest) -> DocumentDetail:
    """Accept the labels or correct some: kept in the history with who and when, and used as training data."""
    store = request.app.state.store
    try:
        store.labels.review(doc_id, who.name, body.action, body.labels, new_labels=body.new_labels)
    except ReviewRefused as exc:
        raise ApiError(http_status(exc), str(exc)) from exc
    audit(request, who, "review", f"document:{doc_id}", {"action": body.action, "labels": body.labels})
    if body.action == "correct":
        try:  # enough corrections, or drift: a retrain run is queued
            trigger(request.app.state.services)
        except Exception:  # the review is stored: a trigger that cannot run now runs at the next one
            log.exception("the retrain trigger failed after the review of document %s", doc_id)
    return detail(store, doc_id)


@router.post("/api/documents/{doc_id}/review/undo", response_model=DocumentDetail, responses=ERRORS, tags=["review"])
def undo_review(request: Request, who: Reviewer, doc_id: Id) -> DocumentDetail:
    """Take back the latest review of a document (yours, or anyone's for an admin): its labels and
    review flag return to what they were, the review no longer counts as training data, and the
    history records the undo."""
    store = request.app.state.store
    try:
        store.labels.undo_review(doc_id, who.name, may_undo_others=who.role is Role.ADMIN)
    except ReviewRefused as exc:
        raise ApiError(http_status(exc), str(exc)) from exc
    audit(request, who, "undo_review", f"document:{doc_id}")
    return detail(store, doc_id)


async def _active_model(request: Request) -> LoadedModel | None:
    """The active model for an async route: the one in hand, or (a check of the active version is
    due: a query, maybe a load) from the thread pool, so the event loop never waits on either."""
    holder = request.app.state.services.models
    return holder.in_hand() or await run_in_threadpool(holder.get)


# A text up to this long is classified on the event loop (2 ms at most), a longer one in the thread
# pool so as not to hold the loop. Under load a trip to the pool costs more than the work: at 20
# clients, p95 went from 86 to 39 ms and requests/s from 351 to 626 (RELIABILITY.md, "Load").
INLINE_TEXT_CHARS = 20_000


@router.post("/api/classify/text", response_model=PredictionOut, responses=ERRORS, tags=["classify"])
async def classify_text(request: Request, _: Viewer, body: ClassifyTextRequest) -> PredictionOut:
    """Labels for a text, synchronously."""
    model = await _active_model(request)
    if model is None:
        raise ApiError(503, "no model is active: register one with 'munseo models add' and activate it")
    text = document_text([body.text])
    if len(text) <= INLINE_TEXT_CHARS:
        prediction = model.classifier.predict_one(text)
    else:
        prediction = await run_in_threadpool(model.classifier.predict_one, text)
    return PredictionOut.model_validate(prediction.to_dict())


@router.post("/api/classify/document", response_model=ClassifyDocumentResponse, responses=ERRORS, tags=["classify"])
async def classify_document(
    request: Request, _: Viewer, file: Annotated[UploadFile, File(description="A small document")]
) -> ClassifyDocumentResponse:
    """Upload a small document, get its OCR text and labels in the response (nothing is stored)."""
    settings = request.app.state.settings
    name = display_name(file.filename or "upload")
    with tempfile.TemporaryDirectory() as tmp:
        path = await _receive(file, Path(tmp), settings.max_file_bytes)
        try:
            source = inspect_file(path, limits_from(settings), settings.dpi)
        except IngestError as exc:
            raise ApiError(http_status(exc), f"{name}: {exc.reason}") from exc
        if source.page_count > settings.sync_max_pages:
            raise ApiError(
                413,
                f"{name}: {source.page_count} pages; this endpoint reads at most "
                f"{settings.sync_max_pages} (upload it to /api/documents instead)",
            )
        try:
            read = await run_in_threadpool(read_pages, source, settings, _sync_reader(request))
        except IngestError as exc:
            raise ApiError(http_status(exc), f"{name}: {exc.reason}") from exc
    model = await _active_model(request)
    prediction = PredictionOut.model_validate(model.classifier.predict_one(read.text).to_dict()) if model else None
    pages = [
        {"number": page.number, "source": page.source.value, "text": text, "mean_confidence": page.mean_confidence}
        for page, text in zip(read.pages, read.page_texts, strict=True)
    ]
    return ClassifyDocumentResponse(filename=name, text=read.text, pages=pages, prediction=prediction)


def _sync_reader(request: Request) -> PageProcessor:
    state = request.app.state
    if getattr(state, "sync_reader", None) is None:
        state.sync_reader = PageProcessor(state.settings, workers=1)
    return state.sync_reader


@router.get("/api/labels/proposed", response_model=list[ProposedLabelOut], responses=ERRORS, tags=["review"])
def proposed_labels(request: Request, _: Viewer) -> list[ProposedLabelOut]:
    """Labels reviewers gave that the schema does not have, confirmed or waiting for an admin."""
    return [
        ProposedLabelOut.model_validate(row, from_attributes=True)
        for row in request.app.state.store.learning.proposed()
    ]


@router.post(
    "/api/labels/proposed/{proposal_id}/confirm", response_model=ProposedLabelOut, responses=ERRORS, tags=["review"]
)
def confirm_label(request: Request, who: Admin, proposal_id: Id) -> ProposedLabelOut:
    """Accept a proposed label: the next retrain learns it, and its model carries the new schema."""
    row = request.app.state.store.learning.confirm(proposal_id, who.name)
    if row is None:
        raise ApiError(404, f"no proposed label with id {proposal_id}")
    audit(request, who, "confirm_label", f"label:{row.task}/{row.label}")
    return ProposedLabelOut.model_validate(row, from_attributes=True)
