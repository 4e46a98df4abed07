"""Planning and producing a synthetic set: labels, scan or born-digital, files and manifest.

Every input is generated from its own random streams, seeded from (seed, index), so the output is
the same byte for byte whatever the number of worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from munseo.processes import exit_with_parent
from munseo.synth.content import BUILDERS, Context
from munseo.synth.degrade import pixel_box, pixel_size, rasterize, sample_effects, scan, transform_box
from munseo.synth.difficulty import Difficulty, difficulty
from munseo.synth.graphics import pen_marks
from munseo.synth.layout import Page, Stamp, layout
from munseo.synth.manifest import Labels, LineTruth, ManifestRecord, PageTruth
from munseo.synth.output import EXTENSIONS, encode_scan
from munseo.synth.render_pdf import pdf_bytes
from munseo.synth.unknown import PHOTO_DPI, UNKNOWN_KINDS, unknown_page
from munseo.synth.vocab import UNKNOWN

MANIFEST = "manifest.jsonl"
BORN_DIGITAL_DPI = 150
SCAN_DPIS = (150, 200, 200, 200, 240, 300, 300)

# Real volumes, most to least common: the first label of each tuple gets ``imbalance`` times the
# share of the last, with geometric steps in between.
INSTITUTION_ORDER = (
    "행정안전위원회",
    "보건복지위원회",
    "국토교통위원회",
    "기획재정위원회",
    "정무위원회",
    "교육위원회",
    "법제사법위원회",
    "의사국",
)
DOC_TYPE_ORDER = ("의안원문", "검토보고서", "심사보고서", "회의록", "공문", "보도자료", "의사일정")


@dataclass(frozen=True)
class Job:
    """One input to generate."""

    index: int
    id: str
    institution: str
    doc_type: str
    kind: str
    scanned: bool
    seed: int
    difficulty: str
    out_dir: Path


def class_weights(labels: Sequence[str], imbalance: float) -> dict[str, float]:
    """Relative frequencies falling geometrically from 1 to 1/``imbalance`` along ``labels``."""
    if imbalance < 1:
        raise ValueError("imbalance must be at least 1 (1 = balanced)")
    steps = len(labels) - 1
    return {label: imbalance ** (-i / steps) for i, label in enumerate(labels)}


def allocate(count: int, weights: dict[str, float]) -> list[str]:
    """``count`` labels in proportion to ``weights`` (largest remainders), in label order."""
    total = sum(weights.values())
    exact = {label: count * w / total for label, w in weights.items()}
    counts = {label: int(value) for label, value in exact.items()}
    rest = count - sum(counts.values())
    for label in sorted(exact, key=lambda lab: (counts[lab] - exact[lab], list(weights).index(lab)))[:rest]:
        counts[label] += 1
    return [label for label in weights for _ in range(counts[label])]


def plan(
    out_dir: Path,
    count: int,
    seed: int = 0,
    scan_ratio: float = 0.5,
    difficulty_name: str = "realistic",
    include_unknown: int = 0,
    imbalance: float = 10.0,
) -> list[Job]:
    """The jobs of a set: labels allocated to the configured imbalance, unknown inputs interleaved."""
    if count < 0 or include_unknown < 0:
        raise ValueError("count and include_unknown must not be negative")
    if not 0.0 <= scan_ratio <= 1.0:
        raise ValueError("scan_ratio must be between 0 and 1")
    difficulty(difficulty_name)
    rng = random.Random(f"munseo-synth-plan:{seed}")
    institutions = allocate(count, class_weights(INSTITUTION_ORDER, imbalance))
    doc_types = allocate(count, class_weights(DOC_TYPE_ORDER, imbalance))
    rng.shuffle(institutions)
    rng.shuffle(doc_types)
    scanned = [i < round(count * scan_ratio) for i in range(count)]
    rng.shuffle(scanned)
    total = count + include_unknown
    unknown_slots = set(rng.sample(range(total), include_unknown))
    kinds = [UNKNOWN_KINDS[i % len(UNKNOWN_KINDS)] for i in range(include_unknown)]
    rng.shuffle(kinds)
    width = max(5, len(str(total)))
    jobs: list[Job] = []
    documents = iter(zip(institutions, doc_types, scanned, strict=True))
    unknowns = iter(kinds)
    for index in range(total):
        if index in unknown_slots:
            institution, doc_type, kind, is_scan = UNKNOWN, UNKNOWN, next(unknowns), True
        else:
            institution, doc_type, is_scan = next(documents)
            kind = "document"
        jobs.append(
            Job(
                index,
                f"doc-{index + 1:0{width}d}",
                institution,
                doc_type,
                kind,
                is_scan,
                seed,
                difficulty_name,
                out_dir,
            )
        )
    return jobs


def _page_truth(number: int, page: Page, dpi: int, size: tuple[int, int]) -> PageTruth:
    width, height = size
    lines = tuple(LineTruth(line.text, pixel_box(line.bbox, dpi, width, height)) for line in page.lines)
    return PageTruth(number, width, height, page.text, lines)


def _document(job: Job, rng: random.Random, nrng: np.random.Generator, level: Difficulty) -> ManifestRecord:
    document = BUILDERS[job.doc_type](Context(rng, job.institution, level))
    pages = layout(document.blocks, document.template)
    fragment = len(pages) >= 2 and rng.random() < level.fragment
    if fragment:  # loose pages: any run of pages but the first
        start = rng.randint(1, len(pages) - 1)
        pages = pages[start : rng.randint(start + 1, len(pages))]
    pdf = pdf_bytes(pages)
    if not job.scanned:
        path = job.out_dir / f"{job.id}.pdf"
        path.write_bytes(pdf)
        sizes = [pixel_size(p.width, p.height, BORN_DIGITAL_DPI) for p in pages]
        truths = tuple(
            _page_truth(i, page, BORN_DIGITAL_DPI, size)
            for i, (page, size) in enumerate(zip(pages, sizes, strict=True), start=1)
        )
        return _record(job, level, path.name, True, BORN_DIGITAL_DPI, "pdf", truths, document.fields, fragment)
    dpi = rng.choice(SCAN_DPIS)
    color = any(isinstance(g, Stamp) for p in pages for g in p.graphics) or rng.random() < 0.1
    images: list[np.ndarray] = []
    truths_list: list[PageTruth] = []
    quality = 90
    for number, (page, clean) in enumerate(zip(pages, rasterize(pdf, dpi, color=color), strict=True), start=1):
        height, width = clean.shape[:2]
        truth = _page_truth(number, page, dpi, (width, height))
        effects = sample_effects(nrng, level.degradation, dpi)
        if effects.marks:
            pen_marks(clean, [line.box for line in truth.lines], effects.marks, nrng, dpi)
        image, matrix = scan(clean, effects, nrng)
        lines = tuple(LineTruth(line.text, transform_box(line.box, matrix, width, height)) for line in truth.lines)
        truths_list.append(PageTruth(number, width, height, truth.text, lines, round(effects.skew, 3)))
        images.append(image)
        quality = effects.jpeg_quality if number == 1 else quality
    # Colour scans go to PDF or JPEG: libtiff's JPEG-in-TIFF keeps full-resolution chroma (3x the size).
    if len(images) > 1:
        fmt = "pdf" if color else rng.choice(("pdf", "pdf", "tiff"))
    else:
        fmt = rng.choice(("pdf", "jpeg") if color else ("pdf", "tiff", "png", "jpeg", "jpeg"))
    if fmt == "png" and dpi > 200:
        fmt = "jpeg"
    path = job.out_dir / f"{job.id}.{EXTENSIONS[fmt]}"
    path.write_bytes(encode_scan(images, dpi, fmt, quality))
    return _record(job, level, path.name, False, dpi, fmt, tuple(truths_list), document.fields, fragment)


def _unknown(job: Job, rng: random.Random, nrng: np.random.Generator, level: Difficulty) -> ManifestRecord:
    page = unknown_page(job.kind, rng, nrng, level.degradation)
    height, width = page.image.shape[:2]
    fmt = "jpeg" if job.kind == "photo" else rng.choice(("jpeg", "png", "pdf")) if page.dpi <= 200 else "jpeg"
    path = job.out_dir / f"{job.id}.{EXTENSIONS[fmt]}"
    path.write_bytes(encode_scan([page.image], page.dpi, fmt, int(nrng.integers(70, 92))))
    lines = tuple(LineTruth(text, box) for text, box in page.lines)
    truth = PageTruth(1, width, height, "\n".join(text for text, _ in page.lines), lines, page.skew)
    dpi = PHOTO_DPI if job.kind == "photo" else page.dpi
    return _record(job, level, path.name, False, dpi, fmt, (truth,), {}, False)


def _record(
    job: Job,
    level: Difficulty,
    name: str,
    born_digital: bool,
    dpi: int,
    fmt: str,
    pages: tuple[PageTruth, ...],
    fields: dict[str, str],
    fragment: bool,
) -> ManifestRecord:
    return ManifestRecord(
        job.id,
        name,
        Labels(job.institution, job.doc_type),
        len(pages),
        born_digital,
        dpi,
        fmt,
        job.kind,
        level.name,
        fragment,
        fields,
        pages,
    )


def build(job: Job, rescan: int = 0) -> ManifestRecord:
    """Generate one input: write its file and return its manifest record.

    ``rescan`` > 0 scans the same paper once more: the same document, pages and resolution under
    other scan effects (skew, noise, blur, pen marks, JPEG quality), written as ``{id}-rescan{n}``.
    A born-digital document's rescan is its printout scanned. (Unknown inputs draw their content
    from the scan's own stream: their "rescan" is another input.)"""
    rng = random.Random(f"munseo-synth:{job.seed}:{job.index}")
    nrng = np.random.default_rng([job.seed, job.index, rescan] if rescan else [job.seed, job.index])
    if rescan:
        job = replace(job, id=f"{job.id}-rescan{rescan}", scanned=True)
    level = difficulty(job.difficulty)
    if job.kind == "document":
        return _document(job, rng, nrng, level)
    return _unknown(job, rng, nrng, level)


