"""OCR on real text: munseo's default against plain Tesseract, side by side, on the same pages.

Pages are drawn by ``munseo.evaluate.realpages`` from the **dev** split of ``../shared/corpora``
(bill proposals, statutes) and from Debian's licence texts (English pages), in every Korean font
Debian ships (tuning and held-out fonts reported apart), at 150, 200 and 300 DPI, clean and
degraded, in the plain, two-column, bill (신·구조문대비표), table and landscape layouts, plus English
price-list tables and multi-column pages, and two pages fed into the scanner turned. A second set
of plain pages is drawn from the dev paragraphs that carry Hanja (held-out fonts, 300 DPI clean and
degraded, 200 DPI clean), read by munseo with and without its Hanja reading and with every page
read by Hangul+HanT.

Configurations, each over the same pages, two processes at a time (2 cores), one thread each:

- munseo: the default pipeline, through the same function as ``munseo evaluate ocr``;
- munseo kor+eng (previous default): ``Settings(languages="kor+eng")``, where that differs from
  the default;
- ``tesseract IMG - --psm 6 -l kor+eng`` on every page, ``--psm 3 -l eng`` on the English pages
  (Debian's CLI, ``OMP_THREAD_LIMIT=1``).

The pages are read in chunks, every configuration taking each chunk in turn, so that a change in
the shared machine's load falls on all of them alike.

Run: ``.venv/bin/python benchmarks/bench_ocr_real.py`` (85 pages, ≈ 20 min on 2 idle cores; ``--quick`` 37 pages;
``--per-cell N`` pages per layout, DPI and condition). Needs ``../shared/corpora``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.config import Settings
from munseo.evaluate.metrics import table_rows_kept
from munseo.evaluate.ocr import (
    GroundTruth,
    OcrEvaluation,
    Reading,
    load_ground_truth,
    read_with_munseo,
    score,
)
from munseo.evaluate.realpages import (
    ENGLISH_FONTS,
    ENGLISH_LAYOUTS,
    TABLE_LAYOUTS,
    CorporaMissing,
    Font,
    hanja_paragraphs,
    korean_fonts,
    load_real_text,
    render_real_page,
    write_page_set,
)

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
CELLS = ((300, "clean"), (300, "degraded"), (200, "clean"), (200, "degraded"), (150, "clean"), (150, "degraded"))
PROCESSES = 2
CHUNK = 24
MUNSEO = "munseo"
PREVIOUS = "munseo kor+eng (previous default)"
PSM6 = "tesseract psm 6 kor+eng"
PSM3 = "tesseract psm 3 eng"
NO_HANJA = "munseo without its Hanja reading"
WHOLE_HANT = "munseo, every page Hangul+HanT"
SHORT = {MUNSEO: "munseo", PREVIOUS: "previous", PSM6: "psm 6", PSM3: "psm 3"}
HANJA_CELLS = ((300, "clean"), (300, "degraded"), (200, "clean"))
# (font group, DPI, condition) → the Korean CER target (whitespace ignored)
KOREAN_TARGETS = {
    ("held-out", 300, "clean"): 0.010,
    ("held-out", 300, "degraded"): 0.025,
    ("held-out", 200, "clean"): 0.020,
}
HANGUL_TARGET = 0.005
SPEED_TARGET = 1.3
SLOWEST_TARGET = 3.0
ENGLISH_PAGE_FLOOR = 0.9
console = Console()
TableSpec = tuple[str, list[str], list[list[str]]]  # title, headers, rows


@dataclass(frozen=True)
class PagePlan:
    layout: str
    font: Font
    dpi: int
    degradation: str
    turn: int = 0


def plan_pages(per_cell: int) -> list[PagePlan]:
    """Korean layouts × DPI × condition, ``per_cell`` pages each, in held-out and tuning fonts;
    landscape and English pages at fewer cells; two plain pages turned 90° and 180°."""
    fonts = korean_fonts()
    held = [f for f in fonts if f.group == "held-out"]
    tuning = [f for f in fonts if f.group == "tuning"]
    drawn = {"held-out": 0, "tuning": 0, "all": 0}

    def next_font() -> Font:
        """Two pages in a held-out font for one in a tuning font: the report is on held-out fonts."""
        group, pool = ("tuning", tuning) if drawn["all"] % 3 == 2 else ("held-out", held)
        drawn["all"] += 1
        drawn[group] += 1
        return pool[(drawn[group] - 1) % len(pool)]

    plans = [
        PagePlan(layout, next_font(), dpi, condition)
        for layout in ("plain", "two-column", "bill", "table")
        for dpi, condition in CELLS
        for _ in range(per_cell)
    ]
    few = max(1, per_cell // 2)
    plans += [PagePlan("landscape", next_font(), dpi, condition) for dpi, condition in CELLS[:3] for _ in range(few)]
    english = [
        (layout, dpi, condition)
        for layout in ENGLISH_LAYOUTS
        for dpi, condition in ((300, "clean"), (300, "degraded"), (200, "clean"), (150, "clean"))
        for _ in range(few)
    ]
    plans += [
        PagePlan(layout, ENGLISH_FONTS[n % len(ENGLISH_FONTS)], dpi, condition)
        for n, (layout, dpi, condition) in enumerate(english)
    ]
    plans += [PagePlan("plain", held[n % len(held)], 300, "clean", turn) for n, turn in enumerate((90, 180))]
    return plans


def render_set(folder: Path, per_cell: int, seed: int) -> list[GroundTruth]:
    text = load_real_text(CORPORA, "dev", seed=seed, documents=400)
    plans = plan_pages(per_cell)
    started = time.perf_counter()
    pages = (
        render_real_page(text, p.font, p.dpi, p.layout, p.degradation, seed=seed * 1000 + n, turn=p.turn)
        for n, p in enumerate(plans)
    )
    write_page_set(pages, folder)
    console.print(f"rendered {len(plans)} pages in {time.perf_counter() - started:.0f} s → {folder}")
    return load_ground_truth(folder)


def render_hanja_set(folder: Path, per_cell: int, seed: int) -> list[GroundTruth]:
    """Plain pages of dev paragraphs that carry Hanja, in every held-out font, at ``HANJA_CELLS``."""
    text = hanja_paragraphs(load_real_text(CORPORA, "dev", seed=seed, documents=400))
    held = [f for f in korean_fonts() if f.group == "held-out"]
    plans = [(font, dpi, condition) for dpi, condition in HANJA_CELLS for font in held][: per_cell * len(held)]
    pages = (
        render_real_page(text, font, dpi, "plain", condition, seed=seed * 1000 + 500 + n)
        for n, (font, dpi, condition) in enumerate(plans)
    )
    write_page_set(pages, folder)
    return load_ground_truth(folder)


def hanja_table(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> TableSpec:
    headers = ["configuration", "pages", "CER", "Hangul CER", "Hanja CER", "pages/min"]
    rows = []
    for run in runs:
        figures = run.evaluation(truths)
        rows.append(
            [
                run.label,
                str(len(figures.pages)),
                pct(figures.cer),
                pct(figures.class_cer.get("hangul")),
                pct(figures.class_cer.get("hanja")),
                f"{figures.pages_per_minute:.1f}",
            ]
        )
    chars = runs[0].evaluation(truths).class_chars
    title = (
        f"Pages carrying Hanja (held-out fonts; {chars.get('hanja', 0)} Hanja among {sum(chars.values())} characters)"
    )
    return title, headers, rows


def read_with_tesseract(paths: Sequence[Path], args: Sequence[str]) -> tuple[list[Reading], float]:
    """Debian's ``tesseract`` CLI, ``PROCESSES`` at a time, one OpenMP thread each."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> Reading:
        start = time.perf_counter()
        proc = subprocess.run(["tesseract", str(path), "-", *args], capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        error = None if proc.returncode == 0 else proc.stderr.strip()[-300:] or f"exit {proc.returncode}"
        return Reading(proc.stdout, seconds, None, error)

    started = time.perf_counter()
    with ThreadPoolExecutor(PROCESSES) as pool:
        readings = list(pool.map(one, paths))
    return readings, time.perf_counter() - started


Reader = Callable[[Sequence[Path]], tuple[list[Reading], float]]


@dataclass
class Run:
    """One configuration's readings of the pages it applies to (indices into the page set)."""

    label: str
    reader: Reader
    applies: Callable[[GroundTruth], bool]
    readings: dict[int, Reading] = field(default_factory=dict)
    wall: float = 0.0

    def evaluation(
        self, truths: Sequence[GroundTruth], keep: Callable[[GroundTruth], bool] = lambda _: True
    ) -> OcrEvaluation:
        chosen = [i for i in sorted(self.readings) if keep(truths[i])]
        share = len(chosen) / len(self.readings) if self.readings else 0.0
        return score(
            [truths[i] for i in chosen], [self.readings[i] for i in chosen], self.wall * share, self.label, worst=5
        )


def run_side_by_side(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> None:
    for start in range(0, len(truths), CHUNK):
        chunk = range(start, min(len(truths), start + CHUNK))
        turn = start // CHUNK
        for run in [*runs[turn % len(runs) :], *runs[: turn % len(runs)]]:
            indices = [i for i in chunk if run.applies(truths[i])]
            if not indices:
                continue
            readings, wall = run.reader([truths[i].path for i in indices])
            run.readings.update(zip(indices, readings, strict=True))
            run.wall += wall
        console.print(f"read pages {chunk.start + 1}–{chunk.stop} of {len(truths)}")


def is_english(truth: GroundTruth) -> bool:
    return truth.meta.get("language") == "en"


def is_korean(truth: GroundTruth) -> bool:
    return not is_english(truth)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def layout_label(truth: GroundTruth) -> str:
    turn = truth.meta.get("turn", 0)
    return f"{truth.meta['layout']} (turned {turn}°)" if turn else str(truth.meta["layout"])


def korean_cell(group: str, dpi: int, condition: str) -> Callable[[GroundTruth], bool]:
    """Korean pages of one font group, DPI and condition; pages fed in turned are reported apart."""

    def keep(t: GroundTruth) -> bool:
        cell = (t.meta["font_group"], t.meta["dpi"], t.meta["degradation"])
        return is_korean(t) and not t.meta.get("turn") and cell == (group, dpi, condition)

    return keep


def korean_tables(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> list[TableSpec]:
    korean = [r for r in runs if r.label != PSM3]
    cer_rows, hangul_rows = [], []
    for group in ("held-out", "tuning"):
        for dpi, condition in CELLS:
            evaluations = [r.evaluation(truths, korean_cell(group, dpi, condition)) for r in korean]
            if not evaluations[0].pages:
                continue
            cells = [group, str(dpi), condition, str(len(evaluations[0].pages))]
            cer_rows.append([*cells, *(pct(e.cer) for e in evaluations)])
            hangul_rows.append([*cells, *(pct(e.class_cer["hangul"]) for e in evaluations)])
    headers = ["fonts", "DPI", "condition", "pages", *(r.label for r in korean)]
    return [
        ("Korean CER (whitespace ignored) by font group, DPI and condition", headers, cer_rows),
        ("Hangul-syllable CER by font group, DPI and condition", headers, hangul_rows),
    ]


def pages_keeping_rows(run: Run, truths: Sequence[GroundTruth], keep: Callable[[GroundTruth], bool]) -> tuple[int, int]:
    """(table pages on which every ground-truth row's first cell was found, table pages)."""
    pages = [i for i in run.readings if keep(truths[i]) and truths[i].meta["layout"] in TABLE_LAYOUTS]
    whole = 0
    for i in pages:
        found, total = table_rows_kept(truths[i].text, run.readings[i].text)
        whole += found == total
    return whole, len(pages)


def layout_table(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> TableSpec:
    labels = sorted({layout_label(t) for t in truths}, key=lambda s: (s.startswith("en-"), s))
    rows = []
    for label in labels:

        def keep(t: GroundTruth, label: str = label) -> bool:
            return layout_label(t) == label

        evaluations = [run.evaluation(truths, keep) for run in runs]
        kept = [pages_keeping_rows(run, truths, keep) for run in runs]
        rows.append(
            [
                label,
                str(len(evaluations[0].pages)),
                *(pct(e.cer) if e.pages else "-" for e in evaluations),
                " / ".join(f"{whole}/{n}" if n else "-" for whole, n in kept),
            ]
        )
    kept_header = "table pages keeping every row (" + " / ".join(SHORT[r.label] for r in runs) + ")"
    return "CER (whitespace ignored) per layout", ["layout", "pages", *(r.label for r in runs), kept_header], rows


@dataclass(frozen=True)
class EnglishFigures:
    layout: str
    pages: int
    recall: dict[str, float]
    lowest_ratio: float  # the lowest page's munseo recall over psm 3's


def english_figures(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> list[EnglishFigures]:
    by_label = {r.label: r for r in runs}
    figures = []
    for layout in ENGLISH_LAYOUTS:

        def keep(t: GroundTruth, layout: str = layout) -> bool:
            return t.meta["layout"] == layout

        evaluations = {label: by_label[label].evaluation(truths, keep) for label in (MUNSEO, PSM3, PSM6)}
        if not evaluations[MUNSEO].pages:
            continue
        ratios = [
            m.word_recall / p.word_recall if p.word_recall else 1.0
            for m, p in zip(evaluations[MUNSEO].pages, evaluations[PSM3].pages, strict=True)
        ]
        recall = {label: e.word_recall for label, e in evaluations.items()}
        figures.append(EnglishFigures(layout, len(ratios), recall, min(ratios)))
    return figures


def english_table(figures: Sequence[EnglishFigures]) -> TableSpec:
    rows = [
        [f.layout, str(f.pages), *(pct(f.recall[label]) for label in (MUNSEO, PSM3, PSM6)), f"{f.lowest_ratio:.2f}"]
        for f in figures
    ]
    headers = ["layout", "pages", *(f"{label} word recall" for label in (MUNSEO, PSM3, PSM6))]
    return "English word recall per layout", [*headers, "lowest page munseo/psm 3"], rows


@dataclass(frozen=True)
class SpeedFigures:
    label: str
    pages: int
    wall: float
    pages_per_minute: float
    ratio: float | None  # pages/min over the previous default's, on the same pages
    median: float
    slowest: float


def speed_figures(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> list[SpeedFigures]:
    """Pages/min of each configuration over the pages it read (psm 3: the English pages only)."""
    baseline = next((r for r in runs if r.label == PREVIOUS), runs[0])
    base_rate = baseline.evaluation(truths).pages_per_minute
    figures = []
    for run in runs:
        evaluation = run.evaluation(truths)
        same_pages = run.readings.keys() == baseline.readings.keys()
        figures.append(
            SpeedFigures(
                run.label,
                len(evaluation.pages),
                run.wall,
                evaluation.pages_per_minute,
                evaluation.pages_per_minute / base_rate if same_pages and base_rate else None,
                evaluation.median_page_seconds,
                evaluation.max_page_seconds,
            )
        )
    return figures


def speed_table(figures: Sequence[SpeedFigures]) -> TableSpec:
    rows = [
        [
            f.label,
            str(f.pages),
            f"{f.wall:.0f}",
            f"{f.pages_per_minute:.1f}",
            f"{f.ratio:.2f}×" if f.ratio is not None else "- (other pages)",
            f"{f.median:.2f}",
            f"{f.slowest:.2f}",
            f"{f.slowest / f.median:.1f}" if f.median else "-",
        ]
        for f in figures
    ]
    headers = ["configuration", "pages", "wall s", "pages/min", "vs previous default", "median s/page", "max s/page"]
    return f"Speed ({PROCESSES} processes, one thread each)", [*headers, "max/median"], rows


def targets_table(
    truths: Sequence[GroundTruth], runs: Sequence[Run], english: Sequence[EnglishFigures], speed: Sequence[SpeedFigures]
) -> TableSpec:
    """Each of the issue's targets, munseo's figure and whether it is met."""
    mine = runs[0]
    rows = []
    for (group, dpi, condition), target in KOREAN_TARGETS.items():
        evaluation = mine.evaluation(truths, korean_cell(group, dpi, condition))
        if evaluation.pages:
            name = f"Korean CER, {group} fonts, {dpi} DPI, {condition}"
            rows.append([name, f"≤ {pct(target)}", pct(evaluation.cer), verdict(evaluation.cer <= target)])
    hangul = mine.evaluation(truths, korean_cell("held-out", 300, "clean")).class_cer["hangul"]
    if hangul is not None:
        name = "Hangul-syllable CER, held-out fonts, 300 DPI, clean"
        rows.append([name, f"≤ {pct(HANGUL_TARGET)}", pct(hangul), verdict(hangul <= HANGUL_TARGET)])
    for f in english:
        ok = f.recall[MUNSEO] >= f.recall[PSM3]
        rows.append(
            [
                f"English word recall, {f.layout}",
                "≥ psm 3",
                f"{pct(f.recall[MUNSEO])} vs {pct(f.recall[PSM3])}",
                verdict(ok),
            ]
        )
        floor = f"each page ≥ {ENGLISH_PAGE_FLOOR:.0%} of psm 3"
        rows.append(
            [
                f"English word recall, {f.layout}",
                floor,
                f"lowest {f.lowest_ratio:.2f}",
                verdict(f.lowest_ratio >= ENGLISH_PAGE_FLOOR),
            ]
        )
    whole, tables = pages_keeping_rows(mine, truths, lambda _: True)
    if tables:
        rows.append(["table pages keeping every row", "all", f"{whole}/{tables}", verdict(whole == tables)])
    mine_speed = speed[0]
    if mine_speed.ratio is not None and any(r.label == PREVIOUS for r in runs):
        ok = mine_speed.ratio >= SPEED_TARGET
        rows.append(["pages/min vs previous default", f"≥ {SPEED_TARGET}×", f"{mine_speed.ratio:.2f}×", verdict(ok)])
    slow = mine_speed.slowest / mine_speed.median if mine_speed.median else 0.0
    rows.append(
        ["slowest page / median page", f"≤ {SLOWEST_TARGET:.0f}×", f"{slow:.1f}×", verdict(slow <= SLOWEST_TARGET)]
    )
    return "Targets (munseo's default)", ["target", "goal", "measured", "verdict"], rows


def confidence_table(truths: Sequence[GroundTruth], run: Run) -> TableSpec:
    rows = []
    for name, keep in (("all pages", lambda _: True), ("Korean pages", is_korean), ("English pages", is_english)):
        evaluation = run.evaluation(truths, keep)
        pairs = [(p.confidence, p.cer) for p in evaluation.pages if p.confidence is not None]
        if len(pairs) < 3:
            continue
        conf, errors = np.array(pairs).T
        r = float(np.corrcoef(conf, errors)[0, 1]) if conf.std() and errors.std() else float("nan")
        bad = [c for c, e in pairs if e > 0.10]
        rows.append(
            [
                name,
                str(len(pairs)),
                f"{r:+.2f}",
                f"{statistics.fmean(conf):.2f}",
                f"{len(bad)}",
                f"{statistics.fmean(bad):.2f}" if bad else "-",
            ]
        )
    headers = ["pages", "n", "Pearson r (confidence, CER)", "mean confidence", "pages CER > 10%", "their confidence"]
    return f"{MUNSEO}: page confidence against page CER", headers, rows


def class_table(truths: Sequence[GroundTruth], runs: Sequence[Run]) -> TableSpec:
    korean = [r for r in runs if r.label != PSM3]
    evaluations = [r.evaluation(truths, is_korean) for r in korean]
    rows = [
        [cls, str(evaluations[0].class_chars[cls]), *(pct(e.class_cer[cls]) for e in evaluations)]
        for cls in evaluations[0].class_cer
    ]
    return "CER per character class, Korean pages", ["class", "reference chars", *(r.label for r in korean)], rows


def worst_table(truths: Sequence[GroundTruth], run: Run) -> TableSpec:
    evaluation = run.evaluation(truths)
    rows = [
        [
            p.image,
            layout_label(truths[[t.path.name for t in truths].index(p.image)]),
            str(p.meta["font"]),
            str(p.meta["dpi"]),
            str(p.meta["degradation"]),
            pct(p.cer),
            f"{p.confidence:.2f}" if p.confidence is not None else "-",
        ]
        for p in evaluation.worst
    ]
    return f"{MUNSEO}: worst pages", ["page", "layout", "font", "DPI", "condition", "CER", "confidence"], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=3, help="pages per Korean layout, DPI and condition (3)")
    parser.add_argument("--quick", action="store_true", help="one page per cell (≈ 37 pages)")
    parser.add_argument("--seed", type=int, default=11, help="which dev documents and pages are drawn")
    parser.add_argument("--keep", type=Path, help="render the pages into this folder and keep them")
    parser.add_argument("--no-write", action="store_true", help="print the tables but leave BENCHMARKS.md alone")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA}: the real-text corpora are missing; this benchmark draws its pages from them")
    per_cell = 1 if args.quick else args.per_cell
    with tempfile.TemporaryDirectory(prefix="munseo-ocr-real-") as scratch:
        folder = args.keep or Path(scratch) / "pages"
        try:
            truths = render_set(folder, per_cell, args.seed)
        except CorporaMissing as exc:
            sys.exit(str(exc))
        default = Settings()
        runs = [Run(MUNSEO, lambda paths: read_with_munseo(paths, Settings(), PROCESSES), lambda _: True)]
        if "languages" in Settings.model_fields and default.languages != "kor+eng":
            previous = Settings(languages="kor+eng")
            runs.append(Run(PREVIOUS, lambda paths: read_with_munseo(paths, previous, PROCESSES), lambda _: True))
        runs.append(
            Run(PSM6, lambda paths: read_with_tesseract(paths, ["--psm", "6", "-l", "kor+eng"]), lambda _: True)
        )
        runs.append(Run(PSM3, lambda paths: read_with_tesseract(paths, ["--psm", "3", "-l", "eng"]), is_english))
        run_side_by_side(truths, runs)
        hanja_truths = render_hanja_set(Path(str(folder) + "-hanja"), 1 if args.quick else 3, args.seed)
        without, whole = Settings(hanja_languages=""), Settings(languages="Hangul+HanT")
        hanja_runs = [
            Run(MUNSEO, lambda paths: read_with_munseo(paths, Settings(), PROCESSES), lambda _: True),
            Run(NO_HANJA, lambda paths: read_with_munseo(paths, without, PROCESSES), lambda _: True),
            Run(WHOLE_HANT, lambda paths: read_with_munseo(paths, whole, PROCESSES), lambda _: True),
            Run(PSM6, lambda paths: read_with_tesseract(paths, ["--psm", "6", "-l", "kor+eng"]), lambda _: True),
        ]
        run_side_by_side(hanja_truths, hanja_runs)
    by_label = {r.label: r for r in runs}
    english = english_figures(truths, runs)
    speed = speed_figures(truths, runs)
    tables = [
        targets_table(truths, runs, english, speed),
        *korean_tables(truths, runs),
        layout_table(truths, runs),
        english_table(english),
        speed_table(speed),
        confidence_table(truths, by_label[MUNSEO]),
        class_table(truths, runs),
        worst_table(truths, by_label[MUNSEO]),
        hanja_table(hanja_truths, hanja_runs),
    ]
    for title, headers, rows in tables:
        print_table(title, headers, rows)
    if args.no_write:
        return
    fonts = korean_fonts()
    intro = (
        f"{len(truths)} A4 pages of real text from the corpora's dev split (bills, statutes) and Debian's licence "
        f"texts, drawn by `munseo.evaluate.realpages`; munseo's default is `Settings()` "
        f"(languages `{default.languages}`). Held-out fonts (never used for tuning): "
        f"{', '.join(f.name for f in fonts if f.group == 'held-out')}; tuning fonts: "
        f"{', '.join(f.name for f in fonts if f.group == 'tuning')}. CER is edit distance over reference "
        "characters, whitespace ignored, table cell separators counted as whitespace, filler runs of "
        "신·구조문대비표 absent from the truth. Targets are the issue's, judged on munseo's figures."
    )
    if PREVIOUS not in by_label:
        intro += f" The default is still kor+eng, so no separate '{PREVIOUS}' run."
    body = intro + "\n\n" + "\n\n".join(f"### {t}\n\n{markdown_table(h, r)}" for t, h, r in tables)
    write_section("OCR on real text", body, command_line())


if __name__ == "__main__":
    main()
