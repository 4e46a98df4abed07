"""The database on SQLite and PostgreSQL: migrations match the models, reopening is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from munseo.store.models import Base
from munseo.store.repository import Store
from munseo.store.search import TABLE, is_search_table


def test_migrations_create_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, _: not (kind == "table" and is_search_table(name))}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert TABLE in inspect(store.engine).get_table_names()
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
