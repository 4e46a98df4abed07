"""Ingest throughput and accuracy: munseo against the naive baseline, side by side in one run.

- munseo: ``munseo ingest`` (2 OCR processes, one Tesseract engine each, single-threaded).
- naive: pdf2image at 300 DPI + pytesseract, one page at a time, Tesseract's defaults (OpenMP on,
  automatic page segmentation) — what most users write first.
- the machine's Tesseract limit: 2 × the single-process rate of the OCR call alone.
- the text-layer path on a born-digital PDF.
- CER on degraded pages with each preprocessing step on and off, and on multi-column pages with
  each page segmentation choice, so that the defaults are chosen by evidence.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_ingest.py [--pages N]``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import PeakRss, command_line, markdown_table, print_table, write_section
from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import FONT_DIR, HEAVY_DAMAGE, SENTENCES, degrade, render_text_page

A4 = (595.27, 841.89)
PAGES_PER_PDF = 6
console = Console()


def scanned_set(folder: Path, pages: int) -> list[str]:
    """Scanner-like pages (slight skew, noise, blur, JPEG) in image-only PDFs; returns the truths."""
    truths = []
    rng = random.Random(42)
    for start in range(0, pages, PAGES_PER_PDF):
        c = canvas.Canvas(str(folder / f"scan-{start // PAGES_PER_PDF + 1:02d}.pdf"), pagesize=A4, invariant=1)
        for n in range(start, min(pages, start + PAGES_PER_PDF)):
            page = render_text_page(seed=100 + n, dpi=300, columns=2 if n % 7 == 3 else 1)
            scan = degrade(page.image, seed=n, angle=rng.uniform(-1.5, 1.5), noise=6, blur=0.5)
            buffer = io.BytesIO()
            scan.save(buffer, format="JPEG", quality=80, dpi=(300, 300))
            c.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 0, 0, width=A4[0], height=A4[1])
            c.showPage()
            truths.append(page.text)
        c.save()
    return truths


def born_digital(path: Path, pages: int) -> None:
    pdfmetrics.registerFont(TTFont("NanumGothic", str(FONT_DIR / "NanumGothic.ttf")))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for n in range(pages):
        c.setFont("NanumGothic", 11)
        y = A4[1] - 72
        for line in range(40):
            c.drawString(72, y, SENTENCES[(n + line) % len(SENTENCES)][:60])
            y -= 17
        c.showPage()
    c.save()


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, peak RSS (MiB, process tree) and the finished process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as rss:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    return seconds, rss.mib, subprocess.CompletedProcess(args, proc.returncode, out, err)


def munseo_run(inbox: Path, work: Path) -> tuple[float, float, list[str]]:
    env = {**os.environ, "MUNSEO_DATA_DIR": str(work), "MUNSEO_WORKERS": "2"}
    seconds, mib, proc = run_measured([sys.executable, "-m", "munseo", "ingest", str(inbox)], env)
    if proc.returncode != 0:
        raise SystemExit(f"munseo ingest failed:\n{proc.stdout}\n{proc.stderr}")
    from munseo.store.repository import Store

    store = Store(f"sqlite:///{work / 'munseo.db'}")
    texts = [
        p.raw_text
        for d in sorted(store.documents.latest(limit=10_000), key=lambda d: d.filename)
        for p in store.documents.get(d.id).pages
    ]  # type: ignore[union-attr]
    store.close()
    return seconds, mib, texts


NAIVE = """
import json, sys
from pdf2image import convert_from_path, pdfinfo_from_path
import pytesseract
texts = []
for pdf in sys.argv[1:]:
    for n in range(1, pdfinfo_from_path(pdf)["Pages"] + 1):
        [image] = convert_from_path(pdf, dpi=300, first_page=n, last_page=n)
        texts.append(pytesseract.image_to_string(image, lang="kor+eng"))
print(json.dumps(texts))
"""


def naive_run(pdfs: list[Path]) -> tuple[float, float, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    seconds, mib, proc = run_measured([sys.executable, "-c", NAIVE, *map(str, pdfs)], env)
    if proc.returncode != 0:
        raise SystemExit(f"naive baseline failed:\n{proc.stderr}")
    return seconds, mib, json.loads(proc.stdout)


LIMIT = """
import json, sys, time
from munseo.ingest import inspect_file, load_page, Limits
from munseo.ocr import TesseractEngine, PreprocessOptions, preprocess
from pathlib import Path
engine = TesseractEngine()
images = []
for pdf in sys.argv[1:]:
    source = inspect_file(Path(pdf), Limits(10**9, 10**10, 10**4), 300)
    for i in range(source.page_count):
        page = load_page(source, i, 300, 100)
        images.append((preprocess(page.image, PreprocessOptions())[0], page.dpi))
