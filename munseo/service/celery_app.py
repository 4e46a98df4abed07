"""Celery executor: the same task functions as the embedded one, spread over machines.

Two queues: ``ocr`` (one document per task, one Tesseract engine per worker process) and
``classify`` (batches of whatever is waiting). Messages are JSON only: a reachable Redis must not
mean code execution. Tasks are acknowledged late and rejected when their worker dies, so a killed
worker's task is delivered again; the jobs table's compare-and-set makes a second delivery a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache

from celery import Celery
from celery.signals import worker_process_init

from munseo.config import Settings
from munseo.pipeline import PageJob, PageOutcome, init_worker, process_page
from munseo.service.jobs import Services, classify_batch, run_ocr, worker_name
from munseo.service.registry import ModelHolder
from munseo.store.models import JobStatus
from munseo.store.repository import Store

log = logging.getLogger(__name__)
OCR_QUEUE, CLASSIFY_QUEUE = "ocr", "classify"
OCR_TASK, CLASSIFY_TASK = "munseo.ocr", "munseo.classify"


def make_celery(settings: Settings) -> Celery:
    app = Celery("munseo", broker=settings.broker_url)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_routes={OCR_TASK: {"queue": OCR_QUEUE}, CLASSIFY_TASK: {"queue": CLASSIFY_QUEUE}},
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": max(60, int(settings.job_stale_seconds * 2))},
        worker_hijack_root_logger=False,
    )
    return app


# The worker's own app: configured from its environment (MUNSEO_BROKER_URL, MUNSEO_DATABASE_URL, …).
settings = Settings()
app = make_celery(settings)


@lru_cache(maxsize=1)
def _services() -> Services:
    store = Store(settings.resolved_database_url)
    return Services(settings, store, ModelHolder(store))


@worker_process_init.connect
def _start_engine(**_: object) -> None:
    """Each worker process gets its own Tesseract engine once, before its first task."""
    init_worker(settings)


def read_pages_here(jobs: Iterable[PageJob]) -> Iterator[PageOutcome]:
    for job in jobs:
        yield process_page(job)


@app.task(name=OCR_TASK, bind=True, max_retries=5)
def ocr_task(self, job_id: int) -> str | None:  # type: ignore[no-untyped-def]
    try:
        status = run_ocr(_services(), job_id, read_pages_here, worker_name("celery"))
    except Exception as exc:  # the database is unreachable, say: try again later
        raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
    if status is JobStatus.QUEUED:
        classify_task.delay()
    return status.value if status else None


@app.task(name=CLASSIFY_TASK, bind=True, max_retries=5)
def classify_task(self) -> int:  # type: ignore[no-untyped-def]
    services = _services()
    total = 0
    try:
        while done := classify_batch(services, worker_name("celery")):
            total += done
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
    return total
