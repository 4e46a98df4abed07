"""The counts behind the dashboard and the metrics, on SQLite and PostgreSQL: totals by status, source
and job state; processed documents since a time; the latest pages' stage timings; review counts and
label history, newest first; and how a shadow version compares with the active one."""

from __future__ import annotations

from munseo.store.documents import NewPage
from munseo.store.models import JobStatus, utcnow
from munseo.store.repository import Store
from tests.labels import Decision


def _page(number: int, source: str = "ocr", timings: dict[str, float] | None = None) -> NewPage:
    return NewPage(number, 100, 200, 300, source, "본문", "본문", [], 0.9, None, timings_ms=timings or {})


def _started(store: Store, n: int) -> int:
    return store.documents.start(
        sha256=f"{n:064x}", filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )


def _processed(store: Store, n: int, pages: list[NewPage] | None = None) -> int:
    doc_id = _started(store, n)
    store.documents.finish(doc_id, pages if pages is not None else [_page(1)], "본문")
    return doc_id


def _labelled(store: Store, n: int, version_id: int) -> int:
    """A processed document the model labelled, waiting for a reviewer."""
    doc_id = _processed(store, n)
    tasks = {
        "doc_type": Decision("법률안", 0.6, {"법률안": 0.6, "보고서": 0.4}, True),
        "institution": Decision("국회", 0.9, {"국회": 0.9, "정부": 0.1}, False),
    }
    store.labels.apply(doc_id, tasks, needs_review=True, model_version_id=version_id)
    return doc_id


def test_totals_count_documents_by_status_pages_by_source_and_jobs_by_state(store: Store) -> None:
    empty = store.stats.totals()
    assert (empty.documents_by_status, empty.pages_by_source, empty.queued_by_stage) == ({}, {}, {})
    assert (empty.running_jobs, empty.failed_jobs) == (0, 0)

    done = _processed(store, 1, [_page(1, "ocr"), _page(2, "text-layer"), _page(3, "ocr")])
    waiting, running = _started(store, 2), _started(store, 3)
    failed = store.documents.record_failure(filename="bad.pdf", reason="broken", sha256="f" * 64, size=1)
    store.jobs.create(waiting)  # queued for OCR
    store.jobs.create(done, stage="classify")  # queued for classification
    assert store.jobs.claim(store.jobs.create(running), "ocr", "worker-1")
    store.jobs.finish(store.jobs.create(failed), JobStatus.FAILED, "broken")

    totals = store.stats.totals()
    assert totals.documents_by_status == {"processed": 1, "processing": 2, "failed": 1}
    assert totals.pages_by_source == {"ocr": 2, "text-layer": 1}
    assert totals.queued_by_stage == {"ocr": 1, "classify": 1}
    assert (totals.running_jobs, totals.failed_jobs) == (1, 1)


def test_processed_since_and_the_latest_page_timings(store: Store) -> None:
    early = _processed(store, 1, [_page(1, timings={"ocr": 10.0})])
    cutoff = utcnow()
    _processed(store, 2, [_page(1, timings={"ocr": 20.0, "classify": 1.5}), _page(2)])
    _started(store, 3)  # not processed: never counted
    # labelled and reviewed after the cutoff, a document processed before it is not processed again
    version = store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    decision = Decision("법률안", 0.6, {"법률안": 0.6, "보고서": 0.4}, True)
    store.labels.apply(early, {"doc_type": decision}, needs_review=True, model_version_id=version.id)
    store.labels.review(early, "kim", "correct", {"doc_type": "보고서"})
    recent = store.stats.processed_since(cutoff)
    assert [pages for _, pages in recent] == [2]
    assert store.stats.processed_since(utcnow()) == []
    assert sorted(pages for _, pages in store.stats.processed_since(cutoff.replace(year=2000))) == [1, 2]
    # newest page first; a page stored without timings gives {}
    assert store.stats.page_timings(2) == [{}, {"ocr": 20.0, "classify": 1.5}]
    assert store.stats.page_timings(10) == [{}, {"ocr": 20.0, "classify": 1.5}, {"ocr": 10.0}]


def test_review_counts_and_history_newest_first(store: Store) -> None:
    version = store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    first, second = _labelled(store, 1, version.id), _labelled(store, 2, version.id)
    _processed(store, 3)  # never classified
    counts = store.stats.review_counts()
    assert (counts.classified, counts.waiting, counts.reviewed) == (2, 2, 0)

    store.labels.review(first, "kim", "correct", {"doc_type": "보고서"})
    counts = store.stats.review_counts()
    assert (counts.classified, counts.waiting, counts.reviewed) == (2, 1, 1)

    rows = [(r.document_id, r.task, r.label, r.confidence, r.source) for r in store.stats.history(3)]
    assert rows == [
        (first, "institution", "국회", 1.0, "reviewer"),
        (first, "doc_type", "보고서", 1.0, "reviewer"),
        (second, "institution", "국회", 0.9, "model"),
    ]
    assert len(store.stats.history(100)) == 6
    store.labels.undo_review(first, "kim", may_undo_others=False)
    assert [r.source for r in store.stats.history(2)] == ["undo", "undo"]
    counts = store.stats.review_counts()
    assert (counts.classified, counts.waiting, counts.reviewed) == (2, 2, 0)


def test_shadow_agreement_with_the_active_version_and_with_reviewers(store: Store) -> None:
    active = store.versions.add(version="v1", backend="linear", path="/m1", label_mappings={}, metrics={})
    shadow = store.versions.add(version="v2", backend="linear", path="/m2", label_mappings={}, metrics={})
    other = store.versions.add(version="v3", backend="linear", path="/m3", label_mappings={}, metrics={})
    assert store.stats.shadow() == {}
    agreed, disagreed = _labelled(store, 1, active.id), _labelled(store, 2, active.id)
    same = {"doc_type": Decision("법률안", 0.7, {}, False), "institution": Decision("국회", 0.8, {}, False)}
    differs = {"doc_type": Decision("보고서", 0.7, {}, False), "institution": Decision("국회", 0.8, {}, False)}
    labels_of_active = {"doc_type": "법률안", "institution": "국회"}
    store.labels.record_shadow(agreed, shadow.id, same, labels_of_active)
    store.labels.record_shadow(disagreed, shadow.id, differs, labels_of_active)
    store.labels.record_shadow(agreed, other.id, {"doc_type": same["doc_type"]}, labels_of_active)
    # a reviewer settles the disputed document: the shadow version was right on doc_type
    store.labels.review(disagreed, "kim", "correct", {"doc_type": "보고서"})

    found = store.stats.shadow()
    assert set(found) == {shadow.id, other.id}
    assert found[shadow.id].to_dict() == {
        "documents": 2,
        "decisions": 4,
        "agreement": 0.75,
        "reviewed": 2,
        "shadow_right": 2,
        "active_right": 1,
    }
    assert found[other.id].to_dict() == {
        "documents": 1,
        "decisions": 1,
        "agreement": 1.0,
        "reviewed": 0,
        "shadow_right": 0,
        "active_right": 0,
    }
    # only the latest rows are read
    assert store.stats.shadow(latest=1)[other.id].decisions == 1 and shadow.id not in store.stats.shadow(latest=1)
