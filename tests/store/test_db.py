"""The database on SQLite and PostgreSQL: migrations match the models, reopening is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from munseo.store.models import Base
from munseo.store.repository import Store


def test_migrations_create_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "documents",
        "pages",
        "jobs",
        "classifications",
        "classification_history",
        "reviews",
        "model_versions",
    } <= tables


def test_reopening_is_idempotent(store: Store) -> None:
    doc_id = store.documents.record_failure(filename="x.pdf", reason="r", sha256="a" * 64, size=1)
    again = Store(store.url)
    assert again.documents.get(doc_id) is not None
    again.close()
