"""``munseo serve``, ``munseo worker``, ``munseo token``, ``munseo models``, ``munseo retrain`` and ``munseo pool``."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from munseo.config import Settings
from munseo.errors import ExitCode, exit_code
from munseo.store.models import Role
from munseo.store.repository import Store

console = Console()
err = Console(stderr=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
models_app = typer.Typer(help="Model versions: register, list, activate.", no_args_is_help=True)


# Files in the server's temp folder older than this are left over from a crash and removed at start.
STALE_TEMP_SECONDS = 24 * 3600


def confine_temp_files(data_dir: Path) -> Path:
    """Make ``DATA_DIR/tmp`` this process's temp folder (and its children's), and return it.

    Uploads larger than 1 MiB are spooled to a temp file before munseo sees them (Starlette's
    multipart parser); they are documents, so they belong on the disk and under the permissions the
    operator chose for the data, not in the machine's shared ``/tmp``. Files a crash left behind there
    are removed once they are a day old.
    """
    folder = data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for leftover in folder.iterdir():
        try:
            if leftover.is_file() and now - leftover.stat().st_mtime > STALE_TEMP_SECONDS:
                leftover.unlink()
        except OSError:  # another process took it first
            continue
    os.environ["TMPDIR"] = str(folder.resolve())
    tempfile.tempdir = str(folder.resolve())
    return folder


def _store(settings: Settings) -> Store:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store(settings.resolved_database_url)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    executor: Annotated[
        str, typer.Option(help="local (embedded worker) or celery (Redis broker, munseo worker).")
    ] = "local",
    workers: Annotated[int | None, typer.Option(help="OCR processes of the embedded worker.")] = None,
    watch: Annotated[
        Path | None,
        typer.Option(help="An inbox folder: files that arrive are processed, then moved to FOLDER/done or failed."),
    ] = None,
) -> None:
    """Start the API (docs at /docs) and, by default, the embedded worker."""
    import uvicorn

    from munseo.service.api import create_app

    if executor not in ("local", "celery"):
        err.print(f"[red]error:[/red] --executor must be local or celery, not {executor!r}")
        raise typer.Exit(ExitCode.USAGE)
    settings = Settings(**({"workers": workers} if workers else {}))
    if watch is not None and not watch.is_dir():
        err.print(f"[red]error:[/red] the inbox {watch} is not a folder")
        raise typer.Exit(ExitCode.USAGE)
    confine_temp_files(settings.data_dir)
    app = create_app(settings, executor=executor, watch=watch)  # type: ignore[arg-type]
    console.print(f"munseo on http://{host}:{port}/  (API docs: /docs, executor: {executor})")
    uvicorn.run(app, host=host, port=port, log_level="info")


def worker_command(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    queues: Annotated[
        str | None, typer.Option(help="Queues to consume, one per stage (ocr, classify …; default: every stage).")
    ] = None,
    hostname: Annotated[str | None, typer.Option(help="Celery node name (must be unique per machine).")] = None,
) -> None:
    """A Celery worker: OCR and classification for a `munseo serve --executor celery` elsewhere."""
    from munseo.service.celery_app import app
    from munseo.stages import stages

    settings = Settings()
    argv = [
        "worker",
        "--loglevel=INFO",
        f"--queues={queues or ','.join(s.name for s in stages(settings))}",
        "--pool=prefork",
        f"--concurrency={concurrency or settings.resolved_workers}",
        f"--hostname={hostname or f'munseo-{os.getpid()}@%h'}",
    ]
    app.worker_main(argv)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="viewer, reviewer or admin.")] = "viewer",
    name: Annotated[str, typer.Option(help="Who or what uses it.")] = "",
    expires_days: Annotated[
        float | None, typer.Option("--expires-days", min=0.001, help="Stop working after this many days.")
    ] = None,
) -> None:
    """Make an API token; it is printed once, alone on the last line."""
    from datetime import timedelta

    from munseo.service.auth import issue_token

    try:
        role_value = Role(role)
    except ValueError:
        err.print(f"[red]error:[/red] role must be viewer, reviewer or admin, not {role!r}")
        raise typer.Exit(ExitCode.USAGE) from None
    expires = timedelta(days=expires_days) if expires_days is not None else None
    token, record = issue_token(_store(Settings()), role_value, name, expires)
    until = f", expires {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else ""
    err.print(f"New {role_value.value} token {record.id} (shown once; keep it secret{until}):")
    print(token)


@token_app.command("ls")
def token_ls() -> None:
    """Every token: id, name, role, the first characters, last use, expiry, revocation."""
    table = Table(show_header=True)
    for column in ("id", "name", "role", "starts with", "created", "last used", "expires", "revoked"):
        table.add_column(column)

    def when(value: object) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else ""

    for t in _store(Settings()).tokens.all():
        revoked = f"{when(t.revoked_at)} by {t.revoked_by}" if t.revoked else ""
        table.add_row(
            str(t.id), t.name, t.role, t.prefix, when(t.created_at), when(t.last_used_at), when(t.expires_at), revoked
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id (munseo token ls).")]) -> None:
    """Revoke a token for good; running servers refuse it within 10 seconds."""
    from munseo.service.auth import revoke_token
    from munseo.store.tokens import TokenNotFound

    try:
        record = revoke_token(_store(Settings()), token_id)
    except TokenNotFound as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    console.print(f"revoked token {record.id} ({record.name}, {record.prefix}…)")


@models_app.command("add")
def models_add(
    folder: Annotated[Path, typer.Argument(help="A model folder written by munseo train.")],
    activate: Annotated[bool, typer.Option("--activate", help="Make it the active model.")] = False,
) -> None:
    """Register a trained model folder as a new version (copied into the data directory)."""
    from munseo.classify.registry import RegistryError, register_model

    settings = Settings()
    try:
        record = register_model(_store(settings), settings.data_dir, folder, activate=activate)
    except RegistryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    console.print(f"registered {record.version}" + (" (active)" if activate else ""))


@models_app.command("ls")
def models_ls() -> None:
    """Registered model versions."""
    from munseo.classify.registry import list_models

    table = Table(show_header=True)
    for column in ("version", "backend", "active", "registered", "dev metrics", "retrain"):
        table.add_column(column)
    for m in list_models(_store(Settings())):
        summary = ", ".join(
            f"{task} acc {v.get('accuracy', 0):.3f}"
            for task, v in (m.metrics.get("dev") or {}).items()
            if isinstance(v, dict)
        )
        retrain = m.metrics.get("retrain") or {}
        note = ("promoted: " if retrain.get("promoted") else "not promoted: ") + retrain["decision"] if retrain else ""
        table.add_row(
            m.version, m.backend, "●" if m.active else "", m.created_at.strftime("%Y-%m-%d %H:%M"), summary, note
        )
    console.print(table)


@models_app.command("activate")
def models_activate(version: Annotated[str, typer.Argument(help="A registered version (munseo models ls).")]) -> None:
    """Make a version the active model; running servers and workers switch within a second."""
    from munseo.classify.registry import RegistryError, activate_model
    from munseo.service.auth import CLI

    store = _store(Settings())
    try:
        activate_model(store, version)
    except RegistryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    store.audit.record(CLI, "activate", f"model:{version}")
    console.print(f"active: {version}")


@models_app.command("shadow")
def models_shadow(
    version: Annotated[str, typer.Argument(help="A registered version (munseo models ls).")],
    off: Annotated[bool, typer.Option("--off", help="Stop shadowing.")] = False,
) -> None:
    """Let a version classify new documents beside the active one, without touching their labels."""
    store = _store(Settings())
    if store.versions.set_shadow(version, not off) is None:
        err.print(f"[red]error:[/red] no model version {version}")
        raise typer.Exit(ExitCode.NOT_FOUND)
    console.print(f"{version}: {'no longer a shadow' if off else 'shadows the active version'}")


pool_app = typer.Typer(help="The training pool of munseo retrain.", no_args_is_help=True)


@pool_app.command("add")
def pool_add(
    source: Annotated[
        str, typer.Argument(help="Labelled data: a JSONL or CSV file, a synth folder or a folder tree DATA/<label>/.")
    ],
) -> None:
    """Add labelled data to the training pool (read at every retrain, beside the reviewed documents)."""
    from munseo.classify import ClassifyError
    from munseo.classify.data import read_source

    path = Path(source).resolve()
    try:
        examples = read_source(str(path))
    except ClassifyError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    _store(Settings()).learning.add_source(str(path), len(examples))
    console.print(f"added {path} ({len(examples)} examples) to the training pool")


@pool_app.command("ls")
def pool_ls() -> None:
    """What the training pool holds besides the reviewed documents."""
    table = Table(show_header=True)
    for column in ("source", "examples", "added"):
        table.add_column(column)
    for row in _store(Settings()).learning.sources():
        table.add_row(row.source, str(row.examples), row.added_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def retrain_command(
    backend: Annotated[
        str | None, typer.Option(help="linear or transformer (default: MUNSEO_RETRAIN_BACKEND).")
    ] = None,
) -> None:
    """Train a candidate on the training pool, compare it with the active version on the fixed
    evaluation set, and activate it only if it is better; prints both versions' figures."""
    from munseo.classify.backends import BACKENDS, UnknownBackend
    from munseo.classify.registry import ModelHolder
    from munseo.stages import Services, StageCall, stages, worker_name
    from munseo.store.learning import RETRAIN_STAGE
    from munseo.store.models import JobStatus

    settings = Settings()
    chosen = backend or settings.retrain_backend
    if chosen not in BACKENDS:
        raise typer.BadParameter(str(UnknownBackend(chosen)))
    store = _store(settings)
    worker = worker_name("retrain")
    made = store.learning.request_retrain("munseo retrain", chosen, worker=worker)  # taken at once: ours
    if made is None:
        err.print("[red]error:[/red] a retrain run is queued or running already (munseo retrains one at a time)")
        raise typer.Exit(ExitCode.CONFLICT)
    run_id, job_id = made
    services = Services(settings, store, ModelHolder(store))
    all_stages = stages(settings)
    stage = next(s for s in all_stages if s.name == RETRAIN_STAGE)
    call = StageCall(stage, services, [job_id], worker)
    try:
        with console.status("retraining …"):
            stage.run(call)
    except Exception as exc:  # run here, once: the job ends with the run, never left queued
        store.jobs.finish(job_id, JobStatus.FAILED, f"{type(exc).__name__}: {exc}")
        store.learning.finish(run_id, failed=True, decision=f"{type(exc).__name__}: {exc}")
        err.print(f"[red]error:[/red] the retrain failed: {exc}")
        raise typer.Exit(exit_code(exc)) from exc
    run = store.learning.get(run_id)
    assert run is not None
    _print_run(run.decision or "", run.report or {}, run.candidate, run.promoted)
    if run.status == "failed":
        raise typer.Exit(ExitCode.BAD_DATA)


