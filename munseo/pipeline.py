"""The chain ingest → OCR → text → store, run over many files with one OCR process per core.

The coordinating process checks files and talks to the database; worker processes each hold one
Tesseract engine and turn one page at a time into a ``PageResult`` (render or text layer,
preprocess, OCR, clean, save the page image). A bad file or a failing page fails its document
only; a crashed worker fails the documents it had in hand and a fresh pool carries on.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from PIL import Image

from munseo.admission import Admitted, admit, limits_from
from munseo.config import Settings
from munseo.elements import DocumentResult, PageResult, PageSource
from munseo.ingest import IngestError, LoadedPage, Refusal, SourceFile, inspect_file, load_page
from munseo.ocr import OcrEngine, PreprocessOptions, ReadOptions, engine_factory, make_engine, read_page
from munseo.ocr.engine import PageTimeout, time_limit
from munseo.ocr.layercheck import check_layer
from munseo.processes import exit_with_parent
from munseo.store.documents import NewPage
from munseo.store.files import DataDir
from munseo.store.models import JobStatus
from munseo.store.repository import Store
from munseo.text import clean_page_text, merge_pages

log = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@dataclass(frozen=True)
class PageJob:
    source: SourceFile
    index: int
    dpi: int
    preview_dpi: int
    options: ReadOptions
    image_path: Path | None  # where to keep the page image; None: don't keep it
    page_seconds: float | None = None  # time limit of this page
    deadline: float | None = None  # wall-clock (time.time()) limit of the whole document
    check_text_layer: bool = True  # compare a line of a text layer with an OCR reading


@dataclass
class PageOutcome:
    job: PageJob
    result: PageResult | None = None
    clean_text: str = ""
    error: str | None = None
    crashed: bool = False  # the worker process died on it: worth another try


# One engine per worker process, made by the pool's initializer, and whether it can check text
# layers (an engine plugin written before ``OcrEngine.read_line`` cannot).
_engine: OcrEngine | None = None
_checks_layers = False


def init_worker(settings: Settings) -> None:
    global _engine, _checks_layers
    exit_with_parent()
    _engine = make_engine(settings)
    _checks_layers = callable(getattr(_engine, "read_line", None))
    if not _checks_layers and settings.check_text_layer:
        log.warning(
            "OCR engine %r has no read_line: text layers are trusted unchecked (MUNSEO_CHECK_TEXT_LAYER)",
            getattr(_engine, "name", type(_engine).__name__),
        )


def process_page(job: PageJob) -> PageOutcome:
    """Run in a worker: one page from file to cleaned text (and saved image)."""
    outcome = PageOutcome(job)
    if job.deadline is not None and time.time() >= job.deadline:
        outcome.error = _timeout_reason(job)
        return outcome
    try:
        loaded = load_page(
            job.source, job.index, job.dpi, job.preview_dpi, sample=job.check_text_layer and _checks_layers
        )
        timings = {"render": loaded.render_ms}
        loaded, distrusted = _check_text_layer(job, loaded, timings)
        if loaded.text_layer is not None:
            result = loaded.text_layer
            image = loaded.image
        else:
            if _engine is None:
                raise RuntimeError("worker has no OCR engine; process_page must run in a PageProcessor")
            with time_limit(_seconds_for(job)):
                reading = read_page(_engine, loaded.image, loaded.dpi, number=loaded.number, options=job.options)
            result = reading.result
            timings.update(result.timings_ms)
            image = Image.fromarray(reading.image)
            if distrusted is not None and result.quality is not None:
                result.quality.reasons.append(distrusted)
        start = time.perf_counter()
        outcome.clean_text = clean_page_text(result.text)
        timings["clean"] = (time.perf_counter() - start) * 1000
        if job.image_path is not None:
            start = time.perf_counter()
            job.image_path.parent.mkdir(parents=True, exist_ok=True)
            image.convert("L").save(job.image_path, format="JPEG", quality=85)
            timings["save_image"] = (time.perf_counter() - start) * 1000
        result.timings_ms = timings
        outcome.result = result
    except IngestError as exc:
        outcome.error = exc.reason
    except PageTimeout:
        outcome.error = _timeout_reason(job)
    except Exception as exc:  # a page must never take the batch down: its document fails, with why
        outcome.error = f"page {job.index + 1} could not be processed ({type(exc).__name__}: {exc})"
    return outcome


def _check_text_layer(job: PageJob, loaded: LoadedPage, timings: dict[str, float]) -> tuple[LoadedPage, str | None]:
    """The page as it is, or, when OCR reads its sampled line as something else than its text
    layer says, the page again as an image to OCR, with the reason."""
    if loaded.sample is None or _engine is None or not _checks_layers:
        return loaded, None
    try:
        with time_limit(_seconds_for(job)):
            check = check_layer(_engine, loaded.sample)
    except Exception:  # a check that cannot run gives no verdict: the layer is kept
        log.warning("page %d of %s: the text-layer check failed", job.index + 1, job.source.path, exc_info=True)
        return loaded, None
    timings["layer_check"] = check.ms
    if not check.distrusted:
        return loaded, None
    again = load_page(job.source, job.index, job.dpi, job.preview_dpi, text_layer=False)
    timings["render"] += again.render_ms
    return again, check.reason()


def _seconds_for(job: PageJob) -> float | None:
    """The page's own limit, or what the document has left if that is less."""
    limits = [s for s in (job.page_seconds, job.deadline - time.time() if job.deadline else None) if s is not None]
    return min(limits) if limits else None


