"""Documents and their pages: admission's duplicate rule, storing what was read, and the queries
behind the document list, the review queue and the document view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session, defer, selectinload, sessionmaker

from munseo.store.base import Repository
from munseo.store.duplicates import NearDuplicates
from munseo.store.models import (
    Classification,
    ClassificationHistory,
    Document,
    DocumentStatus,
    Job,
    JobStatus,
    Page,
    utcnow,
)
from munseo.store.search import Search
from munseo.store.similar import Similar
from munseo.store.stats import Stats


class DocumentNotFound(LookupError):
    """No document has this id."""

    def __init__(self, doc_id: int) -> None:
        self.doc_id = doc_id
        super().__init__(f"no document with id {doc_id}")


@dataclass
class NewPage:
    """What the pipeline hands the store for one page."""

    number: int
    width: int
    height: int
    dpi: int
    source: str
    raw_text: str
    text: str
    blocks: list[Any]
    mean_confidence: float
    image_path: str | None
    engine: dict[str, Any] | None = None
    preprocessing: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    needs_review: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)


Sort = Literal["date", "-date", "confidence", "-confidence"]


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents a list shows; every field is optional."""

    status: str | None = None
    needs_review: bool | None = None
    labels: Sequence[tuple[str, str]] = ()  # (task, label): all of them
    created_from: datetime | None = None
    created_to: datetime | None = None
    query: str | None = None  # search words that must all match one page (the search index's rules)
    client_ref: str | None = None

    def condition(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.status:
            conditions.append(Document.status == self.status)
        if self.needs_review is not None:
            conditions.append(Document.needs_review.is_(self.needs_review))
        for task, value in self.labels:
            labelled = select(Classification.document_id).where(
                Classification.task == task, Classification.label == value
            )
            conditions.append(Document.id.in_(labelled))
        if self.created_from:
            conditions.append(Document.created_at >= self.created_from)
        if self.created_to:
            conditions.append(Document.created_at <= self.created_to)
        if self.client_ref:
            conditions.append(Document.client_ref == self.client_ref)
        return and_(*conditions) if conditions else true()


REVIEW_QUEUE = DocumentFilter(status=DocumentStatus.PROCESSED, needs_review=True)

_ORDER = {
    "date": Document.created_at.asc(),
    "-date": Document.created_at.desc(),
    "confidence": Document.min_confidence.asc().nulls_last(),
    "-confidence": Document.min_confidence.desc(),
}


class Documents(Repository):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        search: Search,
        duplicates: NearDuplicates,
        similar: Similar,
        stats: Stats,
    ) -> None:
        super().__init__(sessions)
        # All four written in the same transaction as the pages they are made from.
        self.search, self.duplicates, self.similar, self.stats = search, duplicates, similar, stats

    def find_same(self, sha256: str, stale_seconds: float) -> Document | None:
        """The document these bytes already are, by the one duplicate rule of every entry point: a
        document with the same content that is processed, or still being processed (a job of it is
        queued, or running with a heartbeat in the last ``stale_seconds``). A failed document, or one
        whose processing was abandoned (a crash before its job was written or picked up again), is
        not: the file is admitted again and replaces it."""
        cutoff = utcnow() - timedelta(seconds=stale_seconds)
        with self.sessions() as session:
            doc = session.scalars(select(Document).where(Document.sha256 == sha256)).first()
            if doc is None or doc.status == DocumentStatus.FAILED:
                return None
            if doc.status == DocumentStatus.PROCESSED:
                return doc
            live = select(Job.id).where(
                Job.document_id == doc.id,
                (Job.status == JobStatus.QUEUED) | ((Job.status == JobStatus.RUNNING) & (Job.heartbeat_at >= cutoff)),
            )
            return doc if session.scalars(live.limit(1)).first() is not None else None

    def start(
        self,
        *,
        sha256: str,
        filename: str,
        mime: str,
        size: int,
        page_count: int,
        original_path: str,
        client_ref: str | None = None,
    ) -> int:
        """Create the document row (or reset an earlier unfinished or failed one) as processing."""
        with self.sessions.begin() as session:
            doc = session.scalars(select(Document).where(Document.sha256 == sha256)).first()
            if doc is None:
                doc = Document(sha256=sha256, size_bytes=size)
                session.add(doc)
            else:
                doc.pages.clear()
            doc.filename, doc.mime, doc.page_count = filename, mime, page_count
            doc.original_path, doc.client_ref = original_path, client_ref or doc.client_ref
            doc.status, doc.error, doc.text = DocumentStatus.PROCESSING, None, None
            session.flush()
            self._drop_derived(session, doc.id)
            return doc.id

    def record_failure(
        self,
        *,
        filename: str,
        reason: str,
        sha256: str | None,
        size: int,
        mime: str | None = None,
        document_id: int | None = None,
    ) -> int:
        """Record a document that could not be processed, with the reason a person reads."""
        with self.sessions.begin() as session:
            doc = None
            if document_id is not None:
                doc = session.get(Document, document_id)
            elif sha256 is not None:
                doc = session.scalars(select(Document).where(Document.sha256 == sha256)).first()
            if doc is None:
                doc = Document(sha256=sha256, filename=filename, size_bytes=size, mime=mime)
                session.add(doc)
            elif doc.status == DocumentStatus.PROCESSED:
                return doc.id  # an identical file is already stored: never overwrite good data
            doc.filename, doc.status, doc.error = filename, DocumentStatus.FAILED, reason
            doc.pages.clear()
            session.flush()
            self._drop_derived(session, doc.id)
            return doc.id

    def _drop_derived(self, session: Session, document_id: int) -> None:
        """What was made from a document's pages (index rows, signature, vector) goes with them."""
        self.search.remove(document_id, tx=session)
        self.duplicates.forget(document_id, tx=session)
        self.similar.forget(document_id, tx=session)

    def finish(self, document_id: int, pages: Sequence[NewPage], text: str) -> None:
        """Store a document's pages and text and mark it processed, all in one transaction."""
        with self.sessions.begin() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise DocumentNotFound(document_id)
            doc.pages.clear()
            session.flush()
            for page in sorted(pages, key=lambda p: p.number):
                doc.pages.append(Page(**page.__dict__))
            doc.text, doc.page_count = text, len(pages)
            doc.status, doc.error = DocumentStatus.PROCESSED, None
            doc.updated_at = doc.processed_at = utcnow()
            self.search.index(document_id, [(p.number, p.text) for p in pages], tx=session)
            self.duplicates.record(document_id, text, tx=session)
            self.similar.record(document_id, text, tx=session)
            # last, so that the histogram's shared rows are held only until the commit
            self.stats.record_timings([p.timings_ms for p in pages], tx=session)

    def get(self, document_id: int) -> Document | None:
        """A document with its pages and current labels loaded."""
        with self.sessions() as session:
            return session.scalars(
                select(Document)
                .where(Document.id == document_id)
                .options(selectinload(Document.pages), selectinload(Document.classifications))
            ).first()

    def load(self, document_id: int) -> Document:
        """Like ``get``, raising ``DocumentNotFound`` for an unknown id."""
        doc = self.get(document_id)
        if doc is None:
            raise DocumentNotFound(document_id)
        return doc

    def of_job(self, job_id: int) -> Document | None:
        """The document a job processes."""
        with self.sessions() as session:
            job = session.get(Job, job_id)
            return session.get(Document, job.document_id) if job and job.document_id else None

    def find(
        self, where: DocumentFilter, sort: Sort = "-date", offset: int = 0, limit: int = 50
    ) -> tuple[int, list[Document]]:
        """How many documents match, and one page of them (current labels loaded)."""
        return self._page(where, (_ORDER[sort], Document.id.desc()), offset, limit)

    def review_queue(self, offset: int = 0, limit: int = 50) -> tuple[int, list[Document]]:
        """Processed documents that need a reviewer, least confident first."""
        return self._page(REVIEW_QUEUE, (Document.min_confidence.asc(), Document.id), offset, limit)

    def _page(
        self, where: DocumentFilter, order: tuple[Any, ...], offset: int, limit: int
    ) -> tuple[int, list[Document]]:
        with self.sessions() as session:
            condition = where.condition()
            if where.query is not None:
                condition = and_(condition, Document.id.in_(self.search.matching(session, where.query)))
            total = session.scalar(select(func.count(Document.id)).where(condition)) or 0
            query = select(Document).where(condition).order_by(*order).offset(offset).limit(limit)
            # lists show no text: leave it in the database (raiseload: reading it is a bug, not a query)
            options = (selectinload(Document.classifications), defer(Document.text, raiseload=True))
            docs = session.scalars(query.options(*options)).all()
        return total, list(docs)

    def many(self, doc_ids: Sequence[int]) -> dict[int, Document]:
        """These documents by id (current labels loaded); unknown ids are left out."""
        if not doc_ids:
            return {}
        with self.sessions() as session:
            query = select(Document).where(Document.id.in_(list(doc_ids)))
            return {d.id: d for d in session.scalars(query.options(selectinload(Document.classifications)))}

    def finished(self, doc_ids: Sequence[int]) -> dict[int, str | None]:
        """Those of ``doc_ids`` that are processed (None) or failed (the reason)."""
        if not doc_ids:
            return {}
        with self.sessions() as session:
            query = select(Document.id, Document.status, Document.error).where(
                Document.id.in_(list(doc_ids)), Document.status.in_([DocumentStatus.PROCESSED, DocumentStatus.FAILED])
            )
            return {
                i: (error or "failed") if status == DocumentStatus.FAILED else None
                for i, status, error in session.execute(query)
            }

    def page_texts(self, pages: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The text of these (document id, page number) pages."""
        if not pages:
            return {}
        wanted = set(pages)
        with self.sessions() as session:
            rows = session.execute(
                select(Page.document_id, Page.number, Page.text).where(Page.document_id.in_({d for d, _ in wanted}))
            )
            return {(d, n): t or "" for d, n, t in rows if (d, n) in wanted}

    def texts(self, doc_ids: Sequence[int]) -> dict[int, str]:
        with self.sessions() as session:
            rows = session.execute(select(Document.id, Document.text).where(Document.id.in_(list(doc_ids))))
            return {i: text or "" for i, text in rows}

    def history(self, document_id: int) -> list[ClassificationHistory]:
        """Every label the document was given, oldest first."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(ClassificationHistory)
                    .where(ClassificationHistory.document_id == document_id)
                    .order_by(ClassificationHistory.created_at, ClassificationHistory.id)
                )
            )

    def latest(self, limit: int = 50, offset: int = 0, status: str | None = None) -> list[Document]:
        """Newest first."""
        return self.find(DocumentFilter(status=status), "-date", offset, limit)[1]

    def count(self, status: str | None = None) -> int:
        return self.find(DocumentFilter(status=status), limit=0)[0]
