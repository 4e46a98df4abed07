"""The store on SQLite and PostgreSQL: opened twice it migrates once and keeps what it holds; a
transaction spanning repositories commits all of their writes or none."""

from __future__ import annotations

import pytest

from munseo.config import Settings
from munseo.store.documents import NewPage
from munseo.store.models import JobStatus
from munseo.store.repository import Store


def _document(store: Store, n: int) -> int:
    return store.documents.start(
        sha256=f"{n:064x}", filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )


def test_a_store_opened_again_keeps_what_it_holds(settings: Settings, store: Store) -> None:
    doc_id = _document(store, 1)
    store.documents.finish(doc_id, [NewPage(1, 10, 10, 300, "ocr", "국회", "국회", [], 0.9, None)], "국회")
    again = Store(settings.resolved_database_url)
    try:
        again.ping()
        found = again.documents.get(doc_id)
        assert found is not None and found.text == "국회" and len(found.pages) == 1
    finally:
        again.close()


def test_a_transaction_across_repositories_is_all_or_nothing(store: Store) -> None:
    doc_id = _document(store, 2)
    job_id = store.jobs.create(doc_id)
    with store.transaction() as tx:
        store.jobs.advance(job_id, None, tx)
        store.duplicates.forget(doc_id, tx=tx)
    found = store.jobs.get(job_id)
    assert found is not None and found[0].status == JobStatus.DONE

    other = store.jobs.create(_document(store, 3))
    with pytest.raises(RuntimeError, match="after the writes"), store.transaction() as tx:
        store.jobs.advance(other, None, tx)
        raise RuntimeError("a failure after the writes")
    found = store.jobs.get(other)
    assert found is not None and found[0].status == JobStatus.QUEUED  # rolled back with the rest
