"""Training data as a folder of documents (``DATA/<label>/<file>``): how fast munseo reads it,
side by side in one run.

- munseo: ``read_source`` on the folder, as ``munseo train DATA --folder-task committee`` reads it:
  the documents missing from the folder's cache read by one pool of OCR workers
  (``munseo.pipeline.read_files``), pages of several documents in flight;
- per file: ``munseo.pipeline.read_file`` called for each document, as ``read_folder`` did before
  9c0f382, which starts a pool of OCR workers and their Tesseract engines for every document;
- the second read of the folder, every text taken from its cache.

The documents are real bills (``../shared/corpora/kr-bills.jsonl.xz``, the first of ``train``) as
one-page born-digital PDFs, one folder per committee, and a tenth as many rendered scans (OCR).

Run: ``.venv/bin/python benchmarks/bench_training_folder.py [--documents N]``.
"""

from __future__ import annotations

import argparse
import json
import lzma
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.classify.data import FOLDER_CACHE, SourceOptions, read_source
from munseo.config import Settings
from munseo.evaluate.testpages import render_text_page, text_pdf
from munseo.pipeline import read_file

console = Console(stderr=True)
BILLS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "kr-bills.jsonl.xz"
SECTION = "Training data: a folder of documents"
TASK = "committee"


def make_folder(folder: Path, documents: int) -> list[Path]:
    """``documents`` bills as PDFs in committee folders, and a tenth as many scans; their paths."""
    if not BILLS.is_file():
        sys.exit(f"{BILLS} is missing: this benchmark needs the shared real corpora (../shared/corpora/)")
    paths = []
    with lzma.open(BILLS, "rt", encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        bills = [row for row, _ in zip((r for r in rows if r["split"] == "train"), range(documents), strict=False)]
    for n, bill in enumerate(bills):
        label = folder / bill["labels"][TASK]
        label.mkdir(parents=True, exist_ok=True)
        paths.append(label / f"bill-{n:05d}.pdf")
        text_pdf(paths[-1], bill["text"], chars=1500)
    for n in range(max(1, documents // 10)):
        label = paths[n].parent
        paths.append(label / f"scan-{n:05d}.png")
        render_text_page(seed=n, dpi=200, paragraphs=1).image.save(paths[-1], dpi=(200, 200))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=40, help="bills as PDFs (plus a tenth as many scans)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="munseo-bench-folder-") as tmp:
        folder = Path(tmp) / "data"
        paths = make_folder(folder, args.documents)
        options = SourceOptions(folder_task=TASK)
        console.print(f"reading {len(paths)} documents as a folder of training data")
        start = time.perf_counter()
        examples = read_source(str(folder), options)
        pooled = time.perf_counter() - start
        start = time.perf_counter()
        cached = read_source(str(folder), options)
        from_cache = time.perf_counter() - start
        shutil.rmtree(folder / FOLDER_CACHE)
        console.print(f"reading the same {len(paths)} documents with a pool for each")
        settings = Settings()
        start = time.perf_counter()
        texts = [read_file(path, settings).text for path in paths]
        per_file = time.perf_counter() - start
    if len(examples) != len(paths) or len(cached) != len(paths) or sorted(texts) != sorted(e.text for e in examples):
        sys.exit("the readings differ: the figures below would not compare the same work")
    count, scans = len(paths), sum(path.suffix == ".png" for path in paths)
    header = ["reading", "documents", "seconds", "documents/s", "time ÷ munseo's"]
    rows = [
        ["munseo: one pool of OCR workers", str(count), f"{pooled:.1f}", f"{count / pooled:.2f}", "1.00"],
        [
            "a pool for each document (before 9c0f382)",
            str(count),
            f"{per_file:.1f}",
            f"{count / per_file:.2f}",
            f"{per_file / pooled:.2f}",
        ],
        ["second read, from the folder's cache", str(count), f"{from_cache:.2f}", f"{count / from_cache:.0f}", "–"],
    ]
    print_table(f"{SECTION} ({count - scans} bills as PDFs, {scans} scans)", header, rows)
    body = (
        f"{count - scans} real bills as one-page born-digital PDFs and {scans} rendered scans, "
        "one folder per committee, read as `munseo train DATA --folder-task committee` reads them "
        f"({settings.resolved_workers} OCR workers), against a pool started for each document, as before 9c0f382:\n\n"
        + markdown_table(header, rows)
    )
    if not args.no_write:
        write_section(SECTION, body, command_line())


if __name__ == "__main__":
    main()
