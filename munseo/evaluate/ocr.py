"""``munseo evaluate ocr PAGES``: how well munseo reads a folder of pages whose text is known.

The folder holds page images or PDFs and a ``gt.jsonl`` with one line per file:
``{"image": "p001.png", "text": "what the page says"}`` (other fields are kept as the page's
``meta``). A file with several pages is compared as its pages' texts joined by newlines.

Figures (see ``munseo.evaluate.metrics``): CER with whitespace ignored and with whitespace (spaces
collapsed), CER per character class from an edit alignment, word recall (reference words found
in the reading, as multisets), pages per minute of wall time, each page's seconds and confidence,
and the worst pages. Table cell separators (``" | "`` in the truth, tabs or ``|`` in a reading)
count as whitespace. Totals are over all characters (or words) of all pages, not means of pages.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from munseo.config import Settings
from munseo.errors import ExitCode
from munseo.evaluate.metrics import (
    CHAR_CLASSES,
    ClassErrors,
    cer,
    class_errors,
    comparable_text,
    word_matches,
)
from munseo.ingest import IngestError, SourceFile, inspect_file
from munseo.pipeline import PageProcessor, batch_jobs, limits_from

GT_FILE = "gt.jsonl"


class GroundTruthError(Exception):
    """A page folder that cannot be evaluated: which file, and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class GroundTruth:
    """One gt.jsonl line: the file to read, its known text, and the line's other fields."""

    path: Path
    text: str
    meta: dict[str, object] = field(default_factory=dict)


