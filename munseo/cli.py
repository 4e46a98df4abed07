"""The ``munseo`` command line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from munseo.classify.cli import classify_command, evaluate_command, labels_app, train_command
from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.demo import demo_command
from munseo.elements import PageResult, PageSource
from munseo.errors import ExitCode, exit_code
from munseo.evaluate.ocr import ocr_evaluate_command
from munseo.ingest import IngestError
from munseo.ocr import OcrError
from munseo.pipeline import FileReport, IngestReport, Outcome, ProgressSink, ingest, read_file
from munseo.service.cli import models_app, pool_app, retrain_command, serve_command, token_app, worker_command
from munseo.service.schemas import LabelOut
from munseo.service.views import detail, search_items, summaries
from munseo.stages import Services, after, run_here, stages, worker_name
from munseo.stages.classify import ClassifySummary, summarise
from munseo.store.documents import DocumentNotFound
from munseo.store.repository import Store
from munseo.synth.cli import synth_command
from munseo.watch import Inbox


class _ModelByDefault(TyperGroup):
    """``munseo evaluate MODEL --data …`` stays as it was: a first argument that names no
    subcommand is a model folder for ``munseo evaluate model``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["model", *args]
        return super().parse_args(ctx, args)


evaluate_app = typer.Typer(
    cls=_ModelByDefault,
    help="Measure munseo: a model on labelled data (`munseo evaluate MODEL --data …`), or OCR on pages of "
    "known text (`munseo evaluate ocr PAGES`).",
    no_args_is_help=True,
)
evaluate_app.command("model")(evaluate_command)
evaluate_app.command("ocr")(ocr_evaluate_command)

app = typer.Typer(
    name="munseo",
    help="munseo (문서): turns scanned and born-digital documents into searchable, classified records.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _open_store(settings: Settings) -> Store:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store(settings.resolved_database_url)


class _RichProgress(ProgressSink):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.check_task = progress.add_task("checking files", total=None, rate="")
        self.page_task: int | None = None
        self.pages_done = 0

    def checking(self, done: int, total: int) -> None:
        self.progress.update(self.check_task, completed=done, total=total)

    def pages_total(self, total: int) -> None:
        self.page_task = self.progress.add_task("reading pages", total=total, rate="")

    def page_done(self) -> None:
        assert self.page_task is not None
        self.pages_done += 1
        self.progress.advance(self.page_task)
        task = self.progress.tasks[self.page_task]
        elapsed = task.elapsed or 0.0
        if elapsed > 0:
            self.progress.update(self.page_task, rate=f"{self.pages_done / elapsed:.2f} pages/s")


def _classify_stored(settings: Settings, store: Store, report: IngestReport, worker: str) -> ClassifySummary:
    """The stages after reading of the documents ingest stored, in this process (classify: with
    the active model; without one they wait for it)."""
    waiting = [f.job_id for f in report.files if f.job_id is not None]
    services = Services(settings, store, ModelHolder(store))
    with err.status(f"classifying {len(waiting)} document(s)"):
        run_here(services, waiting, worker)
    return summarise(services, waiting)


def _after_reading(settings: Settings) -> str | None:
    return after(stages(settings), "ocr")


def _summary(report: IngestReport, classified: ClassifySummary) -> Table:
    table = Table(title=f"Ingest finished in {report.seconds:.1f} s", show_header=True)
    table.add_column("")
    table.add_column("count", justify="right")
    ocr = sum(f.ocr_pages for f in report.files)
    text_layer = sum(f.text_layer_pages for f in report.files)
    table.add_row("documents stored", str(report.count(Outcome.STORED)))
    table.add_row("already stored (same content)", str(report.count(Outcome.DUPLICATE)))
    table.add_row("failed", str(report.count(Outcome.FAILED)))
    table.add_row("pages read", str(report.pages))
    table.add_row("  by OCR", str(ocr))
    table.add_row("  from the text layer", str(text_layer))
    if report.seconds > 0 and report.pages:
        table.add_row("pages per minute", f"{report.pages / report.seconds * 60:.1f}")
    if classified.model is not None:
        table.add_row(f"classified (model {classified.model})", str(classified.documents))
        table.add_row("  sent to review", str(classified.review))
        for (task, label), count in sorted(classified.labels.items(), key=lambda kv: (kv[0][0], -kv[1])):
            table.add_row(f"  {task}: {label}", str(count))
    if classified.waiting:
        table.add_row(
            "waiting for a model (classified once one is activated: munseo models activate)",
            str(classified.waiting),
        )
    return table


def _failures(failed: list[FileReport]) -> Table:
    table = Table(title="Failures", show_header=True, header_style="bold red")
    table.add_column("file")
    table.add_column("document", justify="right")
    table.add_column("reason")
    for f in failed:
        table.add_row(str(f.path), str(f.document_id or "-"), f.reason or "")
    return table


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    dpi: Annotated[int | None, typer.Option(help="Render resolution for pages that need OCR.")] = None,
    workers: Annotated[int | None, typer.Option(help="OCR processes (default: one per core).")] = None,
) -> None:
    """Read files into the database: text layer where usable, OCR otherwise."""
    settings = _settings(dpi=dpi, workers=workers)
    store = _open_store(settings)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    name = worker_name("ingest")
    with Progress(*columns, console=err, transient=False) as progress:
        report = ingest(
            paths, settings, store, _RichProgress(progress), worker=name, next_stage=_after_reading(settings)
        )
    classified = _classify_stored(settings, store, report, name)
    console.print(_summary(report, classified))
    if report.failed:
        console.print(_failures(report.failed))
        raise typer.Exit(ExitCode.DOCUMENTS_FAILED)