start = time.perf_counter()
for gray, dpi in images:
    engine.recognize(gray, dpi)
print(json.dumps({"pages": len(images), "seconds": time.perf_counter() - start}))
"""


def tesseract_limit(pdfs: list[Path]) -> float:
    """Pages/min of two ideal processes: twice one process's rate of the OCR call alone."""
    proc = subprocess.run([sys.executable, "-c", LIMIT, *map(str, pdfs)], capture_output=True, text=True, check=True)
    figures = json.loads(proc.stdout)
    return 2 * figures["pages"] / figures["seconds"] * 60


def mean_cer(truths: list[str], texts: list[str]) -> float:
    return sum(cer(t, h) for t, h in zip(truths, texts, strict=True)) / len(truths)


def preprocessing_study(pages: int) -> list[list[str]]:
    from munseo.ocr import PreprocessOptions, TesseractEngine, preprocess

    engine = TesseractEngine()
    variants = {
        "none": PreprocessOptions(deskew=False),
        "deskew": PreprocessOptions(deskew=True),
        "deskew + denoise": PreprocessOptions(deskew=True, denoise=True),
        "deskew + binarise": PreprocessOptions(deskew=True, binarize=True),
        "deskew + denoise + binarise": PreprocessOptions(deskew=True, denoise=True, binarize=True),
    }
    rng = random.Random(7)
    clean, degraded, truths = [], [], []
    for n in range(pages):
        page = render_text_page(seed=200 + n, dpi=300, paragraphs=4)
        truths.append(page.text)
        clean.append(page.image)
        degraded.append(
            degrade(
                page.image,
                seed=n,
                angle=rng.choice([-1, 1]) * rng.uniform(2.0, 4.0),
                **HEAVY_DAMAGE,
            )
        )
    rows = [
        ["clean page, no preprocessing", f"{mean_cer(truths, [engine.recognize(i, 300).text for i in clean]):.2%}", "—"]
    ]
    for name, options in variants.items():
        start = time.perf_counter()
        texts = []
        for image in degraded:
            gray, _ = preprocess(image, options)
            texts.append(engine.recognize(gray, 300).text)
        per_page = (time.perf_counter() - start) / pages
        rows.append([f"degraded, {name}", f"{mean_cer(truths, texts):.2%}", f"{per_page:.2f} s"])
    return rows


