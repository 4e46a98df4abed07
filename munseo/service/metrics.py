"""Prometheus metrics: request latency observed in this process; documents, pages, queue depth and
stage latency read from the database at scrape time, so every process reports the same totals. The
stage latency histogram counts every page ever stored (``stage_timings``), so its counts only grow.

Documents by status, pages and failed jobs are gauges, not counters: they are how many there are now,
and they fall when a document moves on from "queued", is deleted, or a failed job is run again (a
counter that falls reads as a process restart to Prometheus's ``rate``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, Metric, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString

from munseo.stages import Services
from munseo.stages.retrain import drift
from munseo.store.stats import STAGE_BUCKETS

log = logging.getLogger(__name__)


class _DatabaseCollector:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    def collect(self) -> Iterator[Metric]:
        totals = self.store.stats.totals()
        documents = GaugeMetricFamily("munseo_documents", "Documents by status, now.", labels=["status"])
        for status, count in totals.documents_by_status.items():
            documents.add_metric([status], count)
        pages = GaugeMetricFamily("munseo_pages", "Pages stored now, by how they were read.", labels=["source"])
        for source, count in totals.pages_by_source.items():
            pages.add_metric([source], count)
        queue = GaugeMetricFamily("munseo_queue_depth", "Jobs waiting, by stage.", labels=["stage"])
        for stage, count in totals.queued_by_stage.items():
            queue.add_metric([stage], count)
        errors = GaugeMetricFamily("munseo_job_errors", "Jobs failed and not run again, now.")
        errors.add_metric([], totals.failed_jobs)
        yield documents
        yield pages
        yield queue
        yield errors
        stages = HistogramMetricFamily("munseo_stage_seconds", "Time per page and stage.", labels=["stage"])
        for stage, (counts, seconds) in sorted(self.store.stats.stage_histogram().items()):
            buckets = [(floatToGoString(bound), count) for bound, count in zip(STAGE_BUCKETS, counts, strict=True)]
            stages.add_metric([stage], buckets, seconds)
        yield stages
        try:
            state = drift(self.services)
        except Exception:  # the other metrics are still scraped
            log.exception("the drift alarm could not be computed")
            return
        alarm = GaugeMetricFamily(
            "munseo_drift_alarm", "1 when the model's accuracy on the latest reviews fell below its fixed-set accuracy."
        )
        alarm.add_metric([], 1.0 if state.alarm else 0.0)
        yield alarm
        rolling = GaugeMetricFamily("munseo_review_accuracy", "The model's accuracy on the latest reviewed documents.")
        if state.rolling_accuracy is not None:
            rolling.add_metric([], state.rolling_accuracy)
        yield rolling


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "munseo_http_request_seconds",
            "API request latency.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self._store_registered = False

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).observe(seconds)

    def render(self, services: Services) -> bytes:
        if not self._store_registered:
            self.registry.register(_DatabaseCollector(services))
            self._store_registered = True
        return generate_latest(self.registry)
