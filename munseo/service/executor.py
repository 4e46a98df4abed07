"""The executors of ``munseo serve``, both derived from the stage list (``munseo.stages``): the
embedded one (the default) runs threads in the server process, and the Celery one sends each
stage's due jobs to the queue named after the stage."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from munseo.pipeline import PageProcessor
from munseo.stages import Scope, Services, Stage, after, requeue_stale, run_due, stages, worker_name

log = logging.getLogger(__name__)


class Executor(Protocol):
    """Runs the stages' jobs for ``munseo serve``; a new executor is one module with this shape."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def notify(self) -> None:
        """New jobs are queued: look now rather than at the next poll."""

    def checks(self) -> dict[str, str]:
        """What ``/readyz`` reports for this executor: a name each, ``ok`` or what is wrong."""


class LocalExecutor:
    """For every stage, threads that take its due jobs (page stages: one per OCR process, each
    document's pages fanned out over the processes; document stages: one thread, in batches).
    They poll the jobs table, and wake at once on ``notify`` or when a job moves on to them; the
    table stays the source of truth."""

    def __init__(self, services: Services, workers: int | None = None, poll_seconds: float = 1.0) -> None:
        self.services = services
        self.workers = workers or services.settings.resolved_workers
        self.poll_seconds = poll_seconds
        self.name = worker_name("local")
        self.stages = stages(services.settings)
        self._wake = {stage.name: threading.Event() for stage in self.stages}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._processor = PageProcessor(services.settings, self.workers)

    def start(self) -> None:
        # Jobs a previous server on this machine left running cannot be running any more.
        requeue_stale(self.services, also_worker_prefix=self.name.rsplit(":", 2)[0] + ":")
        for stage in self.stages:
            for n in range(self.workers if stage.scope is Scope.PAGE else 1):
                thread = threading.Thread(
                    target=self._loop,
                    args=(stage, f"{self.name}:{stage.name}#{n}#"),
                    name=f"munseo-{stage.name}-{n}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for wake in self._wake.values():
            wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._processor.__exit__()

    def notify(self) -> None:
        self._wake[self.stages[0].name].set()

    def checks(self) -> dict[str, str]:
        alive = sum(t.is_alive() for t in self._threads)
        return {"executor": "ok" if alive == len(self._threads) else f"{len(self._threads) - alive} thread(s) died"}

    def _loop(self, stage: Stage, worker: str) -> None:
        """Run ``stage``'s due jobs as ``worker`` (a name of this thread's own) until stopped."""
        wake = self._wake[stage.name]
        following = [name] if (name := after(self.stages, stage.name)) else []
        orphaned = False  # jobs of this thread may be left running (a run that could not store its end)
        while not self._stop.is_set():
            try:
                if orphaned:  # nothing runs in this thread now: give its jobs back at once, not when stale
                    requeue_stale(self.services, also_worker_prefix=worker)
                    orphaned = False
                if stage is self.stages[0]:
                    requeue_stale(self.services)
                if stage.tick is not None:
                    stage.tick(self.services)
                done = run_due(self.services, self.stages, stage, worker, self._processor.run)
            except Exception:
                log.exception("the %s stage could not run", stage.name)
                orphaned, done = True, 0
            if done:
                if following:
                    self._wake[following[0]].set()
            else:
                wake.wait(self.poll_seconds)
                wake.clear()


class CeleryExecutor:
    """For ``munseo serve --executor celery``: sends jobs to the workers, and every few seconds
    sends again what is queued but not picked up (a lost message, a retry that came due) and
    requeues what a dead worker left running."""

    def __init__(self, services: Services, sweep_seconds: float = 2.0) -> None:
        from munseo.service.celery_app import make_celery

        self.services = services
        self.stages = stages(services.settings)
        self.celery = make_celery(services.settings)
        self.sweep_seconds = sweep_seconds
        self.resend_after = min(30.0, services.settings.job_stale_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sweep, name="munseo-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def notify(self) -> None:
        try:
            self._sweep_once(self.resend_after)
        except Exception:  # the jobs are stored: the sweep sends them once the broker is back
            log.warning("new jobs could not be sent now; the sweep sends them later", exc_info=True)

    def checks(self) -> dict[str, str]:
        import redis

        try:
            redis.Redis.from_url(self.services.settings.broker_url, socket_timeout=2).ping()
            return {"broker": "ok"}
        except Exception as exc:
            return {"broker": f"unreachable: {exc}"}

    def _sweep_once(self, quiet: float) -> None:
        requeue_stale(self.services)
        from munseo.service.celery_app import send_stage

        for stage in self.stages:
            if stage.tick is not None:
                stage.tick(self.services)
            quiet_for = quiet if stage.scope is Scope.PAGE else max(quiet, 1.0)
            due = self.services.store.jobs.resend_due(stage.name, quiet_for)
            if stage.scope is Scope.PAGE:
                for job_id in due:
                    send_stage(self.celery, stage.name, [job_id])
            elif due:
                send_stage(self.celery, stage.name)

    def _sweep(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            try:
                self._sweep_once(self.resend_after)
            except Exception:
                log.exception("sweep of the job queue failed")
