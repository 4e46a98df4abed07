"""The task functions both executors run, and the jobs table they keep as the source of truth.

A document's job goes ``queued/ocr`` → ``running/ocr`` → ``queued/classify`` → ``running/classify``
→ ``done`` (or ``failed``). Taking a job is a compare-and-set on its row, so a task delivered twice
(a redelivered Celery message, a sweeper's retry) runs once. Classification writes the labels and
marks the job done in one transaction.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from munseo.classify import Prediction
from munseo.config import Settings
from munseo.ingest import FileKind, SourceFile
from munseo.pipeline import PageJob, PageOutcome, page_jobs, save_document
from munseo.service.registry import LoadedModel, ModelHolder
from munseo.store.files import DataDir
from munseo.store.models import (
    Classification,
    ClassificationHistory,
    Document,
    DocumentStatus,
    Job,
    JobStage,
    JobStatus,
    utcnow,
)
from munseo.store.repository import Store

log = logging.getLogger(__name__)

PageReader = Callable[[Iterable[PageJob]], Iterator[PageOutcome]]
CLASSIFY_BATCH = 32


class TransientError(Exception):
    """Worth retrying: the job goes back to the queue with a backoff."""


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


def claim(store: Store, job_id: int, stage: JobStage, worker: str) -> bool:
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


def _due(stage: JobStage, now: datetime) -> Select[tuple[int]]:
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


def next_queued(store: Store, stage: JobStage, limit: int = 1, among: Sequence[int] | None = None) -> list[int]:
    """Ids of queued jobs for ``stage`` that are due, oldest first (only those ``among`` when given)."""
    query = _due(stage, utcnow())
    if among is not None:
        query = query.where(Job.id.in_(among))
    with store.sessions() as session:
        return list(session.scalars(query.limit(limit)))


def resend_due(store: Store, stage: JobStage, quiet_seconds: float) -> list[int]:
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


def retry_or_fail(services: Services, job_id: int, stage: JobStage, reason: str) -> JobStatus:
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


def _source_of(doc: Document) -> SourceFile:
    if not doc.original_path or not doc.sha256 or not doc.mime:
        raise ValueError(f"document {doc.id} has no stored original")
    return SourceFile(Path(doc.original_path), doc.sha256, doc.size_bytes, FileKind(doc.mime), doc.page_count)


def run_ocr(services: Services, job_id: int, read_pages: PageReader, worker: str) -> JobStatus | None:
    """The OCR stage of one job: every page read and stored; then the job waits for classification.

    Returns the job's new status, or None when the job was not this worker's to run.
    """
    store = services.store
    if not claim(store, job_id, JobStage.OCR, worker):
        return None
    with store.sessions() as session:
        job = session.get(Job, job_id)
        doc = session.get(Document, job.document_id) if job and job.document_id else None
    if job is None or doc is None:
        store.finish_job(job_id, JobStatus.FAILED, "the job's document no longer exists")
        return JobStatus.FAILED
    try:
        source = _source_of(doc)
        store.start_document(
            sha256=source.sha256,
            filename=doc.filename,
            mime=source.kind.value,
            size=source.size,
            page_count=source.page_count,
            original_path=str(source.path),
        )
        outcomes = []
        for outcome in read_pages(page_jobs(source, services.settings, services.data)):
            outcomes.append(outcome)
            heartbeat(store, job_id)
        crashed = [o.error for o in outcomes if o.error and "worker process crashed" in o.error]
        if crashed:
            raise TransientError(crashed[0])
        saved = save_document(store, doc.id, doc.filename, source, outcomes)
    except TransientError as exc:
        return retry_or_fail(services, job_id, JobStage.OCR, str(exc))
    except Exception as exc:  # a job must end with its reason stored, whatever happened
        log.exception("OCR stage of job %s failed", job_id)
        return retry_or_fail(services, job_id, JobStage.OCR, f"{type(exc).__name__}: {exc}")
    if saved.error:
        store.finish_job(job_id, JobStatus.FAILED, saved.error)
        return JobStatus.FAILED
    store.queue_job(job_id, JobStage.CLASSIFY)
    return JobStatus.QUEUED


def classify_batch(
    services: Services, worker: str, limit: int = CLASSIFY_BATCH, among: Sequence[int] | None = None
) -> int:
    """Classify up to ``limit`` documents waiting for it (only the jobs ``among`` when given), all
    with one model version. Returns how many. Without an active model nothing is taken: the
    documents wait, and are classified once a version is activated."""
    store = services.store
    model = services.models.get()
    if model is None:
        return 0
    claimed = [
        j for j in next_queued(store, JobStage.CLASSIFY, limit, among) if claim(store, j, JobStage.CLASSIFY, worker)
    ]
    if not claimed:
        return 0
    with store.sessions() as session:
        jobs = {j.id: j.document_id for j in session.scalars(select(Job).where(Job.id.in_(claimed)))}
        texts = {d.id: d.text or "" for d in session.scalars(select(Document).where(Document.id.in_(jobs.values())))}
    doc_ids = [jobs[j] for j in claimed]
    try:
        predictions = model.classifier.predict([texts.get(d, "") for d in doc_ids])
    except Exception as exc:  # the batch goes back to the queue (or fails after its last try), never stays running
        log.exception("classification of jobs %s failed", claimed)
        for job_id in claimed:
            retry_or_fail(services, job_id, JobStage.CLASSIFY, f"classification failed: {type(exc).__name__}: {exc}")
        return len(claimed)
    with store.sessions.begin() as session:
        for job_id, doc_id, prediction in zip(claimed, doc_ids, predictions, strict=True):
            apply_prediction(session, doc_id, prediction, model)
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status=JobStatus.DONE, error=None, finished_at=utcnow(), model_version_id=model.record_id)
            )
    return len(claimed)


def apply_prediction(session: Session, doc_id: int, prediction: Prediction, model: LoadedModel) -> None:
    """Current labels replaced, history appended, the document's review flag set."""
    current = {c.task: c for c in session.scalars(select(Classification).where(Classification.document_id == doc_id))}
    for task, result in prediction.tasks.items():
        row = current.get(task) or Classification(document_id=doc_id, task=task)
        row.label, row.confidence, row.probabilities = result.label, result.confidence, result.probabilities
        row.needs_review, row.model_version_id, row.source = result.needs_review, model.record_id, "model"
        session.add(row)
        session.add(
            ClassificationHistory(
                document_id=doc_id,
                task=task,
                label=result.label,
                confidence=result.confidence,
                probabilities=result.probabilities,
                source="model",
                model_version_id=model.record_id,
            )
        )
    doc = session.get(Document, doc_id)
    if doc is None:
        return
    doc.needs_review = prediction.needs_review
    doc.min_confidence = min(t.confidence for t in prediction.tasks.values())


