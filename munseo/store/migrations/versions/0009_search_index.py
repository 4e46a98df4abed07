"""search_pages: the full-text index of the pages' text (FTS5 on SQLite, tsvector on PostgreSQL),
filled from the pages already stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:50:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text
from sqlalchemy.orm import Session

from munseo.store.search import TABLE

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(terms, tokenize='unicode61')")
    else:
        op.execute(
            f"CREATE TABLE {TABLE} (document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE, "
            "page INTEGER NOT NULL, terms TSVECTOR NOT NULL, PRIMARY KEY (document_id, page))"
        )
        op.execute(f"CREATE INDEX ix_{TABLE}_terms ON {TABLE} USING GIN (terms)")
    if bind.execute(text("SELECT count(*) FROM documents WHERE status = 'processed'")).scalar():
        from munseo.store.search import Search

        session = Session(bind=bind)
        search = Search(lambda: session)  # type: ignore[arg-type]
        rows = bind.execute(
            text(
                "SELECT p.document_id, p.number, p.text FROM pages p JOIN documents d ON d.id = p.document_id "
                "WHERE d.status = 'processed' ORDER BY p.document_id, p.number"
            )
        ).all()
        pages: dict[int, list[tuple[int, str]]] = {}
        for doc, number, page_text in rows:
            pages.setdefault(doc, []).append((number, page_text or ""))
        for doc, its_pages in pages.items():
            search.index(doc, its_pages, tx=session)
        session.flush()


def downgrade() -> None:
    op.execute(f"DROP TABLE {TABLE}")