def _timeout_reason(job: PageJob) -> str:
    if job.deadline is not None and time.time() >= job.deadline:
        return f"page {job.index + 1}: the document ran past its time limit (MUNSEO_DOCUMENT_TIME_LIMIT)"
    return f"page {job.index + 1}: OCR ran past the limit of {job.page_seconds:g} s a page (MUNSEO_PAGE_TIME_LIMIT)"


class PageProcessor:
    """A pool of OCR worker processes, one Tesseract engine each, fed with a bounded queue."""

    MAX_CRASHES = 2  # pools a page may see die before it is failed

    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        engine_factory(settings)  # an engine that does not exist fails here, not in every worker
        self.settings = settings
        self.workers = workers or settings.resolved_workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # run() may be called from several threads at once

    def __enter__(self) -> PageProcessor:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def warm(self) -> None:
        """Start the worker processes (and their engines) now, e.g. while files are being checked."""
        self._ensure_pool().submit(int)

    def _ensure_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=init_worker,
                    initargs=(self.settings,),
                )
            return self._pool

    def run(self, jobs: Iterable[PageJob]) -> Iterator[PageOutcome]:
        """Outcomes in completion order.

        When a worker dies, every page the pool held is lost with it, not only the one that killed
        it: those pages go to a fresh pool once more. A page that takes a second pool down fails.
        """
        queue = iter(jobs)
        retry: list[PageJob] = []
        crashes: dict[tuple[str, int], int] = {}
        in_flight: dict[Future[PageOutcome], tuple[PageJob, ProcessPoolExecutor]] = {}
        limit = self.workers * 3
        exhausted = False
        while True:
            while len(in_flight) < limit and (retry or not exhausted):
                job = retry.pop(0) if retry else next(queue, None)
                if job is None:
                    exhausted = True
                    break
                pool = self._ensure_pool()
                in_flight[pool.submit(process_page, job)] = (job, pool)
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                job, pool = in_flight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    self._discard(pool)
                    key = (job.source.sha256, job.index)
                    crashes[key] = crashes.get(key, 0) + 1
                    if crashes[key] < self.MAX_CRASHES:
                        retry.append(job)
                    else:
                        reason = f"page {job.index + 1}: the OCR worker process crashed"
                        yield PageOutcome(job, error=reason, crashed=True)

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Drop a broken pool (once, whichever thread sees it first); the next submit starts a new one."""
        with self._lock:
            if self._pool is pool:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None


def options_from(settings: Settings) -> ReadOptions:
    return ReadOptions(
        preprocess=PreprocessOptions(deskew=settings.deskew, denoise=settings.denoise, binarize=settings.binarize),
        repair=settings.ocr_repair,
        retry_below=settings.ocr_retry_confidence,
        review_below=settings.ocr_review_confidence,
    )


def page_jobs(source: SourceFile, settings: Settings, data: DataDir | None) -> list[PageJob]:
    """The pages of ``source`` as jobs; the document's time limit starts now (for many documents:
    ``batch_jobs``)."""
    deadline = time.time() + settings.document_time_limit
    return [
        PageJob(
            source=source,
            index=i,
            dpi=settings.dpi,
            preview_dpi=settings.preview_dpi,
            options=options_from(settings),
            image_path=data.page_image_path(source.sha256, i + 1) if data else None,
            page_seconds=settings.page_time_limit,
            deadline=deadline,
            check_text_layer=settings.check_text_layer,
        )
        for i in range(source.page_count)
    ]


def batch_jobs(sources: Iterable[SourceFile], settings: Settings, data: DataDir | None) -> Iterator[PageJob]:
    """The pages of many documents as jobs for ``PageProcessor.run``, each document's made as its
    turn comes, so that its time limit starts with its pages: made all at once, every document
    still waiting an hour (the default limit) into a large batch failed unread."""
    for source in sources:
        yield from page_jobs(source, settings, data)


@dataclass
class ReadDocument:
    """One file read by the same page function the jobs run, nothing stored."""

    pages: list[PageResult]  # in page order
    page_texts: list[str]  # each page's cleaned text

    @property
    def text(self) -> str:
        """The text the document would be stored and classified by."""
        return merge_pages(self.page_texts)

    @property
    def result(self) -> DocumentResult:
        return DocumentResult(pages=self.pages)


def _read_document(source: SourceFile, outcomes: Iterable[PageOutcome]) -> ReadDocument:
    """A file's pages from their outcomes, in page order. Raises ``IngestError`` for a page that failed."""
    read = ReadDocument([], [])
    for outcome in sorted(outcomes, key=lambda o: o.job.index):
        if outcome.error or outcome.result is None:
            raise IngestError(source.path, outcome.error or "unknown error", Refusal.PAGE_FAILED)
        read.pages.append(outcome.result)
        read.page_texts.append(outcome.clean_text)
    return read


