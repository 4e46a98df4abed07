"""The processing core: the stages every document goes through, in order, as data.

A stage has a name (the ``jobs.stage`` a job waits in), a scope (``page``: one document at a time,
its pages fanned out over the OCR processes; ``document``: batches of waiting documents), and one
function. The function gets the jobs it was given (claimed already) and settles each one with
``StageCall.done`` (on to the next stage, or finished after the last), ``retry`` or ``fail``;
job transitions, the executors' loops, Celery's queues and the resend sweep are all derived from
``stages()``. A new stage is one module with its function and one entry in ``BUILT_IN`` (or a
``module:attribute`` in the ``MUNSEO_STAGE_PLUGINS`` setting, appended after the built-in ones).
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.pipeline import PageJob, PageOutcome
from munseo.store.base import Transaction
from munseo.store.files import DataDir
from munseo.store.models import JobStatus
from munseo.store.repository import Store

log = logging.getLogger(__name__)

PageReader = Callable[[Iterable[PageJob]], Iterator[PageOutcome]]


def worker_name(kind: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{kind}"


@dataclass
class Services:
    """What a stage function works with: the settings, the store, and the active model."""

    settings: Settings
    store: Store
    models: ModelHolder

    @property
    def data(self) -> DataDir:
        return DataDir(self.settings.data_dir)


class Scope(StrEnum):
    PAGE = "page"  # one document per call, its pages read by the OCR processes
    DOCUMENT = "document"  # a batch of waiting documents per call


@dataclass(frozen=True)
class Stage:
    name: str
    scope: Scope
    run: Callable[[StageCall], None]
    batch: int = 1  # jobs per call
    # whether the stage can run now (classify: a model is active); until then its jobs wait
    ready: Callable[[Services], bool] = field(default=lambda _: True)
    # a step of every document's chain (ocr → classify → …); False: jobs of its own, such as a
    # retrain, that no other stage hands on to or follows
    chain: bool = True
    # called by the executors every few seconds: queues the stage's own jobs when they are due
    # (retrain: on its schedule); None for stages whose jobs come from the one before
    tick: Callable[[Services], None] | None = None


@dataclass
class StageCall:
    """One call of a stage's function: its jobs, and how to settle each of them."""

    stage: Stage
    services: Services
    jobs: list[int]
    worker: str
    read_pages: PageReader | None = None  # page stages: how this executor reads pages
    next_stage: str | None = None
    settled: set[int] = field(default_factory=set)

    def heartbeat(self, job_id: int) -> None:
        self.services.store.jobs.heartbeat([job_id])

    def done(self, job_id: int, tx: Transaction | None = None, **values: Any) -> None:
        """The job's work in this stage is stored: on to the next stage, or finished. Pass the
        transaction that stored the work (``Store.transaction()``) to make both one commit."""
        self.services.store.jobs.advance(job_id, self.next_stage, tx, **values)
        self.settled.add(job_id)

    def retry(self, job_id: int, reason: str) -> None:
        """Back to this stage's queue with a backoff (failed after the last attempt)."""
        max_attempts = self.services.settings.job_max_attempts
        self.services.store.jobs.retry_or_fail(job_id, self.stage.name, reason, max_attempts)
        self.settled.add(job_id)

    def fail(self, job_id: int, reason: str) -> None:
        self.services.store.jobs.finish(job_id, JobStatus.FAILED, reason)
        self.settled.add(job_id)


def requeue_stale(services: Services, also_worker_prefix: str | None = None) -> list[int]:
    """Jobs left running by a worker that died (no heartbeat for ``job_stale_seconds``, or one of
    a worker named ``also_worker_prefix…``) go back to the queue."""
    ids = services.store.jobs.requeue_stale(services.settings.job_stale_seconds, also_worker_prefix)
    if ids:
        log.warning("requeued %d job(s) left running by a lost worker: %s", len(ids), ids)
    return ids


def _read_stage() -> Stage:
    from munseo.stages.read import read

    return Stage("ocr", Scope.PAGE, read)


def _classify_stage() -> Stage:
    from munseo.stages.classify import CLASSIFY_BATCH, classify, model_is_active

    return Stage("classify", Scope.DOCUMENT, classify, batch=CLASSIFY_BATCH, ready=model_is_active)


def _retrain_stage() -> Stage:
    from munseo.stages.retrain import retrain, scheduled
    from munseo.store.learning import RETRAIN_STAGE

    return Stage(RETRAIN_STAGE, Scope.DOCUMENT, retrain, chain=False, tick=scheduled)


BUILT_IN: list[Callable[[], Stage]] = [_read_stage, _classify_stage, _retrain_stage]


def stages(settings: Settings | None = None) -> list[Stage]:
    """Every stage in order: the built-in ones, then the settings' plugins."""
    found = [make() for make in BUILT_IN]
    for entry in (settings.stage_plugins if settings else []) or []:
        module, _, attribute = entry.partition(":")
        stage = getattr(importlib.import_module(module), attribute)
        if not isinstance(stage, Stage):
            raise TypeError(f"stage plugin {entry!r} is a {type(stage).__name__}, not a munseo Stage")
        found.append(stage)
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise ValueError(f"stage names must be unique: {names}")
    return found


def after(all_stages: Sequence[Stage], name: str) -> str | None:
    """The stage of the document chain that follows ``name``, or None after the last (and for a
    stage outside the chain)."""
    names = [s.name for s in all_stages if s.chain]
    if name not in names:
        return None
    index = names.index(name)
    return names[index + 1] if index + 1 < len(names) else None


def run_due(
    services: Services,
    all_stages: Sequence[Stage],
    stage: Stage,
    worker: str,
    read_pages: PageReader | None = None,
    among: Sequence[int] | None = None,
) -> int:
    """Take up to ``stage.batch`` due jobs of ``stage`` (only those ``among`` when given) and run
    them. Returns how many were taken; 0 when none is due or the stage is not ready."""
    if not stage.ready(services):
        return 0
    jobs = services.store.jobs
    claimed = [j for j in jobs.due(stage.name, stage.batch, among) if jobs.claim(j, stage.name, worker)]
    if not claimed:
        return 0
    call = StageCall(stage, services, claimed, worker, read_pages, after(all_stages, stage.name))
    try:
        stage.run(call)
    except Exception as exc:  # a job must end with its reason stored, whatever happened
        log.exception("stage %s failed on jobs %s", stage.name, claimed)
        for job_id in set(claimed) - call.settled:
            call.retry(job_id, f"{stage.name} failed: {type(exc).__name__}: {exc}")
    for job_id in set(claimed) - call.settled:
        call.retry(job_id, f"the {stage.name} stage left the job unsettled")
    return len(claimed)


def run_here(
    services: Services,
    job_ids: Sequence[int],
    worker: str,
    read_pages: PageReader | None = None,
    settings: Settings | None = None,
) -> None:
    """Run every stage the jobs are waiting in, in this process, until none of them can go on
    (all finished, failed, or waiting for a stage that is not ready): ``munseo ingest`` and
    ``munseo watch`` run their documents' stages themselves."""
    ids = list(job_ids)
    all_stages = stages(settings or services.settings)
    progress = True
    while ids and progress:
        progress = False
        for stage in all_stages:
            if stage.scope is Scope.PAGE and read_pages is None:
                continue
            while run_due(services, all_stages, stage, worker, read_pages, among=ids):
                progress = True
