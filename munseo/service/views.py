"""The one view of a document that the API, the web UI and ``munseo show`` / ``munseo ls`` give:
metadata, labels with confidences, review state, whether classification is still to come, pages
and history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from munseo.service.schemas import DocumentDetail, DocumentSummary, HistoryOut, LabelOut, PageOut
from munseo.store.models import ClassificationHistory, Document, Job, JobStage, JobStatus, ModelVersion


class DocumentNotFound(LookupError):
    """No document has this id."""

    def __init__(self, doc_id: int) -> None:
        self.doc_id = doc_id
        super().__init__(f"no document with id {doc_id}")


def labels_of(doc: Document, versions: dict[int, str], full: bool = False) -> dict[str, LabelOut]:
    out = {}
    for c in doc.classifications:
        top = sorted(c.probabilities.items(), key=lambda kv: -kv[1])[:3] if full else None
        out[c.task] = LabelOut(
            label=c.label,
            confidence=c.confidence,
            needs_review=c.needs_review,
            source=c.source,
            model_version=versions.get(c.model_version_id or 0),
            probabilities=c.probabilities if full else None,
            top=top,
        )
    return out


def versions_of(session: Session) -> dict[int, str]:
    return dict(session.execute(select(ModelVersion.id, ModelVersion.version)).all())


def pending_of(session: Session, doc_ids: list[int]) -> dict[int, str]:
    """Documents among ``doc_ids`` whose classification is still to come, and why."""
    waiting = set(
        session.scalars(
            select(Job.document_id).where(
                Job.document_id.in_(doc_ids), Job.stage == JobStage.CLASSIFY, Job.status == JobStatus.QUEUED
            )
        )
    )
    if not waiting:
        return {}
    active = session.scalars(select(ModelVersion.id).where(ModelVersion.active.is_(True))).first()
    return {d: "queued" if active is not None else "waiting for a model" for d in waiting}


def summary(
    doc: Document, versions: dict[int, str], full: bool = False, pending: dict[int, str] | None = None
) -> DocumentSummary:
    return DocumentSummary(
        id=doc.id,
        filename=doc.filename,
        status=doc.status,
        error=doc.error,
        mime=doc.mime,
        page_count=doc.page_count,
        client_ref=doc.client_ref,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        needs_review=doc.needs_review,
        min_confidence=doc.min_confidence,
        reviewed_at=doc.reviewed_at,
        reviewed_by=doc.reviewed_by,
        labels=labels_of(doc, versions, full),
        classification_pending=(pending or {}).get(doc.id),
    )


def load(session: Session, doc_id: int) -> Document:
    doc = session.scalars(
        select(Document)
        .where(Document.id == doc_id)
        .options(selectinload(Document.pages), selectinload(Document.classifications))
    ).first()
    if doc is None:
        raise DocumentNotFound(doc_id)
    return doc


def detail(session: Session, doc_id: int) -> DocumentDetail:
    doc = load(session, doc_id)
    versions = versions_of(session)
    history = session.scalars(
        select(ClassificationHistory)
        .where(ClassificationHistory.document_id == doc_id)
        .order_by(ClassificationHistory.created_at, ClassificationHistory.id)
    )
    return DocumentDetail(
        **summary(doc, versions, full=True, pending=pending_of(session, [doc.id])).model_dump(),
        text=doc.text,
        pages=[
            PageOut(
                number=p.number,
                width=p.width,
                height=p.height,
                dpi=p.dpi,
                source=p.source,
                text=p.text,
                raw_text=p.raw_text,
                mean_confidence=p.mean_confidence,
                blocks=p.blocks,
                engine=p.engine,
                preprocessing=p.preprocessing,
                quality=p.quality,
                needs_review=p.needs_review,
                timings_ms=p.timings_ms,
                image_url=f"/api/documents/{doc.id}/pages/{p.number}/image",
            )
            for p in doc.pages
        ],
        history=[
            HistoryOut(
                task=h.task,
                label=h.label,
                confidence=h.confidence,
                source=h.source,
                model_version=versions.get(h.model_version_id or 0),
                reviewer=h.reviewer,
                created_at=h.created_at,
            )
            for h in history
        ],
    )


def summaries(session: Session, doc_ids: list[int], full: bool = False) -> list[DocumentSummary]:
    """The list view of these documents, in the order given."""
    docs = {
        d.id: d
        for d in session.scalars(
            select(Document).where(Document.id.in_(doc_ids)).options(selectinload(Document.classifications))
        )
    }
    versions, pending = versions_of(session), pending_of(session, doc_ids)
    return [summary(docs[i], versions, full, pending) for i in doc_ids if i in docs]