def read_pages(source: SourceFile, settings: Settings, processor: PageProcessor) -> ReadDocument:
    """Every page of one checked file, nothing stored. Raises ``IngestError`` for a page that fails."""
    return _read_document(source, processor.run(page_jobs(source, settings, None)))


def read_file(path: Path, settings: Settings) -> ReadDocument:
    """Read one file without storing anything (``munseo ocr``, ``munseo classify``). Raises ``IngestError``."""
    source = inspect_file(path, limits_from(settings), settings.dpi)
    with PageProcessor(settings, workers=min(settings.resolved_workers, source.page_count)) as processor:
        return read_pages(source, settings, processor)


def read_files(paths: Sequence[Path], settings: Settings) -> Iterator[tuple[Path, ReadDocument | IngestError]]:
    """Read many distinct files without storing anything: each file's reading, or the ``IngestError``
    that stopped it, in the order of ``paths``, as soon as it and the files before it are read.

    One pool of OCR workers serves every file, with pages of several files in flight at once:
    ``read_file`` starts a pool, its processes and their Tesseract engines for each file, which
    took seconds a file whatever its pages. A worker that crashes takes the other files' pages in
    flight with it, and a second crash fails them too (``PageProcessor.run``): a file failed only by
    crashes is read once more on its own, so that one bad page fails one file, as it would alone."""
    if len(set(paths)) < len(paths):
        raise ValueError("read_files reads distinct files: a path is given twice")
    limits = limits_from(settings)
    sources: dict[Path, SourceFile | IngestError] = {}
    outcomes: dict[Path, list[PageOutcome]] = {}

    def jobs() -> Iterator[PageJob]:
        for path in paths:
            try:
                source = sources[path] = inspect_file(path, limits, settings.dpi)
            except IngestError as exc:
                sources[path] = exc
                continue
            outcomes[path] = []
            yield from page_jobs(source, settings, None)

    def ready(path: Path) -> bool:
        source = sources.get(path)
        return isinstance(source, IngestError) or (source is not None and len(outcomes[path]) == source.page_count)

    def read(path: Path, source: SourceFile) -> ReadDocument | IngestError:
        done = outcomes.pop(path)
        try:
            return _read_document(source, done)
        except IngestError as exc:
            if not any(outcome.crashed for outcome in done):
                return exc
        try:
            return read_file(path, settings)
        except IngestError as exc:
            return exc

    def finished() -> Iterator[tuple[Path, ReadDocument | IngestError]]:
        while waiting and ready(waiting[0]):
            path = waiting.popleft()
            source = sources.pop(path)
            yield path, source if isinstance(source, IngestError) else read(path, source)

    waiting = deque(paths)
    with PageProcessor(settings, workers=min(settings.resolved_workers, max(1, len(paths)))) as processor:
        for outcome in processor.run(jobs()):
            outcomes[outcome.job.source.path].append(outcome)
            yield from finished()
        yield from finished()


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders searched recursively for supported suffixes, hidden files skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass
class FileReport:
    path: Path
    outcome: Outcome
    document_id: int | None = None
    pages: int = 0
    ocr_pages: int = 0
    text_layer_pages: int = 0
    reason: str | None = None
    job_id: int | None = None  # a stored document's job, waiting in the stage after reading


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for f in self.files if f.outcome is outcome)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.outcome is Outcome.STORED)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.outcome is Outcome.FAILED]