@app.command("watch")
def watch_command(
    folder: Annotated[Path, typer.Argument(help="The inbox folder to watch (sub-folders become client_ref).")],
    done: Annotated[Path | None, typer.Option(help="Where finished files go (default: FOLDER/done).")] = None,
    failed: Annotated[
        Path | None, typer.Option(help="Where failed files go, with NAME.reason.txt (default: FOLDER/failed).")
    ] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Leave files in the inbox instead of moving them.")] = False,
    settle: Annotated[float, typer.Option(help="Seconds a file's size must stay unchanged before it is read.")] = 2.0,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the inbox.")] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="Take in what has arrived (waiting for it to settle), then stop.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="OCR processes (default: one per core).")] = None,
) -> None:
    """Watch an inbox folder: every file that arrives is read, classified and stored, then moved."""
    settings = _settings(workers=workers)
    store = _open_store(settings)
    try:
        inbox = Inbox(folder, done=done, failed=failed, keep=keep, settle_seconds=settle)
    except NotADirectoryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(ExitCode.USAGE) from exc
    name = worker_name("watch")
    err.print(f"watching {folder} (finished files go to {inbox.done}, failed ones to {inbox.failed}); Ctrl-C stops")
    try:
        while True:
            ready = inbox.ready()
            if ready:
                refs = {p: inbox.client_ref(p) for p in ready}
                report = ingest(
                    ready, settings, store, worker=name, client_refs=refs, next_stage=_after_reading(settings)
                )
                classified = _classify_stored(settings, store, report, name)
                for f in report.files:
                    failed_reason = f.reason if f.outcome is Outcome.FAILED else None
                    moved = inbox.settle(f.path, failed_reason)
                    note = f"[red]failed[/red]: {failed_reason}" if failed_reason else f.outcome.value
                    console.print(f"{f.path.name} → document {f.document_id or '-'} ({note}); now {moved}")
                if classified.waiting:
                    console.print(f"{classified.waiting} document(s) wait for a model (munseo models activate)")
            elif once and not inbox.pending:
                return
            time.sleep(min(poll, settle / 2) if inbox.pending else poll)
    except KeyboardInterrupt:
        err.print("stopped")


