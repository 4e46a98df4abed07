"""The jobs table, the source of truth of both executors.

A document's job waits in each stage in turn (``munseo.stages``): ``queued/ocr`` → ``running/ocr``
→ ``queued/classify`` → ``running/classify`` → ``done`` (or ``failed``). Taking a job is a
compare-and-set on its row, so a task delivered twice (a redelivered Celery message, a sweeper's
retry) runs once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update

from munseo.store.base import Repository, Transaction
from munseo.store.models import Document, DocumentStatus, Job, JobStage, JobStatus, ModelVersion, utcnow


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


def new_job(kind: str, stage: str, worker: str | None = None, document_id: int | None = None) -> Job:
    """A job waiting in ``stage``, or running there already when ``worker`` takes it at once."""
    job = Job(kind=kind, document_id=document_id, stage=stage, status=JobStatus.QUEUED, attempts=0)
    if worker is not None:
        now = utcnow()
        job.status, job.worker, job.started_at, job.heartbeat_at, job.attempts = JobStatus.RUNNING, worker, now, now, 1
    return job


class Jobs(Repository):
    def create(self, document_id: int, stage: str = JobStage.OCR, worker: str | None = None) -> int:
        """A document's processing job: queued for ``stage``, or running already when ``worker``
        takes it at once (``munseo ingest`` runs its own documents). Earlier unfinished jobs of the
        document are failed: this admission replaces them."""
        now = utcnow()
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.document_id == document_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                .values(status=JobStatus.FAILED, error="replaced by a new admission of the same file", finished_at=now)
            )
            job = new_job("process", stage, worker, document_id)
            session.add(job)
            session.flush()
            return job.id

    def get(self, job_id: int) -> tuple[Job, str | None] | None:
        """A job and the name of the model version that classified it, if one did."""
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                return None
            version = session.get(ModelVersion, job.model_version_id) if job.model_version_id else None
            return job, version.version if version else None

    def many(self, job_ids: Sequence[int]) -> list[Job]:
        if not job_ids:
            return []
        with self.sessions() as session:
            return list(session.scalars(select(Job).where(Job.id.in_(list(job_ids)))))

    def claim(self, job_id: int, stage: str, worker: str) -> bool:
        """Take a queued job for ``stage``; False if someone else has it or it is finished."""
        now = utcnow()
        with self.sessions.begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.stage == stage)
                .values(
                    status=JobStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1
                )
            )
            return result.rowcount == 1

    def due(self, stage: str, limit: int = 1, among: Sequence[int] | None = None) -> list[int]:
        """Ids of queued jobs for ``stage`` that are due, oldest first (only those ``among`` when given)."""
        query = _due(stage, utcnow())
        if among is not None:
            query = query.where(Job.id.in_(list(among)))
        with self.sessions() as session:
            return list(session.scalars(query.limit(limit)))

    def resend_due(self, stage: str, quiet_seconds: float) -> list[int]:
        """Queued, due jobs not handed to a worker for ``quiet_seconds`` (their message may be lost):
        marked as sent now and returned, for the caller to send again."""
        now = utcnow()
        cutoff = now - timedelta(seconds=quiet_seconds)
        with self.sessions.begin() as session:
            query = _due(stage, now).where(or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)).limit(1000)
            ids = list(session.scalars(query))
            if ids:
                session.execute(update(Job).where(Job.id.in_(ids)).values(heartbeat_at=now))
            return ids

    def heartbeat(self, job_ids: Sequence[int]) -> None:
        """Running jobs are alive: ``requeue_stale`` leaves them alone."""
        if job_ids:
            with self.sessions.begin() as session:
                session.execute(update(Job).where(Job.id.in_(list(job_ids))).values(heartbeat_at=utcnow()))

    def queue(self, job_id: int, stage: str) -> None:
        """The job waits for ``stage`` now, due at once."""
        self.advance(job_id, stage)

    def advance(self, job_id: int, next_stage: str | None, tx: Transaction | None = None, **values: Any) -> None:
        """The job's work in its stage is stored: it waits for ``next_stage`` now, or is done when
        there is none. Pass the transaction that stored the work to make both one commit."""
        now = utcnow()
        if next_stage is None:
            change: dict[str, Any] = {"status": JobStatus.DONE, "error": None, "finished_at": now}
        else:
            change = {"stage": next_stage, "status": JobStatus.QUEUED, "next_attempt_at": None}
        with self._write(tx) as session:
            session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=now, **change, **values))

    def finish(self, job_id: int, status: JobStatus, error: str | None = None, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=status, error=error, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
            )

    def retry_or_fail(self, job_id: int, stage: str, reason: str, max_attempts: int) -> JobStatus:
        """Back to the queue with an exponential backoff, or failed (with the document) after the
        last of ``max_attempts``."""
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None:
                return JobStatus.FAILED
            if job.attempts < max_attempts:
                job.status, job.stage, job.error = JobStatus.QUEUED, stage, reason
                job.next_attempt_at = utcnow() + timedelta(seconds=2**job.attempts)
                return JobStatus.QUEUED
            job.status, job.error, job.finished_at = JobStatus.FAILED, reason, utcnow()
            doc = session.get(Document, job.document_id) if job.document_id else None
            if doc is not None and doc.status != DocumentStatus.PROCESSED:
                doc.status, doc.error = DocumentStatus.FAILED, reason
            return JobStatus.FAILED

    def requeue_stale(self, stale_seconds: float, also_worker_prefix: str | None = None) -> list[int]:
        """Jobs left running by a worker that died (no heartbeat for ``stale_seconds``, or run by a
        worker whose name starts with ``also_worker_prefix``) go back to the queue."""
        cutoff = utcnow() - timedelta(seconds=stale_seconds)
        condition = Job.heartbeat_at < cutoff
        if also_worker_prefix:
            condition = or_(condition, Job.worker.startswith(also_worker_prefix))
        with self.sessions.begin() as session:
            ids = list(session.scalars(select(Job.id).where(Job.status == JobStatus.RUNNING, condition)))
            if ids:
                session.execute(
                    update(Job).where(Job.id.in_(ids)).values(status=JobStatus.QUEUED, next_attempt_at=None)
                )
            return ids

    def waiting_in(self, stage: str, doc_ids: Sequence[int]) -> set[int]:
        """Those of ``doc_ids`` whose job is queued for ``stage`` or running in it: a job a worker
        has claimed has not stored its work yet."""
        if not doc_ids:
            return set()
        with self.sessions() as session:
            query = select(Job.document_id).where(
                Job.document_id.in_(list(doc_ids)),
                Job.stage == stage,
                Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            )
            return {d for d in session.scalars(query) if d is not None}
