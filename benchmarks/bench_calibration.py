"""Calibration on real collections of 2,000–15,000 documents: one dev split's held-out logits against several's.

A collection of a few thousand documents spares a dev split of a few hundred (15%) for calibration,
too few to fit a temperature and a confidence map well, and a larger one is capped at 1,500.
``TrainOptions.calibration_folds`` fits the model again without each of up to five dev splits that
do not overlap (as many as cost at most two fits of ``refit_max`` examples). Both are trained here on
random samples of a shared corpus's ``train`` split (3 draws per size) and measured on its whole
``dev`` split: ECE after calibration per task, and the training time.

Run: ``.venv/bin/python benchmarks/bench_calibration.py`` (about 20 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.classify import Classifier, Example, TrainOptions, infer_schema, train
from munseo.classify.data import check_examples
from munseo.classify.evaluate import evaluate

console = Console(stderr=True)
CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
FILES = {"bills": "kr-bills.jsonl.xz", "laws": "kr-laws.jsonl.xz"}
SIZES = {"bills": (2_000, 5_000, 15_000), "laws": (2_000, 4_000)}
SECTION = "Classification: calibration splits"
TARGET = 0.03


def load(folder: Path, name: str) -> tuple[list[dict], list[dict]]:
    path = folder / FILES[name]
    if not path.is_file():
        raise SystemExit(f"{path} is missing: this benchmark needs the shared real corpora (../shared/corpora/)")
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r for r in rows if r["split"] == "train"], [r for r in rows if r["split"] == "dev"]


def examples(rows: list[dict]) -> list[Example]:
    return [Example(r["text"], r["labels"], r["id"]) for r in rows]


def run(sample: list[dict], dev: list[dict], folds: int, work: Path) -> tuple[dict[str, float], float]:
    """ECE after calibration per task on ``dev`` of a model trained on ``sample``, and the training time."""
    schema, _ = infer_schema(r["labels"] for r in sample)
    out = work / f"model-{folds}"
    started = time.perf_counter()
    train(check_examples(examples(sample), schema, ["sample"]), schema, out, TrainOptions(calibration_folds=folds))
    seconds = time.perf_counter() - started
    evaluation = evaluate(Classifier(out), check_examples(examples(dev), schema, ["dev"], keep_unseen=True))
    return {task: metrics.ece for task, metrics in evaluation.tasks.items()}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of the shared real corpora")
    parser.add_argument("--draws", type=int, default=3, help="random training samples per size")
    parser.add_argument("--no-write", action="store_true", help="print the table without writing BENCHMARKS.md")
    args = parser.parse_args()
    default = TrainOptions().calibration_folds
    rows = []
    for name, sizes in SIZES.items():
        train_rows, dev_rows = load(args.corpora, name)
        for size in sizes:
            ece: dict[int, dict[str, list[float]]] = {1: {}, default: {}}
            seconds: dict[int, list[float]] = {1: [], default: []}
            rng = random.Random(7)
            for draw in range(args.draws):
                sample = rng.sample(train_rows, size)
                for folds in (1, default):
                    with tempfile.TemporaryDirectory() as work:
                        figures, took = run(sample, dev_rows, folds, Path(work))
                    seconds[folds].append(took)
                    for task, value in figures.items():
                        ece[folds].setdefault(task, []).append(value)
                    console.print(f"{name} {size} draw {draw + 1} splits ≤{folds}: {figures} in {took:.0f} s")
            for task in ece[1]:
                one, several = np.array(ece[1][task]), np.array(ece[default][task])
                rows.append(
                    [
                        name,
                        str(size),
                        task,
                        f"{one.mean():.4f} / {one.max():.4f}",
                        f"{several.mean():.4f} / {several.max():.4f}",
                        f"{int((one <= TARGET).sum())} / {int((several <= TARGET).sum())} of {args.draws}",
                        f"{np.mean(seconds[1]):.0f} / {np.mean(seconds[default]):.0f}",
                    ]
                )
    headers = [
        "corpus",
        "train docs (sample)",
        "task",
        "ECE, one dev split: mean / max",
        f"ECE, up to {default} splits: mean / max",
        f"draws with ECE ≤ {TARGET} (one / several)",
        "train s (one / several)",
    ]
    print_table(SECTION, headers, rows)
    if not args.no_write:
        body = (
            f"Random samples of each corpus's `train` split ({args.draws} draws per size, the same for both), "
            "measured on its whole `dev` split. ECE (15 bins) after calibration; one dev split "
            f"(`calibration_folds=1`) against the default (up to {default} splits, as many as cost at most two "
            "fits of 30,000 examples).\n\n" + markdown_table(headers, rows)
        )
        write_section(SECTION, body, command_line())


if __name__ == "__main__":
    main()
