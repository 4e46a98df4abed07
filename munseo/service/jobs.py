"""The jobs table, the source of truth of both executors.

A document's job waits in each stage in turn (``munseo.stages``): ``queued/ocr`` → ``running/ocr``
→ ``queued/classify`` → ``running/classify`` → ``done`` (or ``failed``). Taking a job is a
compare-and-set on its row, so a task delivered twice (a redelivered Celery message, a sweeper's
retry) runs once.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update

from munseo.config import Settings
from munseo.pipeline import PageJob, PageOutcome
from munseo.service.registry import ModelHolder
from munseo.store.files import DataDir
from munseo.store.models import (
    Document,
    DocumentStatus,
    Job,
    JobStatus,
    utcnow,
)
from munseo.store.repository import Store

log = logging.getLogger(__name__)

PageReader = Callable[[Iterable[PageJob]], Iterator[PageOutcome]]


def worker_name(kind: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{kind}"


@dataclass
class Services:
    settings: Settings
    store: Store
    models: ModelHolder

    @property
    def data(self) -> DataDir:
        return DataDir(self.settings.data_dir)


def claim(store: Store, job_id: int, stage: str, worker: str) -> bool:
    """Take a queued job for ``stage``; False if someone else has it or it is finished."""
    now = utcnow()
    with store.sessions.begin() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.stage == stage)
            .values(
                status=JobStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1
            )
        )
        return result.rowcount == 1


def _due(stage: str, now: datetime) -> Select[tuple[int]]:
    """Queued jobs for ``stage`` whose backoff (if any) has passed, oldest first."""
    return (
        select(Job.id)
        .where(
            Job.status == JobStatus.QUEUED,
            Job.stage == stage,
            or_(Job.next_attempt_at.is_(None), Job.next_attempt_at <= now),
        )
        .order_by(Job.id)
    )


def next_queued(store: Store, stage: str, limit: int = 1, among: Sequence[int] | None = None) -> list[int]:
    """Ids of queued jobs for ``stage`` that are due, oldest first (only those ``among`` when given)."""
    query = _due(stage, utcnow())
    if among is not None:
        query = query.where(Job.id.in_(among))
    with store.sessions() as session:
        return list(session.scalars(query.limit(limit)))


def resend_due(store: Store, stage: str, quiet_seconds: float) -> list[int]:
    """Queued, due jobs not handed to a worker for ``quiet_seconds`` (their message may be lost):
    marked as sent now and returned, for the caller to send again."""
    now = utcnow()
    cutoff = now - timedelta(seconds=quiet_seconds)
    with store.sessions.begin() as session:
        query = _due(stage, now).where(or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)).limit(1000)
        ids = list(session.scalars(query))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids)).values(heartbeat_at=now))
        return ids


def heartbeat(store: Store, job_id: int) -> None:
    with store.sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))


def retry_or_fail(services: Services, job_id: int, stage: str, reason: str) -> JobStatus:
    """Back to the queue with an exponential backoff, or failed (with the document) after the last try."""
    store = services.store
    with store.sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is None:
            return JobStatus.FAILED
        if job.attempts < services.settings.job_max_attempts:
            job.status, job.stage, job.error = JobStatus.QUEUED, stage, reason
            job.next_attempt_at = utcnow() + timedelta(seconds=2**job.attempts)
            return JobStatus.QUEUED
        job.status, job.error, job.finished_at = JobStatus.FAILED, reason, utcnow()
        doc = session.get(Document, job.document_id) if job.document_id else None
        if doc is not None and doc.status != DocumentStatus.PROCESSED:
            doc.status, doc.error = DocumentStatus.FAILED, reason
        return JobStatus.FAILED


def requeue_stale(services: Services, also_worker_prefix: str | None = None) -> list[int]:
    """Jobs left running by a worker that died (no heartbeat for ``job_stale_seconds``) go back to the queue."""
    cutoff = utcnow() - timedelta(seconds=services.settings.job_stale_seconds)
    condition = Job.heartbeat_at < cutoff
    if also_worker_prefix:
        condition = or_(condition, Job.worker.startswith(also_worker_prefix))
    with services.store.sessions.begin() as session:
        ids = list(session.scalars(select(Job.id).where(Job.status == JobStatus.RUNNING, condition)))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids)).values(status=JobStatus.QUEUED, next_attempt_at=None))
    if ids:
        log.warning("requeued %d job(s) left running by a lost worker: %s", len(ids), ids)
    return ids