def load_ground_truth(folder: Path) -> list[GroundTruth]:
    """The pages of ``folder/gt.jsonl`` in file order. Raises ``GroundTruthError`` naming the
    folder, gt file or image that is missing or malformed."""
    if not folder.is_dir():
        raise GroundTruthError(folder, "no such folder")
    gt = folder / GT_FILE
    if not gt.is_file():
        raise GroundTruthError(gt, f"missing: the folder needs a {GT_FILE} with one {{image, text}} line per page")
    pages = []
    for number, line in enumerate(gt.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GroundTruthError(gt, f"line {number} is not JSON ({exc.msg})") from exc
        if not isinstance(entry, dict) or not isinstance(entry.get("image"), str) or "text" not in entry:
            raise GroundTruthError(gt, f'line {number} needs "image" and "text" fields')
        path = folder / entry["image"]
        if not path.is_file():
            raise GroundTruthError(path, f"named on line {number} of {GT_FILE} but not found")
        meta = {k: v for k, v in entry.items() if k not in ("image", "text")}
        pages.append(GroundTruth(path, str(entry["text"]), meta))
    if not pages:
        raise GroundTruthError(gt, "has no pages")
    return pages


@dataclass(frozen=True)
class Reading:
    """What an engine made of one file: its text, mean confidence (None if the engine gives none),
    seconds spent on it, and why it failed if it did."""

    text: str
    seconds: float
    confidence: float | None = None
    error: str | None = None


def read_with_munseo(
    paths: Sequence[Path], settings: Settings | None = None, workers: int | None = None
) -> tuple[list[Reading], float]:
    """Read files with munseo's pipeline (one OCR process per worker, files in parallel); the
    readings in the order given and the wall seconds of the whole run. A page's seconds are the
    pipeline's own timings of it; its text is the cleaned page text munseo stores."""
    settings = settings or Settings()
    started = time.perf_counter()
    sources: list[SourceFile] = []  # each file once
    owner: dict[Path, list[int]] = {}  # a file's places in ``paths``
    failed: dict[int, str] = {}
    for number, path in enumerate(paths):
        try:
            source = inspect_file(path, limits_from(settings), settings.dpi)
        except IngestError as exc:
            failed[number] = exc.reason
            continue
        owner.setdefault(source.path, []).append(number)
        if len(owner[source.path]) == 1:
            sources.append(source)
    texts: dict[int, dict[int, str]] = {n: {} for n in range(len(paths))}
    seconds = [0.0] * len(paths)
    confidences: dict[int, list[float]] = {n: [] for n in range(len(paths))}
    pages = sum(source.page_count for source in sources)
    with PageProcessor(settings, workers=min(workers or settings.resolved_workers, max(1, pages))) as processor:
        for outcome in processor.run(batch_jobs(sources, settings, None)):
            for number in owner[outcome.job.source.path]:
                if outcome.error or outcome.result is None:
                    failed.setdefault(number, outcome.error or "unknown error")
                    continue
                texts[number][outcome.job.index] = outcome.clean_text
                seconds[number] += sum(outcome.result.timings_ms.values()) / 1000
                confidences[number].append(outcome.result.mean_confidence)
    wall = time.perf_counter() - started
    readings = []
    for number in range(len(paths)):
        text = "\n".join(texts[number][i] for i in sorted(texts[number]))
        conf = statistics.fmean(confidences[number]) if confidences[number] else None
        readings.append(Reading(text, seconds[number], conf, failed.get(number)))
    return readings, wall


@dataclass(frozen=True)
class PageScore:
    """One page's figures."""

    image: str
    cer: float
    cer_with_spaces: float
    word_recall: float
    seconds: float
    confidence: float | None
    reference_chars: int
    meta: dict[str, object]
    error: str | None = None


@dataclass
class OcrEvaluation:
    """Figures over a page set; rates are over all characters (or words) of all pages."""

    engine: str
    pages: list[PageScore]
    cer: float
    cer_with_spaces: float
    class_cer: dict[str, float | None]
    class_chars: dict[str, int]
    word_recall: float
    wall_seconds: float
    pages_per_minute: float
    median_page_seconds: float
    max_page_seconds: float
    worst: list[PageScore]
    failed: int

    def to_dict(self) -> dict[str, object]:
        def page(p: PageScore) -> dict[str, object]:
            return {
                "image": p.image,
                "cer": p.cer,
                "cer_with_spaces": p.cer_with_spaces,
                "word_recall": p.word_recall,
                "seconds": p.seconds,
                "confidence": p.confidence,
                "reference_chars": p.reference_chars,
                "error": p.error,
                **p.meta,
            }

        return {
            "engine": self.engine,
            "page_count": len(self.pages),
            "failed": self.failed,
            "cer": self.cer,
            "cer_with_spaces": self.cer_with_spaces,
            "class_cer": self.class_cer,
            "class_chars": self.class_chars,
            "word_recall": self.word_recall,
            "wall_seconds": self.wall_seconds,
            "pages_per_minute": self.pages_per_minute,
            "median_page_seconds": self.median_page_seconds,
            "max_page_seconds": self.max_page_seconds,
            "worst": [page(p) for p in self.worst],
            "pages": [page(p) for p in self.pages],
        }


def _no_spaces(text: str) -> int:
    return len("".join(comparable_text(text).split()))


def score(
    truths: Sequence[GroundTruth],
    readings: Sequence[Reading],
    wall_seconds: float,
    engine: str = "munseo",
    worst: int = 5,
) -> OcrEvaluation:
    """Compare readings with their truths (same order); ``wall_seconds`` is the whole run's time."""
    if len(truths) != len(readings):
        raise ValueError("one reading per ground-truth page is needed")
    pages: list[PageScore] = []
    classes = ClassErrors()
    edits = edits_spaced = chars = chars_spaced = found = words = 0.0
    for truth, reading in zip(truths, readings, strict=True):
        ref, hyp = comparable_text(truth.text), comparable_text(reading.text)
        page_cer = cer(ref, hyp)
        page_cer_spaced = cer(ref, hyp, ignore_whitespace=False)
        n, n_spaced = _no_spaces(ref), len(" ".join(ref.split()))
        edits += page_cer * n
        edits_spaced += page_cer_spaced * n_spaced
        chars, chars_spaced = chars + n, chars_spaced + n_spaced
        classes = classes + class_errors(ref, hyp)
        page_found, page_words = word_matches(ref, hyp)
        found, words = found + page_found, words + page_words
        pages.append(
            PageScore(
                image=truth.path.name,
                cer=page_cer,
                cer_with_spaces=page_cer_spaced,
                word_recall=page_found / page_words if page_words else 1.0,
                seconds=reading.seconds,
                confidence=reading.confidence,
                reference_chars=n,
                meta=truth.meta,
                error=reading.error,
            )
        )
    times = [p.seconds for p in pages] or [0.0]
    return OcrEvaluation(
        engine=engine,
        pages=pages,
        cer=edits / chars if chars else 0.0,
        cer_with_spaces=edits_spaced / chars_spaced if chars_spaced else 0.0,
        class_cer={cls: classes.rate(cls) for cls in CHAR_CLASSES},
        class_chars={cls: classes.reference[cls] for cls in CHAR_CLASSES},
        word_recall=found / words if words else 1.0,
        wall_seconds=wall_seconds,
        pages_per_minute=len(pages) * 60 / wall_seconds if wall_seconds > 0 else 0.0,
        median_page_seconds=statistics.median(times),
        max_page_seconds=max(times),
        worst=sorted(pages, key=lambda p: p.cer, reverse=True)[:worst],
        failed=sum(1 for p in pages if p.error),
    )


def evaluate_ocr(
    folder: Path, settings: Settings | None = None, worst: int = 5, workers: int | None = None
) -> OcrEvaluation:
    """Read every page of a gt.jsonl folder with munseo and score it. Raises ``GroundTruthError``."""
    truths = load_ground_truth(folder)
    settings = settings or Settings()
    readings, wall = read_with_munseo([t.path for t in truths], settings, workers)
    return score(truths, readings, wall, engine=f"munseo ({settings.languages})", worst=worst)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def print_evaluation(evaluation: OcrEvaluation, console: Console | None = None) -> None:
    """The figures as Rich tables: totals, CER per character class, and the worst pages."""
    console = console or Console()
    totals = Table(title=f"OCR on {len(evaluation.pages)} pages: {evaluation.engine}")
    totals.add_column("figure")
    totals.add_column("value", justify="right")
    rows = [
        ("CER (whitespace ignored)", _percent(evaluation.cer)),
        ("CER (with whitespace)", _percent(evaluation.cer_with_spaces)),
        ("word recall", _percent(evaluation.word_recall)),
        ("pages/min", f"{evaluation.pages_per_minute:.1f}"),
        (
            "seconds per page (median / max)",
            f"{evaluation.median_page_seconds:.2f} / {evaluation.max_page_seconds:.2f}",
        ),
        ("pages that failed", str(evaluation.failed)),
    ]
    for name, value in rows:
        totals.add_row(name, value)
    console.print(totals)
    classes = Table(title="CER per character class")
    for column in ("class", "reference chars", "CER"):
        classes.add_column(column, justify="right" if column != "class" else "left")
    for cls in CHAR_CLASSES:
        classes.add_row(cls, str(evaluation.class_chars[cls]), _percent(evaluation.class_cer[cls]))
    console.print(classes)
    worst = Table(title=f"Worst {len(evaluation.worst)} pages")
    for column in ("page", "CER", "word recall", "confidence", "seconds", "error"):
        worst.add_column(column)
    for page in evaluation.worst:
        conf = "-" if page.confidence is None else f"{page.confidence:.2f}"
        worst.add_row(
            page.image, _percent(page.cer), _percent(page.word_recall), conf, f"{page.seconds:.2f}", page.error or ""
        )
    console.print(worst)


def ocr_evaluate_command(
    pages: Annotated[Path, typer.Argument(help="A folder of page images or PDFs with a gt.jsonl.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    worst: Annotated[int, typer.Option(help="How many of the worst pages to list.")] = 5,
) -> None:
    """Read a folder of pages of known text with munseo's default OCR and print CER (whitespace
    ignored and with it), CER per character class, word recall, pages/min and the worst pages.
    gt.jsonl has one {"image": "p001.png", "text": "..."} line per page."""
    try:
        evaluation = evaluate_ocr(pages, Settings(), worst=worst)
    except GroundTruthError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(ExitCode.USAGE) from exc
    if as_json:
        sys.stdout.write(json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    print_evaluation(evaluation)
