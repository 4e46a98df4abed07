"""``munseo demo``: the product's main job on demo data, start to finish.

Generates documents with the synthetic generator, trains the default model on one set, registers
and activates it, starts ``munseo serve`` with the embedded worker, uploads the other set through
the API, waits for processing and prints the URL, an admin token and a one-line summary. A second
run reuses the documents, the model, the token and the database it finds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from munseo.errors import ExitCode

console = Console()
err = Console(stderr=True)


def _generate(folder: Path, count: int, seed: int, include_unknown: int) -> Path:
    from munseo.synth import MANIFEST, generate

    manifest = folder / MANIFEST
    if manifest.exists():
        err.print(f"reusing {count} documents in {folder}")
        return manifest
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(f"generating {folder.name}", total=count + include_unknown)
        generate(
            folder,
            count,
            seed=seed,
            scan_ratio=0.5,
            include_unknown=include_unknown,
            progress=lambda done: progress.update(task, completed=done),
        )
    return manifest


def _train(train_dir: Path, out: Path) -> Path:
    from munseo.classify import TrainOptions, load_dataset, load_schema, train

    if (out / "config.json").exists():
        err.print(f"reusing the model in {out}")
        return out
    err.print("training the default model (linear) …")
    schema = load_schema()
    train(load_dataset([str(train_dir)], schema), schema, out, TrainOptions())
    return out


def _admin_token(store_dir: Path) -> str:
    from munseo.service.auth import create_token, verify_token
    from munseo.store.repository import Store

    saved = store_dir / "admin-token"
    store = Store(f"sqlite:///{(store_dir / 'munseo.db').resolve()}")
    try:
        if saved.exists() and verify_token(store, saved.read_text().strip()):
            return saved.read_text().strip()
        token = create_token(store, "admin", name="demo admin")
        saved.write_text(token + "\n")
        saved.chmod(0o600)
        return token
    finally:
        store.close()


def _register(store_dir: Path, model: Path) -> str:
    from munseo.classify import Classifier
    from munseo.classify.registry import activate_model, list_models, register_model
    from munseo.store.repository import Store

    store = Store(f"sqlite:///{(store_dir / 'munseo.db').resolve()}")
    try:
        version = Classifier(model).version
        if version not in {m.version for m in list_models(store)}:
            register_model(store, store_dir, model)
        activate_model(store, version)
        return version
    finally:
        store.close()


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            err.print(f"[red]error:[/red] munseo serve stopped (exit code {server.returncode}); see its log")
            raise typer.Exit(ExitCode.INTERNAL)
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    err.print("[red]error:[/red] munseo serve did not start within a minute; see its log")
    raise typer.Exit(ExitCode.INTERNAL)


def demo_command(
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo keeps its documents, model and data.")] = Path(
        "demo-data"
    ),
    count: Annotated[int, typer.Option(help="Documents uploaded through the API.")] = 40,
    train_count: Annotated[int, typer.Option(help="Documents the model is trained on.")] = 400,
    port: Annotated[int, typer.Option(help="Port of the demo server.")] = 8000,
    keep_running: Annotated[
        bool, typer.Option(help="Keep the server running after the summary (Ctrl+C stops).")
    ] = True,
) -> None:
    """Generate demo documents, train and activate a model, serve, upload, and report."""
    folder = folder.resolve()
    store_dir = folder / "store"
    store_dir.mkdir(parents=True, exist_ok=True)
    _generate(folder / "train", train_count, seed=1, include_unknown=0)
    inbox = _generate(folder / "inbox", count, seed=2, include_unknown=2).parent
    version = _register(store_dir, _train(folder / "train", folder / "models" / "default"))
    token = _admin_token(store_dir)

    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MUNSEO_DATA_DIR": str(store_dir)}
    env.pop("MUNSEO_DATABASE_URL", None)
    log_path = folder / "serve.log"
    err.print(f"starting munseo serve on {url} (log: {log_path})")
    log = log_path.open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "munseo", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_ready(url, server)
        headers = {"Authorization": f"Bearer {token}"}
        files = sorted(p for p in inbox.iterdir() if p.suffix.lower() in {".pdf", ".png", ".jpg", ".tif", ".tiff"})
        started = time.perf_counter()
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            ids: list[int] = []
            for start in range(0, len(files), 10):
                batch = files[start : start + 10]
                handles = [p.open("rb") for p in batch]
                try:
                    response = client.post(
                        "/api/documents", files=[("files", (p.name, h)) for p, h in zip(batch, handles, strict=True)]
                    )
                finally:
                    for h in handles:
                        h.close()
                response.raise_for_status()
                ids += [d["document_id"] for d in response.json()["documents"] if d["document_id"]]
            columns = (TextColumn("[bold]processing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task("processing", total=len(ids))
                while True:
                    stats = client.get("/api/stats").json()
                    by_status = stats["documents"]["by_status"]
                    finished = by_status.get("processed", 0) + by_status.get("failed", 0)
                    progress.update(task, completed=min(finished, len(ids)))
                    if not stats["queue"]["queued"] and not stats["queue"]["running"] and finished >= len(set(ids)):
                        break
                    time.sleep(1)
        seconds = time.perf_counter() - started
        review = stats["review"]
        console.print(f"\nmunseo is running at [bold]{url}/[/bold] (API docs: {url}/docs)")
        console.print(f"admin token (also in {store_dir / 'admin-token'}):")
        console.print(token, markup=False, highlight=False)
        console.print(
            f"{by_status.get('processed', 0)} documents processed, {by_status.get('failed', 0)} failed, "
            f"{stats['pages']['total']} pages, {review['waiting']} waiting for review ({review['share']:.0%}), "
            f"model {version}, {seconds:.0f} s"
        )
        if keep_running:
            console.print("Press Ctrl+C to stop the server.")
            server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        log.close()