def _print_run(decision: str, report: dict, candidate: str | None, promoted: bool | None) -> None:
    pool = report.get("pool", {})
    console.print(f"training pool: {pool.get('examples', 0)} examples from {pool.get('sources', {})}")
    for source, why in (pool.get("skipped") or {}).items():
        err.print(f"[yellow]left out[/yellow] {source}: {why}")
    fixed = report.get("fixed_set", {})
    table = Table(title=f"fixed evaluation set: {fixed.get('documents', 0)} documents", show_header=True)
    for column in ("task", "active acc", "active F1", "active ECE", "candidate acc", "candidate F1", "candidate ECE"):
        table.add_column(column, justify="left" if column == "task" else "right")
    active, new = report.get("active") or {}, report.get("candidate") or {}
    for task, figures in new.items():
        before = active.get(task, {})
        table.add_row(
            task,
            *(f"{before[k]:.3f}" if k in before else "–" for k in ("accuracy", "macro_f1", "ece")),
            *(f"{figures[k]:.3f}" for k in ("accuracy", "macro_f1", "ece")),
        )
    console.print(table)
    recent = report.get("recent")
    if recent:
        views = {who: recent.get(who) or {} for who in ("active", "candidate")}
        line = "; ".join(
            f"{task}: accuracy {views['active'].get(task, {}).get('accuracy', float('nan')):.3f} → "
            f"{figures['accuracy']:.3f}"
            for task, figures in views["candidate"].items()
        )
        console.print(f"the fixed set's newest {recent['documents']} documents: {line}")
    verdict = "[green]promoted[/green]" if promoted else "[yellow]not promoted[/yellow]"
    console.print(f"{candidate or 'no candidate'}: {verdict}: {decision}")