class ProgressSink:
    """What ingest reports while it runs; the CLI draws it as progress bars."""

    def checking(self, done: int, total: int) -> None: ...

    def pages_total(self, total: int) -> None: ...

    def page_done(self) -> None: ...


@dataclass
class _Pending:
    report: FileReport
    source: SourceFile
    job_id: int
    outcomes: list[PageOutcome] = field(default_factory=list)


HEARTBEAT_SECONDS = 30.0  # how often ingest tells the jobs table its documents are still being read


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    store: Store,
    progress: ProgressSink | None = None,
    workers: int | None = None,
    worker: str = "ingest",
    client_refs: Mapping[Path, str | None] | None = None,
    next_stage: str | None = None,
) -> IngestReport:
    """Admit files and folders into ``store`` and read their pages, as ``worker``: the documents'
    jobs are this process's while it reads them, and then wait in ``next_stage`` (the stage after
    reading; None: they are finished). Same content twice is one document."""
    started = time.perf_counter()
    progress = progress or ProgressSink()
    data = DataDir(settings.data_dir)
    report = IngestReport()
    files = expand_paths(paths)
    pending: dict[str, _Pending] = {}
    position: dict[Path, int] = {}  # files are reported in the order they were given

    with PageProcessor(settings, workers) as processor:
        if files:
            processor.warm()  # the engines start up while the files are checked
        for n, path in enumerate(files, 1):
            progress.checking(n, len(files))
            position[path] = n
            client_ref = (client_refs or {}).get(path)
            admission = admit(path, settings, store, client_ref=client_ref, worker=worker)
            if admission.outcome is Admitted.QUEUED and admission.source is not None:
                assert admission.document_id is not None and admission.job_id is not None
                file_report = FileReport(path, Outcome.STORED, admission.document_id, admission.pages)
                pending[admission.source.sha256] = _Pending(file_report, admission.source, admission.job_id)
            elif admission.outcome is Admitted.DUPLICATE:
                report.files.append(FileReport(path, Outcome.DUPLICATE, admission.document_id))
            else:
                reason = "no such file" if not path.exists() else admission.reason
                report.files.append(FileReport(path, Outcome.FAILED, admission.document_id, reason=reason))
        progress.pages_total(sum(item.source.page_count for item in pending.values()))
        jobs = batch_jobs([item.source for item in pending.values()], settings, data)
        beat = time.monotonic()
        for outcome in processor.run(jobs):
            progress.page_done()
            item = pending[outcome.job.source.sha256]
            item.outcomes.append(outcome)
            if len(item.outcomes) == item.source.page_count:
                report.files.append(_complete(item, store, next_stage))
                del pending[outcome.job.source.sha256]
            if time.monotonic() - beat > HEARTBEAT_SECONDS:
                store.jobs.heartbeat([p.job_id for p in pending.values()])
                beat = time.monotonic()
    report.files.sort(key=lambda f: position[f.path])
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class SavedDocument:
    """What became of a document once all its pages were read."""

    error: str | None = None
    ocr_pages: int = 0
    text_layer_pages: int = 0


