"""The store on SQLite and PostgreSQL: migrations match the models, writes are all or nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from munseo.store.documents import NewPage
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


def _page(number: int, text: str) -> NewPage:
    return NewPage(
        number=number,
        width=100,
        height=200,
        dpi=300,
        source="ocr",
        raw_text=text,
        text=text,
        blocks=[{"bbox": [0, 0, 10, 10], "lines": []}],
        mean_confidence=0.9,
        image_path=None,
        engine={"name": "tesseract"},
        timings_ms={"ocr": 12.5},
    )


def test_document_lifecycle_and_failure_never_overwrites_processed(store: Store) -> None:
    sha = "b" * 64
    doc_id = store.documents.start(
        sha256=sha, filename="a.pdf", mime="application/pdf", size=10, page_count=2, original_path="/x"
    )
    store.documents.finish(doc_id, [_page(2, "둘"), _page(1, "하나")], "하나\n\f\n둘")
    doc = store.documents.get(doc_id)
    assert doc is not None and doc.status == "processed"
    assert [p.number for p in doc.pages] == [1, 2] and doc.pages[1].text == "둘"
    assert doc.pages[0].timings_ms == {"ocr": 12.5} and doc.pages[0].blocks[0]["bbox"] == [0, 0, 10, 10]

    # A later failing attempt at the same content must not destroy what is stored.
    assert store.documents.record_failure(filename="a.pdf", reason="boom", sha256=sha, size=10) == doc_id
    doc = store.documents.get(doc_id)
    assert doc is not None and doc.status == "processed" and len(doc.pages) == 2 and doc.error is None

    # Re-processing (e.g. after a crash) replaces the pages in one go.
    store.documents.start(
        sha256=sha, filename="a.pdf", mime="application/pdf", size=10, page_count=1, original_path="/x"
    )
    store.documents.finish(doc_id, [_page(1, "새")], "새")
    doc = store.documents.get(doc_id)
    assert doc is not None and [p.text for p in doc.pages] == ["새"] and store.documents.count() == 1
    assert store.documents.count("processed") == 1 and store.documents.latest(status="failed") == []
