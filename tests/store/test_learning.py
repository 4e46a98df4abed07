"""Retrain runs on SQLite and PostgreSQL: one in flight at a time, whichever process asks, and a
run whose job ended without it (a crash) gives its slot back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from munseo.store.models import JobStatus
from munseo.store.repository import Store


def test_one_run_in_flight_whatever_asks_at_once(store: Store) -> None:
    others = [Store(store.url) for _ in range(4)]  # as other server processes would
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            made = list(pool.map(lambda s: s.learning.request_retrain("trigger", "linear"), others))
        taken = [m for m in made if m is not None]
        assert len(taken) == 1, made
        run_id, job_id = taken[0]
        assert store.learning.request_retrain("again", "linear") is None

        store.learning.finish(run_id, failed=True, decision="boom", release=False)  # its job is retried
        assert store.learning.request_retrain("again", "linear") is None
        store.jobs.finish(job_id, JobStatus.FAILED, "out of attempts")  # the job ended, the run was not told
        second = store.learning.request_retrain("after the crash", "linear")
        assert second is not None
        store.learning.finish(second[0], decision="done")
        store.jobs.finish(second[1], JobStatus.DONE)
        assert store.learning.request_retrain("next", "linear") is not None
        assert [r.reason for r in store.learning.runs()] == ["next", "after the crash", "trigger"]
    finally:
        for other in others:
            other.close()