def save_document(
    store: Store, document_id: int, filename: str, source: SourceFile, outcomes: list[PageOutcome]
) -> SavedDocument:
    """Store a document's read pages in one transaction, or record it as failed with the first page's reason."""
    ordered = sorted(outcomes, key=lambda o: o.job.index)
    errors = [o.error for o in ordered if o.error]
    if errors:
        store.documents.record_failure(
            filename=filename,
            reason=errors[0],
            sha256=source.sha256,
            size=source.size,
            mime=source.kind.value,
            document_id=document_id,
        )
        return SavedDocument(error=errors[0])
    saved = SavedDocument()
    pages = []
    for outcome in ordered:
        result = outcome.result
        assert result is not None  # pages without an error always carry a result
        pages.append(
            NewPage(
                number=result.number,
                width=result.width,
                height=result.height,
                dpi=result.dpi,
                source=result.source.value,
                raw_text=result.text,
                text=outcome.clean_text,
                blocks=[b.model_dump(mode="json") for b in result.blocks],
                mean_confidence=result.mean_confidence,
                image_path=str(outcome.job.image_path) if outcome.job.image_path else None,
                engine=result.engine.model_dump() if result.engine else None,
                preprocessing=result.preprocessing.model_dump() if result.preprocessing else None,
                quality=result.quality.model_dump() if result.quality else None,
                needs_review=bool(result.quality and result.quality.needs_review),
                timings_ms=result.timings_ms,
            )
        )
        if result.source is PageSource.OCR:
            saved.ocr_pages += 1
        else:
            saved.text_layer_pages += 1
    store.documents.finish(document_id, pages, merge_pages([o.clean_text for o in ordered]))
    return saved


def _complete(item: _Pending, store: Store, next_stage: str | None) -> FileReport:
    """Store a document's pages; its job then waits in the next stage (or fails with the document)."""
    report = item.report
    assert report.document_id is not None  # pending documents were registered in the store
    saved = save_document(store, report.document_id, report.path.name, item.source, item.outcomes)
    if saved.error:
        report.outcome, report.reason, report.pages = Outcome.FAILED, saved.error, 0
        store.jobs.finish(item.job_id, JobStatus.FAILED, saved.error)
    elif next_stage is not None:
        store.jobs.queue(item.job_id, next_stage)
        report.job_id = item.job_id
    else:
        store.jobs.finish(item.job_id, JobStatus.DONE)
    report.ocr_pages, report.text_layer_pages = saved.ocr_pages, saved.text_layer_pages
    return report
