"""The one view of a document that the API, the web UI and ``munseo show`` / ``munseo ls`` give:
metadata, labels with confidences, review state, whether classification is still to come, pages
and history."""

from __future__ import annotations

from collections.abc import Sequence

from munseo.service.schemas import DocumentDetail, DocumentSummary, HistoryOut, LabelOut, PageOut, SearchItem
from munseo.store.models import Document, JobStage
from munseo.store.repository import Store
from munseo.store.search import SearchHit
from munseo.text.analysis import query_words
from munseo.text.highlight import SNIPPET_CHARS, snippet


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


def pending_of(store: Store, doc_ids: Sequence[int]) -> dict[int, str]:
    """Documents among ``doc_ids`` whose classification is still to come (queued, or being
    classified this moment), and why."""
    waiting = store.jobs.waiting_in(JobStage.CLASSIFY, doc_ids)
    if not waiting:
        return {}
    why = "queued" if store.versions.active() is not None else "waiting for a model"
    return dict.fromkeys(waiting, why)


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
        near_duplicate_of=doc.near_duplicate_of,
        near_duplicate_similarity=doc.near_duplicate_similarity,
        classification_pending=(pending or {}).get(doc.id),
    )


def detail(store: Store, doc_id: int) -> DocumentDetail:
    """The whole view of one document; ``DocumentNotFound`` for an unknown id. Whether its
    classification is pending is read before its labels: a classification that lands between the two
    reads then shows as labels still marked pending, never as no labels and nothing pending."""
    pending = pending_of(store, [doc_id])
    doc = store.documents.load(doc_id)
    versions = store.versions.names()
    history = store.documents.history(doc_id)
    # the earlier document's labels only (``many`` loads no pages)
    earlier = (
        store.documents.many([doc.near_duplicate_of]).get(doc.near_duplicate_of) if doc.near_duplicate_of else None
    )
    suggested = {c.task: c.label for c in earlier.classifications if c.source == "reviewer"} if earlier else {}
    return DocumentDetail(
        suggested_labels=suggested,
        near_duplicates=store.duplicates.copies_of(doc_id),
        **summary(doc, versions, full=True, pending=pending).model_dump(),
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


def summaries(store: Store, docs: Sequence[Document], full: bool = False) -> list[DocumentSummary]:
    """The list view of these documents (current labels loaded), in the order given."""
    versions, pending = store.versions.names(), pending_of(store, [d.id for d in docs])
    return [summary(d, versions, full, pending) for d in docs]


def search_items(store: Store, hits: Sequence[SearchHit], query: str, width: int = SNIPPET_CHARS) -> list[SearchItem]:
    """The list view of the documents a search found, in its order, each with its best page and a
    snippet of it; a document deleted since is left out."""
    docs = store.documents.many([h.document_id for h in hits])
    texts = store.documents.page_texts([(h.document_id, h.page) for h in hits])
    present = [h for h in hits if h.document_id in docs]
    words = query_words(query)
    items = []
    for hit, found in zip(present, summaries(store, [docs[h.document_id] for h in present]), strict=True):
        shown, marks = snippet(texts.get((hit.document_id, hit.page), ""), words, width)
        extra = {"score": hit.score, "page": hit.page, "snippet": shown, "highlights": marks}
        items.append(SearchItem.model_validate({**found.model_dump(), **extra}))
    return items
