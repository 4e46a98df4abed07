"""The jobs table: compare-and-set claims, retry backoff, the last attempt, stale-job requeue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.stages import Services, requeue_stale
from munseo.store.models import Document, Job, utcnow
from munseo.store.repository import Store


def _wait(when: datetime) -> timedelta:
    """How far ``when`` is from now (SQLite gives datetimes back without their UTC zone)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) - utcnow()


def _job(store: Store) -> tuple[int, int]:
    doc_id = store.documents.start(
        sha256="ab" * 32, filename="a.pdf", mime="application/pdf", size=10, page_count=1, original_path="/x"
    )
    return doc_id, store.jobs.create(doc_id)


def test_a_job_is_claimed_once_and_retried_with_a_growing_backoff(settings: Settings, store: Store) -> None:
    doc_id, job_id = _job(store)
    jobs = store.jobs
    assert jobs.due("ocr") == [job_id]
    assert jobs.claim(job_id, "ocr", "w1") and not jobs.claim(job_id, "ocr", "w2")
    assert jobs.retry_or_fail(job_id, "ocr", "the database went away", max_attempts=3) == "queued"
    with store.sessions() as session:
        job = session.get(Job, job_id)
        first_wait = _wait(job.next_attempt_at)
    assert timedelta(seconds=1) < first_wait <= timedelta(seconds=2)
    assert jobs.due("ocr") == []  # not due before its backoff has passed
    with store.sessions.begin() as session:
        session.get(Job, job_id).next_attempt_at = utcnow() - timedelta(seconds=1)
    assert jobs.claim(job_id, "ocr", "w1")
    jobs.retry_or_fail(job_id, "ocr", "again", max_attempts=3)
    with store.sessions() as session:
        second_wait = _wait(session.get(Job, job_id).next_attempt_at)
    assert second_wait > first_wait  # 2 ** attempts
    with store.sessions.begin() as session:
        session.get(Job, job_id).next_attempt_at = None
    assert jobs.claim(job_id, "ocr", "w1")
    assert jobs.retry_or_fail(job_id, "ocr", "for the last time", max_attempts=3) == "failed"
    with store.sessions() as session:
        job, doc = session.get(Job, job_id), session.get(Document, doc_id)
        assert (job.status, job.attempts, job.error) == ("failed", 3, "for the last time")
        assert (doc.status, doc.error) == ("failed", "for the last time")


def test_jobs_of_a_lost_worker_are_requeued_and_live_ones_left_alone(settings: Settings, store: Store) -> None:
    services = Services(settings.model_copy(update={"job_stale_seconds": 60}), store, ModelHolder(store))
    _, lost = _job(store)
    other = store.documents.start(
        sha256="cd" * 32, filename="b.pdf", mime="application/pdf", size=10, page_count=1, original_path="/y"
    )
    live = store.jobs.create(other, worker="host:2:local")
    assert store.jobs.claim(lost, "ocr", "host:1:local")
    with store.sessions.begin() as session:
        session.get(Job, lost).heartbeat_at = utcnow() - timedelta(seconds=120)
    assert requeue_stale(services) == [lost]
    assert store.jobs.due("ocr") == [lost]
    assert requeue_stale(services, also_worker_prefix="host:") == [live]  # a restart on the same machine


def test_a_job_a_worker_has_claimed_is_still_waiting_in_its_stage(settings: Settings, store: Store) -> None:
    """``waiting_in`` (behind a document's ``classification_pending``) counts a claimed, running
    job until its work is stored: a document being classified this moment has no labels yet."""
    doc_id, job_id = _job(store)
    jobs = store.jobs
    assert jobs.waiting_in("ocr", [doc_id]) == {doc_id}
    assert jobs.claim(job_id, "ocr", "w1")
    assert jobs.waiting_in("ocr", [doc_id]) == {doc_id}  # running: its work is not stored yet
    assert jobs.waiting_in("classify", [doc_id]) == set()
    jobs.advance(job_id, None)
    assert jobs.waiting_in("ocr", [doc_id]) == set()
