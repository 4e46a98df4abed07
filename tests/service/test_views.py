"""The one view of a document (API, web UI, ``munseo show``/``ls``), on SQLite and PostgreSQL: its labels
with version names and top probabilities, review state, pages and history; whether classification is
still to come and why; a near-duplicate's link, and the earlier document's reviewed labels offered
as the suggestion; and search results in the search's order, each with a snippet of its best page."""

from __future__ import annotations

import pytest

from munseo.service.views import detail, search_items, summaries
from munseo.store.documents import DocumentNotFound, NewPage
from munseo.store.repository import Store
from munseo.store.search import SearchHit
from tests.labels import Decision
from tests.store.test_search import _bills

TASKS = {
    "doc_type": Decision("법률안", 0.6, {"법률안": 0.6, "보고서": 0.3, "회의록": 0.1}, True),
    "institution": Decision("국회", 0.9, {"국회": 0.9, "정부": 0.1}, False),
}


def _document(store: Store, n: int, pages: list[str]) -> int:
    doc_id = store.documents.start(
        sha256=f"{n:064x}", filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    stored = [
        NewPage(i + 1, 100, 200, 300, "ocr", text, text, [], 0.9, None, timings_ms={"ocr": 5.0})
        for i, text in enumerate(pages)
    ]
    store.documents.finish(doc_id, stored, "\n\f\n".join(pages))
    return doc_id


def test_the_detail_gives_labels_review_state_pages_and_history(store: Store) -> None:
    version = store.versions.add(version="v7", backend="linear", path="/m", label_mappings={}, metrics={})
    doc_id = _document(store, 1, ["첫 쪽", "둘째 쪽"])
    store.labels.apply(doc_id, TASKS, needs_review=True, model_version_id=version.id)
    before = detail(store, doc_id)
    assert (before.needs_review, before.min_confidence, before.reviewed_by, before.reviewed_at) == (
        True,
        0.6,
        None,
        None,
    )
    doc_type = before.labels["doc_type"]
    assert (doc_type.label, doc_type.confidence, doc_type.source, doc_type.model_version) == (
        "법률안",
        0.6,
        "model",
        "v7",
    )
    assert doc_type.top == [("법률안", 0.6), ("보고서", 0.3), ("회의록", 0.1)]
    assert doc_type.probabilities == TASKS["doc_type"].probabilities and doc_type.needs_review

    store.labels.review(doc_id, "kim", "correct", {"doc_type": "보고서"})
    view = detail(store, doc_id)
    assert (view.needs_review, view.reviewed_by) == (False, "kim") and view.reviewed_at is not None
    assert {task: (out.label, out.confidence, out.source) for task, out in view.labels.items()} == {
        "doc_type": ("보고서", 1.0, "reviewer"),
        "institution": ("국회", 1.0, "reviewer"),
    }
    history = [(h.task, h.label, h.source, h.model_version, h.reviewer) for h in view.history]
    assert history == [
        ("doc_type", "법률안", "model", "v7", None),
        ("institution", "국회", "model", "v7", None),
        ("doc_type", "보고서", "reviewer", None, "kim"),
        ("institution", "국회", "reviewer", None, "kim"),
    ]
    assert [(p.number, p.text, p.timings_ms) for p in view.pages] == [
        (1, "첫 쪽", {"ocr": 5.0}),
        (2, "둘째 쪽", {"ocr": 5.0}),
    ]
    assert view.pages[1].image_url == f"/api/documents/{doc_id}/pages/2/image"
    assert view.text == "첫 쪽\n\f\n둘째 쪽" and view.page_count == 2
    assert (view.classification_pending, view.near_duplicate_of, view.suggested_labels, view.near_duplicates) == (
        None,
        None,
        {},
        [],
    )
    # the list view: the same labels, without probabilities
    (listed,) = summaries(store, [store.documents.load(doc_id)])
    assert listed.labels["doc_type"].label == "보고서" and listed.labels["doc_type"].probabilities is None
    assert listed.labels["doc_type"].top is None
    with pytest.raises(DocumentNotFound):
        detail(store, doc_id + 1000)


def test_classification_pending_says_why_until_the_job_is_done(store: Store) -> None:
    first, second, third = (_document(store, n, [f"문서 {n}"]) for n in (1, 2, 3))
    jobs = {doc_id: store.jobs.create(doc_id, stage="classify") for doc_id in (first, third)}
    docs = store.documents.many([first, second, third])

    def pending() -> list[tuple[int, str | None]]:
        return [(s.id, s.classification_pending) for s in summaries(store, [docs[third], docs[first], docs[second]])]

    assert pending() == [(third, "waiting for a model"), (first, "waiting for a model"), (second, None)]
    store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    store.versions.activate("v1")
    assert pending() == [(third, "queued"), (first, "queued"), (second, None)]
    assert detail(store, first).classification_pending == "queued"
    store.jobs.advance(jobs[first], None)  # classified: the job is done
    assert pending() == [(third, "queued"), (first, None), (second, None)]
    assert detail(store, first).classification_pending is None


def test_a_rescan_links_to_the_earlier_document_and_is_offered_its_reviewed_labels(store: Store) -> None:
    bill = next(b for b in _bills() if len(b) > 400)
    version = store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    earlier = _document(store, 1, [bill])
    store.labels.apply(earlier, TASKS, needs_review=True, model_version_id=version.id)
    rescan = _document(store, 2, [" ".join(bill.split())])  # read again, lines broken elsewhere

    view = detail(store, rescan)
    assert view.near_duplicate_of == earlier
    assert view.near_duplicate_similarity == 1.0  # the same letters: only the line breaks differ
    assert view.suggested_labels == {}  # a model's labels are no suggestion
    assert detail(store, earlier).near_duplicates == [rescan]
    store.labels.review(earlier, "kim", "correct", {"doc_type": "보고서"})
    assert detail(store, rescan).suggested_labels == {"doc_type": "보고서", "institution": "국회"}
    assert detail(store, rescan).labels == {}  # a suggestion, never applied


def test_search_items_keep_the_search_order_with_a_snippet_and_leave_out_missing_documents(store: Store) -> None:
    a = _document(store, 1, ["표지", "전세사기 피해자 지원 특별법안"])
    b = _document(store, 2, ["전세 제도 개선"])
    hits = [SearchHit(b, 1, 2.0), SearchHit(b + 1000, 1, 1.5), SearchHit(a, 2, 1.0)]
    items = search_items(store, hits, "전세")
    assert [(i.id, i.page, i.score) for i in items] == [(b, 1, 2.0), (a, 2, 1.0)]
    assert items[1].snippet == "전세사기 피해자 지원 특별법안" and items[1].highlights == [(0, 2)]
    assert items[0].snippet == "전세 제도 개선" and items[0].highlights == [(0, 2)]
    # a real search gives hits of the same shape
    total, found = store.search.find("피해자")
    assert total == 1 and [(i.id, i.page) for i in search_items(store, found, "피해자")] == [(a, 2)]