@app.command("ocr")
def ocr_command(
    file: Annotated[Path, typer.Argument(help="A PDF, PNG, JPEG or TIFF file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the element tree and page quality as JSON.")] = False,
    dpi: Annotated[int | None, typer.Option(help="Render resolution.")] = None,
    languages: Annotated[
        str | None, typer.Option(help="Tesseract model(s), e.g. Hangul (default), kor+eng, Hangul+HanT.")
    ] = None,
    repair: Annotated[
        bool | None, typer.Option("--repair/--no-repair", help="Put back ·, ①, ○, □, ∼, 「」 from context.")
    ] = None,
) -> None:
    """Read one file and print its text (or JSON) without storing anything.

    Pages with a usable text layer are taken as they are. Scanned pages are
    turned upright if they lie on their side or upside down, cleaned (deskew;
    denoise when measured noisy, flatten), cut into regions (columns;
    ruled tables read row by row, ' | ' between cells) and read with the
    Hangul model (Latin lines with eng; Hanja in doubtful words with HanT,
    on pages that carry Hanja). If the regions cover less of the page's
    text than a whole-page reading, the better reading is kept. A blank
    page (no glyph-sized ink, speckle aside) is not read.

    Each page's header says how it was read: confidence, the reading kept,
    coverage, rotation, repairs, and whether it needs review.
    """
    settings = _settings(dpi=dpi, languages=languages, ocr_repair=repair)
    try:
        read = read_file(file, settings)
    except (IngestError, OcrError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    if as_json:
        sys.stdout.write(read.result.model_dump_json(indent=2) + "\n")
        return
    for page in read.pages:
        err.print(f"[dim]── page {page.number} ({_page_note(page)}) ──[/dim]")
        sys.stdout.write(page.text.rstrip() + "\n")


def _page_note(page: PageResult) -> str:
    if page.source is not PageSource.OCR:
        return page.source.value
    notes = [f"ocr, confidence {page.mean_confidence:.2f}"]
    quality = page.quality
    if quality is not None:
        notes.append(f"{quality.reading}, coverage {quality.coverage:.0%}")
        if quality.rotation:
            notes.append(f"turned {quality.rotation}°")
        if quality.treatment != "as-scanned":
            notes.append(quality.treatment)
        if quality.repairs:
            notes.append(f"{len(quality.repairs)} repaired")
        if quality.needs_review:
            notes.append("[yellow]needs review[/yellow]")
    return ", ".join(notes)


def _labels_cell(labels: dict[str, LabelOut], pending: str | None) -> str:
    if pending:
        return f"[yellow]{pending}[/yellow]"
    return "; ".join(f"{task}: {label.label} ({label.confidence:.2f})" for task, label in labels.items())


@app.command("ls")
def ls_command(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    status: Annotated[str | None, typer.Option(help="Only this status (processed, failed, …).")] = None,
) -> None:
    """List stored documents with their labels and review state."""
    store = _open_store(_settings())
    items = summaries(store, store.documents.latest(limit=limit, status=status))
    table = Table(title=f"{store.documents.count(status)} documents", show_header=True)
    for name in ("id", "file", "pages", "status", "labels", "review", "stored", "note"):
        table.add_column(name, justify="right" if name in ("id", "pages") else "left")
    for d in items:
        colour = {"processed": "green", "failed": "red"}.get(d.status, "yellow")
        review = "reviewed" if d.reviewed_at else ("[red]needs review[/red]" if d.needs_review else "")
        table.add_row(
            str(d.id),
            d.filename,
            str(d.page_count),
            f"[{colour}]{d.status}[/{colour}]",
            _labels_cell(d.labels, d.classification_pending),
            review,
            d.created_at.strftime("%Y-%m-%d %H:%M"),
            (d.error or "")[:80],
        )
    console.print(table)


@app.command("show")
def show_command(
    doc_id: Annotated[int, typer.Argument(help="Document id (see munseo ls).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON (the API's document view).")] = False,
) -> None:
    """Show one stored document: metadata, labels, review state, history, pages and text."""
    store = _open_store(_settings())
    try:
        doc = detail(store, doc_id)
    except DocumentNotFound as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(show_header=False, box=None)
    review = f"reviewed by {doc.reviewed_by}" if doc.reviewed_at else ("needs review" if doc.needs_review else "no")
    for key, value in (
        ("id", doc.id),
        ("file", doc.filename),
        ("type", doc.mime),
        ("status", doc.status),
        ("error", doc.error),
        ("pages", doc.page_count),
        ("client_ref", doc.client_ref),
        ("stored", doc.created_at.isoformat(timespec="seconds")),
        ("labels", _labels_cell(doc.labels, doc.classification_pending) or None),
        ("review", review if doc.status == "processed" else None),
    ):
        if value is not None:
            table.add_row(f"[bold]{key}", str(value))
    console.print(table)
    if doc.history:
        history = Table(title="history", show_header=True)
        for name in ("when", "task", "label", "confidence", "source", "by"):
            history.add_column(name)
        for h in doc.history:
            history.add_row(
                h.created_at.isoformat(timespec="seconds"),
                h.task,
                h.label,
                f"{h.confidence:.2f}" if h.confidence is not None else "",
                h.source,
                h.reviewer or h.model_version or "",
            )
        console.print(history)
    for page in doc.pages:
        ms = sum(page.timings_ms.values())
        console.rule(f"page {page.number} · {page.source} · confidence {page.mean_confidence:.2f} · {ms:.0f} ms")
        console.print(page.text, markup=False, highlight=False)


def _bar(bar: Progress, task: TaskID) -> Callable[[int, int], None]:
    return lambda done, total: bar.update(task, completed=done, total=total)


@app.command("backup")
def backup_command(
    folder: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
) -> None:
    """Back up the database and the stored originals, page images and model versions, while the
    service runs: one consistent database snapshot, then the files it names."""
    from munseo.store.backup import BackupError, backup

    settings = _settings()
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("copying files", total=None)
        try:
            manifest = backup(
                settings.resolved_database_url,
                settings.data_dir,
                folder,
                lambda i, n: bar.update(task, completed=i, total=n),
            )
        except BackupError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(exit_code(exc)) from exc
    rows = manifest.rows
    console.print(
        f"backed up to {folder}: {rows.get('documents', 0)} documents, {rows.get('pages', 0)} pages, "
        f"{rows.get('reviews', 0)} reviews, {rows.get('model_versions', 0)} model versions, {manifest.files} files"
    )


@app.command("restore")
def restore_command(
    folder: Annotated[Path, typer.Argument(help="A folder written by munseo backup.")],
) -> None:
    """Restore a backup into an empty data directory and an empty database (MUNSEO_DATA_DIR,
    MUNSEO_DATABASE_URL); stop the service first and point it at them afterwards."""
    from munseo.store.backup import BackupError, restore

    settings = _settings()
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("copying files", total=None)
        try:
            manifest = restore(
                folder,
                settings.resolved_database_url,
                settings.data_dir,
                lambda i, n: bar.update(task, completed=i, total=n),
            )
        except BackupError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(exit_code(exc)) from exc
    console.print(
        f"restored {folder} (made {manifest.created_at}) into {settings.data_dir}: "
        f"{manifest.rows.get('documents', 0)} documents, {manifest.files} files"
    )


@app.command("reindex")
def reindex_command() -> None:
    """Rebuild the full-text search index from the stored pages, fit the content model behind
    "similar documents" again and judge every rescan link again (after an upgrade, after the
    collection changed much, or to repair)."""
    from munseo.store.similar import NoContentModel

    store = _open_store(_settings())
    started = time.perf_counter()
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("indexing documents", total=None)
        count = store.search.rebuild(lambda i, n: bar.update(task, completed=i, total=n))
        task = bar.add_task("content vectors", total=None)
        try:
            vectors = store.similar.fit(lambda i, n: bar.update(task, completed=i, total=n))
        except NoContentModel as exc:
            note = f" (similar documents: {exc})"
        else:
            note = f"; {vectors} content vectors for similar documents"
        task = bar.add_task("rescan links", total=None)
        linked = store.duplicates.relink(lambda i, n: bar.update(task, completed=i, total=n))
        note += f"; {linked} documents linked as rescans"
    seconds = time.perf_counter() - started
    console.print(f"indexed {count} documents ({store.search.size()} pages){note} in {seconds:.1f} s")


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='Words that must all occur; "quoted words" stand together.')],
    limit: Annotated[int, typer.Option(help="How many documents, best first.")] = 10,
) -> None:
    """Search the stored documents' text: ranked documents, their best page and a snippet."""
    store = _open_store(_settings())
    total, hits = store.search.find(query, limit=limit)
    table = Table(title=f"{total} documents match {query!r}", show_header=True)
    for name in ("id", "file", "page", "score", "snippet"):
        table.add_column(name, justify="right" if name in ("id", "page", "score") else "left")
    for item in search_items(store, hits, query, width=100):
        table.add_row(str(item.id), item.filename, str(item.page), f"{item.score:.2f}", item.snippet)
    console.print(table)


app.command("synth")(synth_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.add_typer(token_app, name="token")
app.add_typer(models_app, name="models")
app.command("retrain")(retrain_command)
app.add_typer(pool_app, name="pool")
app.command("train")(train_command)
app.add_typer(evaluate_app, name="evaluate")
app.command("classify")(classify_command)
app.add_typer(labels_app, name="labels")