def _init_worker() -> None:
    exit_with_parent()
    # The workers already share the cores; OpenCV's own threads would only compete with them.
    cv2.setNumThreads(1)


def _build_line(job: Job) -> str:
    return build(job).to_json()


def generate(
    out_dir: Path,
    count: int,
    seed: int = 0,
    scan_ratio: float = 0.5,
    difficulty: str = "realistic",
    include_unknown: int = 0,
    imbalance: float = 10.0,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Path:
    """Write ``count`` documents (plus ``include_unknown`` unknown inputs) and their manifest to ``out_dir``.

    ``progress`` is called with the number of inputs finished so far. ``workers`` processes share
    the work (default: one per CPU); the output does not depend on it. Returns the manifest path.
    """
    out_dir = Path(out_dir)
    jobs = plan(out_dir, count, seed, scan_ratio, difficulty, include_unknown, imbalance)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = min(workers or os.cpu_count() or 1, max(1, len(jobs) // 4))
    manifest = out_dir / MANIFEST
    with manifest.open("w", encoding="utf-8", newline="\n") as handle:
        if workers <= 1:
            _write(handle, map(_build_line, jobs), progress)
        else:
            with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
                _write(handle, pool.imap(_build_line, jobs, chunksize=1), progress)
    return manifest


def _write(handle: TextIO, lines: Iterable[str], progress: Callable[[int], None] | None) -> None:
    for done, line in enumerate(lines, start=1):
        handle.write(line + "\n")
        if progress is not None:
            progress(done)