def layout_study(synth_docs: int) -> list[list[str]]:
    from munseo.ingest import Limits, inspect_file, load_page
    from munseo.ocr import Layout, PreprocessOptions, TesseractEngine, preprocess
    from munseo.synth import generate, read_manifest

    engines = {layout: TesseractEngine(layout=layout) for layout in Layout}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        manifest = generate(Path(tmp), synth_docs, seed=5, scan_ratio=1.0, difficulty="easy")
        truths, images = [], []
        for record in read_manifest(manifest):
            source = inspect_file(Path(tmp) / record.file, Limits(10**9, 10**10, 10**4), 300)
            for i, page in enumerate(record.pages):
                loaded = load_page(source, i, 300, 100)
                images.append((preprocess(loaded.image, PreprocessOptions())[0], loaded.dpi))
                truths.append(page.text)
        row = [f"{len(images)} scanned pages of {synth_docs} synthetic documents (all types)"]
        for engine in engines.values():
            row.append(f"{mean_cer(truths, [engine.recognize(g, dpi).text for g, dpi in images]):.2%}")
        rows.append(row)
    for columns, seeds in ((1, (300, 301, 302)), (2, (310, 311, 312))):
        pages = [render_text_page(seed=s, dpi=300, columns=columns) for s in seeds]
        row = [f"{columns} column{'s' if columns > 1 else ''}"]
        for engine in engines.values():
            texts = [engine.recognize(p.image, 300).text for p in pages]
            row.append(f"{mean_cer([p.text for p in pages], texts):.2%}")
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24, help="scanned pages in the set (default 24)")
    parser.add_argument("--text-pages", type=int, default=300, help="pages of the born-digital PDF")
    parser.add_argument("--synth-docs", type=int, default=12, help="synthetic documents in the layout study")
    parser.add_argument("--study-pages", type=int, default=6, help="degraded pages in the preprocessing study")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="munseo-bench-") as tmp:
        root = Path(tmp)
        inbox = root / "inbox"
        inbox.mkdir()
        console.print(f"Making {args.pages} scanned pages …")
        truths = scanned_set(inbox, args.pages)
        pdfs = sorted(inbox.glob("*.pdf"))

        console.print("munseo ingest …")
        m_sec, m_mib, m_texts = munseo_run(inbox, root / "munseo")
        console.print("naive baseline (pdf2image + pytesseract) …")
        n_sec, n_mib, n_texts = naive_run(pdfs)
        console.print("Tesseract limit (OCR call alone, one process) …")
        limit = tesseract_limit(pdfs)

        digital = root / "digital"
        digital.mkdir()
        born_digital(digital / "born-digital.pdf", args.text_pages)
        console.print("text-layer path …")
        d_sec, d_mib, _ = munseo_run(digital, root / "digital-store")

    m_rate, n_rate, d_rate = args.pages / m_sec * 60, args.pages / n_sec * 60, args.text_pages / d_sec * 60
    m_cer, n_cer = mean_cer(truths, m_texts), mean_cer(truths, n_texts)
    headers = ["path", "pages/min", "CER", "peak RSS (MiB)", "vs naive"]
    rows = [
        ["naive: pdf2image 300 DPI + pytesseract", f"{n_rate:.1f}", f"{n_cer:.2%}", f"{n_mib:.0f}", "1.00×"],
        ["munseo ingest, 2 workers", f"{m_rate:.1f}", f"{m_cer:.2%}", f"{m_mib:.0f}", f"{m_rate / n_rate:.2f}×"],
        ["Tesseract limit: 2 × one process, OCR call alone", f"{limit:.1f}", "—", "—", f"{limit / n_rate:.2f}×"],
        [
            f"munseo, born-digital PDF ({args.text_pages} pages, text layer)",
            f"{d_rate:.0f}",
            "exact",
            f"{d_mib:.0f}",
            "—",
        ],
    ]
    print_table("Throughput", headers, rows)
    pre_headers = ["pages", "CER", "time per page"]
    pre_rows = preprocessing_study(args.study_pages)
    print_table("Preprocessing on degraded pages", pre_headers, pre_rows)
    lay_headers = ["page", "munseo regions (PSM 6 each)", "whole page PSM 6", "Tesseract PSM 3"]
    lay_rows = layout_study(args.synth_docs)
    print_table("Page segmentation", lay_headers, lay_rows)

    share = m_rate / limit
    summary = (
        f"munseo reads scanned pages at **{m_rate / n_rate:.1f}×** the naive baseline's rate "
        f"(target ≥ 6×) and at **{share:.0%}** of the machine's Tesseract limit (target ≥ 90%), "
        f"with CER {m_cer:.2%} against the baseline's {n_cer:.2%}. Born-digital pages: {d_rate:.0f} pages/min "
        "(target ≥ 1,000). munseo's time is end to end: process start, checks, database writes and page "
        "images included."
    )
    console.print(summary)
    body = "\n\n".join(
        [
            f"{args.pages} scanned A4 pages (Korean and English, 300 DPI JPEG scans with slight skew, noise and blur, "
            f"{len(pdfs)} image-only PDFs), the same files for every path.",
            markdown_table(headers, rows),
            summary,
            f"### Preprocessing on degraded pages\n\n{args.study_pages} pages skewed 2–4°, blurred, noisy "
            "(gaussian σ 18 and 1% salt-and-pepper), unevenly lit and JPEG-compressed at quality 45; "
            "CER with whitespace ignored.",
            markdown_table(pre_headers, pre_rows),
            "### Page segmentation\n\nMean CER (whitespace ignored) on scanned synthetic documents of every type "
            "(bills with tables, two-column minutes, letters, agendas) and on three clean known-text pages of each "
            "layout.",
            markdown_table(lay_headers, lay_rows),
        ]
    )
    write_section("Ingest and OCR", body, command_line())


if __name__ == "__main__":
    main()
