"""``munseo synth``: the Typer command (registered by the application as ``app.command("synth")``)."""

from __future__ import annotations

import time
from collections import Counter
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from munseo.synth.generator import generate
from munseo.synth.manifest import ManifestRecord, read_manifest
from munseo.synth.vocab import DOC_TYPES, INSTITUTIONS


class DifficultyName(StrEnum):
    easy = "easy"
    realistic = "realistic"
    hard = "hard"


def synth_command(
    out_dir: Path = typer.Argument(..., help="Folder to write the documents and manifest.jsonl to."),
    count: int = typer.Option(100, "--count", "-n", min=0, help="Number of documents."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same output byte for byte."),
    scan_ratio: float = typer.Option(
        0.5, "--scan-ratio", min=0.0, max=1.0, help="Share of documents that are scans rather than born-digital PDFs."
    ),
    difficulty: DifficultyName = typer.Option(
        DifficultyName.realistic, "--difficulty", help="How weak the label cues are and how degraded scans are."
    ),
    include_unknown: int = typer.Option(
        0, "--include-unknown", min=0, help="Add this many inputs of no class (receipt, card, blank page, photo)."
    ),
    imbalance: float = typer.Option(
        10.0, "--imbalance", min=1.0, help="Ratio between the most and the least common class (1 = balanced)."
    ),
) -> None:
    """Generate synthetic National Assembly documents (scanned or born-digital) with ground truth."""
    console = Console()
    total = count + include_unknown
    start = time.perf_counter()
    columns = (TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("synth", total=total)
        manifest = generate(
            out_dir,
            count,
            seed=seed,
            scan_ratio=scan_ratio,
            difficulty=difficulty.value,
            include_unknown=include_unknown,
            imbalance=imbalance,
            progress=lambda done: progress.update(task, completed=done),
        )
    elapsed = time.perf_counter() - start
    records = read_manifest(manifest)
    console.print(_summary(records, manifest, elapsed))
    if count:
        console.print(_classes(records))


def _summary(records: list[ManifestRecord], manifest: Path, elapsed: float) -> Table:
    documents = [r for r in records if r.kind == "document"]
    formats = Counter(r.format for r in documents if not r.born_digital)
    table = Table(title="Synthetic set", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("documents", str(len(documents)))
    table.add_row("born-digital PDFs", str(sum(r.born_digital for r in documents)))
    table.add_row("scans", ", ".join(f"{n} {fmt}" for fmt, n in sorted(formats.items())) or "0")
    table.add_row(
        "unknown inputs",
        ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(r.kind for r in records if r.kind != "document").items()))
        or "0",
    )
    table.add_row("pages", str(sum(r.page_count for r in records)))
    table.add_row("time", f"{elapsed:.1f} s")
    table.add_row("manifest", str(manifest))
    return table


def _classes(records: list[ManifestRecord]) -> Table:
    documents = [r for r in records if r.kind == "document"]
    institutions = Counter(r.labels.institution for r in documents)
    doc_types = Counter(r.labels.doc_type for r in documents)
    table = Table(title="Documents per class")
    table.add_column("기관")
    table.add_column("n", justify="right")
    table.add_column("문서유형")
    table.add_column("n", justify="right")
    for index, institution in enumerate(INSTITUTIONS):
        doc_type = DOC_TYPES[index] if index < len(DOC_TYPES) else ""
        table.add_row(
            institution, str(institutions[institution]), doc_type, str(doc_types[doc_type]) if doc_type else ""
        )
    return table
