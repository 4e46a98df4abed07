"""Reading and writing documents and pages. Each write is one transaction: a failure in one
document never touches another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from munseo.store.db import make_engine, migrate, session_factory
from munseo.store.models import Document, DocumentStatus, Job, JobStage, JobStatus, Page, utcnow


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


class Store:
    """The database behind munseo, migrated to the newest schema on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        migrate(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

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

    def create_job(self, document_id: int, stage: str = JobStage.OCR, worker: str | None = None) -> int:
        """A document's processing job: queued for ``stage``, or running already when ``worker``
        takes it at once (``munseo ingest`` runs its own documents)."""
        now = utcnow()
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.document_id == document_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                .values(status=JobStatus.FAILED, error="replaced by a new admission of the same file", finished_at=now)
            )
            job = Job(kind="process", document_id=document_id, stage=stage, status=JobStatus.QUEUED)
            if worker is not None:
                job.status, job.worker, job.started_at, job.heartbeat_at, job.attempts = (
                    JobStatus.RUNNING,
                    worker,
                    now,
                    now,
                    1,
                )
            session.add(job)
            session.flush()
            return job.id

    def heartbeat_jobs(self, job_ids: Sequence[int]) -> None:
        """Running jobs are alive: ``requeue_stale`` leaves them alone."""
        if job_ids:
            with self.sessions.begin() as session:
                session.execute(update(Job).where(Job.id.in_(job_ids)).values(heartbeat_at=utcnow()))

    def queue_job(self, job_id: int, stage: str) -> None:
        """The job waits for ``stage`` now, due at once."""
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(stage=stage, status=JobStatus.QUEUED, heartbeat_at=utcnow(), next_attempt_at=None)
            )

    def finish_job(self, job_id: int, status: JobStatus, error: str | None = None, **values: object) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=status, error=error, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
            )

    def start_document(
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
            return doc.id

    def finish_document(self, document_id: int, pages: Sequence[NewPage], text: str) -> None:
        """Store a document's pages and text and mark it processed, all in one transaction."""
        with self.sessions.begin() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise KeyError(document_id)
            doc.pages.clear()
            session.flush()
            for page in sorted(pages, key=lambda p: p.number):
                doc.pages.append(Page(**page.__dict__))
            doc.text, doc.page_count = text, len(pages)
            doc.status, doc.error, doc.updated_at = DocumentStatus.PROCESSED, None, utcnow()

    def get_document(self, document_id: int) -> Document | None:
        with self.sessions() as session:
            return session.scalars(
                select(Document).where(Document.id == document_id).options(selectinload(Document.pages))
            ).first()

    def list_documents(self, limit: int = 50, offset: int = 0, status: str | None = None) -> list[Document]:
        query = select(Document).order_by(Document.id.desc()).limit(limit).offset(offset)
        if status:
            query = query.where(Document.status == status)
        with self.sessions() as session:
            return list(session.scalars(query))

    def count_documents(self, status: str | None = None) -> int:
        query = select(func.count(Document.id))
        if status:
            query = query.where(Document.status == status)
        with self.sessions() as session:
            return session.scalar(query) or 0
