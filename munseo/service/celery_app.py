"""Celery executor: the same task functions as the embedded one, spread over machines.

One task, ``munseo.stage``, and one queue per stage (``munseo.stages``), named after it: ``ocr``
(one document per message, one Tesseract engine per worker process), ``classify`` (batches of
whatever is waiting), and any stage a plugin adds. Messages are JSON only: a reachable Redis must not
mean code execution. Tasks are acknowledged late and rejected when their worker dies, so a killed
worker's task is delivered again; the jobs table's compare-and-set makes a second delivery a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache

from celery import Celery
from celery.signals import worker_process_init

from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.pipeline import PageJob, PageOutcome, init_worker, process_page
from munseo.stages import Scope, Services, after, run_due, stages, worker_name
from munseo.store.repository import Store

log = logging.getLogger(__name__)
STAGE_TASK = "munseo.stage"


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


def send_stage(celery: Celery, name: str, job_ids: list[int] | None = None) -> None:
    """Ask a worker on the stage's queue to run its due jobs (these, for a page stage)."""
    celery.send_task(STAGE_TASK, args=[name, job_ids], queue=name)


@app.task(name=STAGE_TASK, bind=True, max_retries=5)
def stage_task(self, name: str, job_ids: list[int] | None = None) -> int:  # type: ignore[no-untyped-def]
    services = _services()
    all_stages = stages(settings)
    stage = next(s for s in all_stages if s.name == name)
    worker = worker_name("celery")
    total = 0
    try:
        if stage.scope is Scope.PAGE:
            total = run_due(services, all_stages, stage, worker, read_pages_here, among=job_ids)
        else:
            while done := run_due(services, all_stages, stage, worker, read_pages_here, among=job_ids):
                total += done
    except Exception as exc:  # the database is unreachable, say: try again later
        raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
    following = after(all_stages, name)
    if total and following is not None:
        next_stage = next(s for s in all_stages if s.name == following)
        send_stage(app, following, job_ids if next_stage.scope is Scope.PAGE else None)
    return total
