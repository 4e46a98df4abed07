"""The Prometheus metrics, on SQLite and PostgreSQL: documents, pages, queue depth, job errors, stage
latency and the drift figures are read from the database at every scrape, so two processes report the
same totals and a scrape sees what was stored since the last; request latency is this process's own."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.service.metrics import Metrics
from munseo.stages import Services
from munseo.store.documents import NewPage
from munseo.store.models import JobStatus
from munseo.store.repository import Store
from munseo.store.stats import STAGE_BUCKETS
from tests.labels import Decision

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def _scrape(metrics: Metrics, services: Services) -> tuple[Samples, dict[str, str]]:
    """Every sample by name and labels, and every family's type, as a scraper parses them."""
    samples: Samples = {}
    types = {}
    for family in text_string_to_metric_families(metrics.render(services).decode()):
        types[family.name] = family.type
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples, types


def _document(store: Store, n: int, timings: list[dict[str, float]], source: str = "ocr") -> int:
    doc_id = store.documents.start(
        sha256=f"{n:064x}", filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    pages = [
        NewPage(i + 1, 100, 200, 300, source, "본문", "본문", [], 0.9, None, timings_ms=t)
        for i, t in enumerate(timings)
    ]
    store.documents.finish(doc_id, pages, "본문")
    return doc_id


def test_a_scrape_reports_what_the_database_holds(settings: Settings, store: Store) -> None:
    services = Services(settings, store, ModelHolder(store))
    first = _document(store, 1, [{"ocr": 40.0, "classify": 3.0}, {"ocr": 700.0}])
    _document(store, 2, [{"ocr": 30_000.0}], source="text-layer")
    waiting = store.documents.start(
        sha256="e" * 64, filename="w.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    store.jobs.create(waiting)
    failed = store.documents.record_failure(filename="bad.pdf", reason="broken", sha256="f" * 64, size=1)
    store.jobs.finish(store.jobs.create(failed), JobStatus.FAILED, "broken")
    version = store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    tasks = {
        "doc_type": Decision("법률안", 0.6, {"법률안": 0.6, "보고서": 0.4}, True),
        "institution": Decision("국회", 0.9, {"국회": 0.9, "정부": 0.1}, False),
    }
    store.labels.apply(first, tasks, needs_review=True, model_version_id=version.id)
    store.labels.review(first, "kim", "correct", {"doc_type": "보고서"})  # the model right on 1 task of 2

    metrics = Metrics()
    metrics.observe_request("/api/documents", "GET", 200, 0.02)
    samples, types = _scrape(metrics, services)
    assert types["munseo_stage_seconds"] == "histogram" and types["munseo_queue_depth"] == "gauge"
    # how many there are now, which falls as documents move on: gauges (a falling counter reads as a restart)
    assert {types[name] for name in ("munseo_documents", "munseo_pages", "munseo_job_errors")} == {"gauge"}
    assert samples["munseo_documents"] == {
        (("status", "processed"),): 2,
        (("status", "processing"),): 1,
        (("status", "failed"),): 1,
    }
    assert samples["munseo_pages"] == {(("source", "ocr"),): 2, (("source", "text-layer"),): 1}
    assert samples["munseo_queue_depth"] == {(("stage", "ocr"),): 1}
    assert samples["munseo_job_errors"] == {(): 1}
    ocr = {float(dict(k)["le"]): v for k, v in samples["munseo_stage_seconds_bucket"].items() if ("stage", "ocr") in k}
    assert list(ocr) == list(STAGE_BUCKETS)
    assert any(("le", "+Inf") in k for k in samples["munseo_stage_seconds_bucket"])  # Prometheus's spelling
    assert (ocr[0.01], ocr[0.05], ocr[0.5], ocr[1.0], ocr[10.0], ocr[30.0], ocr[float("inf")]) == (0, 1, 1, 2, 2, 3, 3)
    assert samples["munseo_stage_seconds_count"] == {(("stage", "classify"),): 1, (("stage", "ocr"),): 3}
    assert samples["munseo_stage_seconds_sum"][(("stage", "ocr"),)] == pytest.approx(30.74)
    assert samples["munseo_drift_alarm"] == {(): 0.0}  # no active version: no fixed-set accuracy to fall below
    assert samples["munseo_review_accuracy"] == {(): 0.5}
    request = (("method", "GET"), ("route", "/api/documents"), ("status", "200"))
    assert samples["munseo_http_request_seconds_count"] == {request: 1}


def test_every_scrape_reads_the_database_afresh_and_request_latency_stays_in_its_process(
    settings: Settings, store: Store
) -> None:
    services = Services(settings, store, ModelHolder(store))
    here, there = Metrics(), Metrics()
    samples, _ = _scrape(here, services)
    assert "munseo_documents" not in samples and "munseo_stage_seconds_count" not in samples
    assert "munseo_review_accuracy" not in samples  # no reviews: no accuracy, rather than a made-up one
    assert samples["munseo_drift_alarm"] == {(): 0.0} and samples["munseo_job_errors"] == {(): 0}

    _document(store, 1, [{"ocr": 100.0}])
    here.observe_request("/api/stats", "GET", 200, 0.5)
    here.observe_request("/api/stats", "GET", 200, 1.5)
    for metrics in (here, there):  # the second scrape of ``here``: the collector is registered once
        samples, _ = _scrape(metrics, services)
        assert samples["munseo_documents"] == {(("status", "processed"),): 1}
        assert samples["munseo_stage_seconds_count"] == {(("stage", "ocr"),): 1}
    stats = (("method", "GET"), ("route", "/api/stats"), ("status", "200"))
    assert _scrape(here, services)[0]["munseo_http_request_seconds_sum"] == {stats: 2.0}
    assert "munseo_http_request_seconds_sum" not in _scrape(there, services)[0]


def test_the_stage_histogram_counts_every_page_ever_stored_so_its_counts_never_fall(
    settings: Settings, store: Store
) -> None:
    services = Services(settings, store, ModelHolder(store))

    def ocr_histogram() -> tuple[float, float]:
        samples, _ = _scrape(Metrics(), services)
        ocr = (("stage", "ocr"),)
        return samples["munseo_stage_seconds_count"][ocr], samples["munseo_stage_seconds_sum"][ocr]

    _document(store, 1, [{"ocr": 100.0}])
    assert ocr_histogram() == (1, pytest.approx(0.1))
    # the same file read again: its stored pages are dropped, then replaced
    store.documents.start(
        sha256=f"{1:064x}", filename="1.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    assert ocr_histogram() == (1, pytest.approx(0.1))
    _document(store, 1, [{"ocr": 200.0}])
    assert ocr_histogram() == (2, pytest.approx(0.3))


def test_documents_finished_side_by_side_are_all_counted(settings: Settings, store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def finish(n: int) -> None:  # every document adds to the same histogram rows
        _document(store, n, [{"ocr": 40.0 * (n % 7), "classify": 3.0}, {"ocr": 700.0}])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(finish, range(1, 41)))
    histogram = store.stats.stage_histogram()
    assert histogram["ocr"][0][-1] == 80 and histogram["classify"][0][-1] == 40
    assert histogram["ocr"][1] == pytest.approx(sum(0.04 * (n % 7) + 0.7 for n in range(1, 41)))