@dataclass
class ClassifySummary:
    """What classifying a set of documents did: for ``munseo ingest`` and ``munseo watch``."""

    model: str | None = None  # the version that classified them; None: no version is active
    documents: int = 0
    review: int = 0  # documents sent to review
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (task, label) → documents
    waiting: int = 0  # documents waiting for a model


def classify_now(services: Services, job_ids: Sequence[int], worker: str) -> ClassifySummary:
    """Classify the documents of ``job_ids`` in this process with the active model, batch by
    batch; without one they stay queued, to be classified when a version is activated."""
    ids = list(job_ids)
    while ids and classify_batch(services, worker, among=ids):
        pass
    summary = ClassifySummary()
    loaded = services.models.get()
    summary.model = loaded.version if loaded else None
    with services.store.sessions() as session:
        jobs = list(session.scalars(select(Job).where(Job.id.in_(ids)))) if ids else []
        done = [j.document_id for j in jobs if j.status == JobStatus.DONE and j.document_id is not None]
        summary.waiting = sum(1 for j in jobs if j.status == JobStatus.QUEUED and j.stage == JobStage.CLASSIFY)
        if done:
            for doc in session.scalars(select(Document).where(Document.id.in_(done))):
                summary.documents += 1
                summary.review += bool(doc.needs_review)
            for row in session.scalars(select(Classification).where(Classification.document_id.in_(done))):
                summary.labels[(row.task, row.label)] += 1
    return summary
