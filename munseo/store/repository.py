"""Reading and writing documents and pages. Each write is one transaction: a failure in one
document never touches another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from munseo.store.db import make_engine, migrate, session_factory
from munseo.store.models import Document, DocumentStatus, Page, utcnow


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

    def find_by_hash(self, sha256: str) -> Document | None:
        with self.sessions() as session:
            return session.scalars(select(Document).where(Document.sha256 == sha256)).first()

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
