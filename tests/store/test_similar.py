"""Similar documents on SQLite and PostgreSQL, on real bills: a content model fitted on the
collection, the nearest neighbours by an approximate index, scored exactly against stored vectors."""

from __future__ import annotations

import pytest

from munseo.store.documents import NewPage
from munseo.store.repository import Store
from munseo.store.similar import NoContentModel
from tests.store.test_duplicates import _rescan
from tests.store.test_search import _bills


def _store(store: Store, n: int, text: str) -> int:
    doc_id = store.documents.start(
        sha256=f"{n:064x}", filename=f"doc-{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    store.documents.finish(doc_id, [NewPage(1, 1000, 1400, 300, "ocr", text, text, [], 0.9, None)], text)
    return doc_id


def test_neighbours_rank_a_near_copy_first_and_follow_new_and_reread_documents(store: Store) -> None:
    bills = [b for b in _bills() if len(b) > 300]
    ids = [_store(store, n, text) for n, text in enumerate(bills)]
    # No model yet: the first question fits one on the collection.
    first = store.similar.neighbours(ids[0], limit=5)
    assert len(first) == 5 and [n.score for n in first] == sorted((n.score for n in first), reverse=True)
    assert ids[0] not in [n.document_id for n in first] and all(-1.0 <= n.score <= 1.0 for n in first)

    copy = _store(store, 500, _rescan(bills[3], seed=1))  # stored after the fit: embedded on arrival
    top = store.similar.neighbours(copy, limit=3)
    assert top[0].document_id == ids[3] and top[0].score > 0.8

    # The copy is read again as something else: the index's old entry is scored anew, not trusted.
    store.documents.start(
        sha256=f"{500:064x}", filename="doc-500.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    store.documents.finish(copy, [NewPage(1, 1000, 1400, 300, "ocr", bills[7], bills[7], [], 0.9, None)], bills[7])
    again = store.similar.neighbours(copy, limit=3)
    assert again[0].document_id == ids[7] and again[0].score > 0.99
    assert all(n.document_id != ids[3] or n.score < 0.99 for n in again)


def test_refitting_gives_every_document_a_vector_and_too_few_documents_say_so(store: Store) -> None:
    with pytest.raises(NoContentModel, match="too few"):
        store.similar.fit()
    bills = _bills()[:10]
    ids = [_store(store, n, text) for n, text in enumerate(bills)]
    assert store.similar.fit() == len(ids)
    assert (
        store.similar.neighbours(ids[0], limit=20) and len(store.similar.neighbours(ids[0], limit=20)) == len(ids) - 1
    )


def test_the_index_library_and_onnxruntime_load_in_either_order() -> None:
    """usearch 2.2x (with numkong) made a later ``import onnxruntime`` crash the process: the
    service imports the store (usearch) before it loads a classifier (onnxruntime)."""
    import subprocess
    import sys

    for first, second in (("usearch.index", "onnxruntime"), ("onnxruntime", "usearch.index")):
        code = f"import {first}, {second}; print('ok')"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == "ok", (
            first,
            second,
            done.returncode,
            done.stderr[-500:],
        )
