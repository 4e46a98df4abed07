"""The embedded executor of ``munseo serve`` (the default): threads in the server process feed
a pool of OCR processes, and one thread classifies in batches."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from munseo.pipeline import PageProcessor
from munseo.service.jobs import (
    Services,
    classify_batch,
    next_queued,
    requeue_stale,
    resend_due,
    run_ocr,
    worker_name,
)
from munseo.store.models import JobStage

log = logging.getLogger(__name__)


class LocalExecutor:
    """Polls the jobs table (and wakes at once on ``notify``); the table stays the source of truth."""

    def __init__(self, services: Services, workers: int | None = None, poll_seconds: float = 1.0) -> None:
        self.services = services
        self.workers = workers or services.settings.resolved_workers
        self.poll_seconds = poll_seconds
        self.name = worker_name("local")
        self._wake_ocr = threading.Event()
        self._wake_classify = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._processor = PageProcessor(services.settings, self.workers)
        self._ocr_slots = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="munseo-ocr")
        self._busy = threading.Semaphore(self.workers)

    def start(self) -> None:
        # Jobs a previous server on this machine left running cannot be running any more.
        requeue_stale(self.services, also_worker_prefix=self.name.rsplit(":", 2)[0] + ":")
        for target, name in ((self._dispatch_ocr, "munseo-dispatch"), (self._classify_loop, "munseo-classify")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake_ocr.set()
        self._wake_classify.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._ocr_slots.shutdown(wait=True, cancel_futures=True)
        self._processor.__exit__()

    def notify(self) -> None:
        self._wake_ocr.set()

    def _sleep(self, wake: threading.Event) -> None:
        wake.wait(self.poll_seconds)
        wake.clear()

    def _dispatch_ocr(self) -> None:
        while not self._stop.is_set():
            try:
                requeue_stale(self.services)
                due = next_queued(self.services.store, JobStage.OCR, limit=self.workers)
            except Exception:
                log.exception("could not read the job queue")
                due = []
            started = 0
            for job_id in due:
                if not self._busy.acquire(blocking=False):
                    break
                self._ocr_slots.submit(self._run_ocr, job_id)
                started += 1
            if not started:
                self._sleep(self._wake_ocr)

    def _run_ocr(self, job_id: int) -> None:
        try:
            run_ocr(self.services, job_id, self._processor.run, self.name)
        except Exception:
            log.exception("job %s failed in the OCR stage", job_id)
        finally:
            self._busy.release()
            self._wake_ocr.set()
            self._wake_classify.set()

    def _classify_loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = classify_batch(self.services, self.name)
            except Exception:
                log.exception("classification batch failed")
                done = 0
            if not done:
                self._sleep(self._wake_classify)


class CeleryExecutor:
    """For ``munseo serve --executor celery``: sends jobs to the workers, and every few seconds
    sends again what is queued but not picked up (a lost message, a retry that came due) and
    requeues what a dead worker left running."""

    def __init__(self, services: Services, sweep_seconds: float = 2.0) -> None:
        from munseo.service.celery_app import make_celery

        self.services = services
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
        self._sweep_once(self.resend_after)

    def _sweep_once(self, quiet: float) -> None:
        requeue_stale(self.services)
        from munseo.service.celery_app import CLASSIFY_TASK, OCR_TASK

        for job_id in resend_due(self.services.store, JobStage.OCR, quiet):
            self.celery.send_task(OCR_TASK, args=[job_id])
        if resend_due(self.services.store, JobStage.CLASSIFY, max(quiet, 1.0)):
            self.celery.send_task(CLASSIFY_TASK)

    def _sweep(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            try:
                self._sweep_once(self.resend_after)
            except Exception:
                log.exception("sweep of the job queue failed")
