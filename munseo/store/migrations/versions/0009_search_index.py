"""search_pages: the full-text index of the pages' text (FTS5 on SQLite, tsvector on PostgreSQL),
filled from the pages already stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:50:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from munseo.store.search import TABLE

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
BATCH = 500


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
    ids = [row[0] for row in bind.execute(text("SELECT id FROM documents WHERE status = 'processed' ORDER BY id"))]
    if ids:
        from munseo.store.search import Search

        session = Session(bind=bind)
        search = Search(lambda: session)  # type: ignore[arg-type]
        for start in range(0, len(ids), BATCH):  # a batch of documents' pages in memory at a time
            batch = ids[start : start + BATCH]
            rows = bind.execute(
                text("SELECT document_id, number, text FROM pages WHERE document_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": batch},
            ).all()
            pages: dict[int, list[tuple[int, str]]] = {doc: [] for doc in batch}
            for doc, number, page_text in rows:
                pages[doc].append((number, page_text or ""))
            for doc, its_pages in pages.items():
                search.index(doc, sorted(its_pages), tx=session)
            session.flush()


def downgrade() -> None:
    op.execute(f"DROP TABLE {TABLE}")
