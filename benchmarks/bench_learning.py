"""The learning loop on the real bills corpus (``../shared/corpora/kr-bills.jsonl.xz``).

A weak first model is trained on a slice of the training split in which one committee (the *weak*
one) has two bills. Simulated reviewers then work through the review queue of an incoming stream
of other training bills, 100 documents a round, giving each its true committee; after every round
the model is retrained (``munseo.classify.train``, default options) on the slice plus every reviewed
bill, as ``munseo retrain`` does with its pool. The queue is taken in two orders side by side:

- ``confidence``: least confident first (the review queue's default);
- ``useful``: ``munseo.stages.retrain.usefulness`` (low confidence, small margin, several tasks in
  doubt, labels rarely seen in training; tasks that disagree count only with two tasks, and the
  bills have one) — ``GET /api/review/queue?order=useful``.

Each model is measured on a fixed set the loop never trains on (the first 2,000 bills of the dev
split): macro-F1, and the weak committee's F1 against the mean F1 of the others. Also: the time of
one retrain at pool sizes of 1k, 10k and 40k documents.

Run: ``.venv/bin/python benchmarks/bench_learning.py`` (about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.classify import Classifier, Example, Prediction, TrainOptions, infer_schema, train
from munseo.classify.data import check_examples
from munseo.classify.evaluate import evaluate, training_counts
from munseo.stages.retrain import usefulness

console = Console(stderr=True)
HERE = Path(__file__).resolve()
CORPUS = HERE.parent.parent.parent / "shared" / "corpora" / "kr-bills.jsonl.xz"
FIGURE = HERE.parent / "figures" / "learning.png"
SECTION = "Learning from reviewers: corrections against macro-F1"
TASK = "committee"
ROUND = 100


def load() -> tuple[list[Example], list[Example]]:
    if not CORPUS.is_file():
        raise SystemExit(f"{CORPUS} is missing: this benchmark needs the shared real corpora")
    train_rows, dev_rows = [], []
    with lzma.open(CORPUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            example = Example(row["text"], {TASK: row["labels"][TASK]}, row["id"])
            (train_rows if row["split"] == "train" else dev_rows).append(example)
    return train_rows, dev_rows


def queue_view(prediction: Prediction) -> SimpleNamespace:
    """A stored document's shape as ``usefulness`` reads it, from a prediction."""
    rows = [
        SimpleNamespace(
            task=t.task,
            label=t.label,
            confidence=t.confidence,
            probabilities=t.probabilities,
            needs_review=t.needs_review,
        )
        for t in prediction.tasks.values()
    ]
    return SimpleNamespace(classifications=rows)


def measure(folder: Path, fixed: list[Example], weak: str) -> dict[str, float]:
    classifier = Classifier(folder)
    known = [e for e in fixed if e.labels[TASK] in classifier.schema.labels(TASK)]
    metrics = evaluate(classifier, check_examples(known, classifier.schema, ["fixed"])).tasks[TASK]
    f1 = {label: c.f1 for label, c in metrics.per_class.items() if c.support}
    rest = [v for label, v in f1.items() if label != weak]
    return {"macro_f1": metrics.macro_f1, "weak_f1": f1.get(weak, 0.0), "rest_f1": float(np.mean(rest))}


def loop(
    order: str, seed_set: list[Example], stream: list[Example], fixed: list[Example], weak: str, rounds: int, work: Path
) -> list[dict[str, Any]]:
    schema, _ = infer_schema(e.labels for e in seed_set + stream)
    pool, reviewed = list(seed_set), set()
    points = []
    for n in range(rounds + 1):
        folder = work / f"{order}-{n}"
        started = time.perf_counter()
        train(check_examples(pool, schema, ["pool"]), schema, folder, TrainOptions())
        seconds = time.perf_counter() - started
        figures = measure(folder, fixed, weak)
        weak_reviewed = sum(stream[i].labels[TASK] == weak for i in reviewed)
        points.append({"reviewed": len(reviewed), "weak_reviewed": weak_reviewed, "seconds": seconds, **figures})
        console.print(f"{order} round {n}: {points[-1]}")
        if n == rounds:
            break
        classifier = Classifier(folder)
        waiting = [i for i in range(len(stream)) if i not in reviewed]
        predictions = classifier.predict([stream[i].text for i in waiting])
        queue = [(i, p) for i, p in zip(waiting, predictions, strict=True) if p.needs_review]
        if order == "confidence":
            queue.sort(key=lambda item: (min(t.confidence for t in item[1].tasks.values()), item[0]))
        else:
            counts = training_counts(classifier)
            queue.sort(key=lambda item: (-usefulness(queue_view(item[1]), counts), item[0]))
        for i, _ in queue[:ROUND]:
            reviewed.add(i)
            pool.append(stream[i])
    return points


def within(points: list[dict[str, Any]], gap: float) -> int | None:
    for point in points:
        if point["rest_f1"] - point["weak_f1"] <= gap:
            return point["reviewed"]
    return None


def plot(results: dict[str, list[dict[str, Any]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), dpi=110)
    for order, points in results.items():
        x = [p["reviewed"] for p in points]
        axes[0].plot(x, [p["macro_f1"] for p in points], marker="o", label=order)
        axes[1].plot(x, [p["weak_f1"] for p in points], marker="o", label=f"{order}: weak committee")
    axes[1].plot(
        x, [p["rest_f1"] for p in results["confidence"]], linestyle="--", color="grey", label="other committees"
    )
    axes[0].set_title("macro-F1 on the fixed set")
    axes[1].set_title("F1 of the weak committee")
    for ax in axes:
        ax.set_xlabel("documents reviewed (corrected or accepted)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(FIGURE)


def retrain_times(train_rows: list[Example], dev_rows: list[Example], work: Path) -> list[tuple[int, float]]:
    everything = train_rows + dev_rows
    schema, _ = infer_schema(e.labels for e in everything)
    times = []
    for size in (1_000, 10_000, 40_000):
        pool = everything[:size]
        started = time.perf_counter()
        train(check_examples(pool, schema, ["pool"]), schema, work / f"size-{size}", TrainOptions())
        times.append((len(pool), time.perf_counter() - started))
        console.print(f"retrain of {len(pool)} documents: {times[-1][1]:.1f} s")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="rounds of 100 reviews")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    train_rows, dev_rows = load()
    counts = Counter(e.labels[TASK] for e in train_rows)
    weak = sorted(label for label, n in counts.items() if 600 <= n <= 1500)[0]
    others = [e for e in train_rows if e.labels[TASK] != weak]
    of_weak = [e for e in train_rows if e.labels[TASK] == weak]
    seed_set = others[::12] + of_weak[:2]
    seeded = {e.where for e in seed_set}
    rest = [e for e in train_rows if e.where not in seeded]
    stream = rest[::6]  # the incoming bills: about 5,600, the weak committee's share as in the corpus
    fixed = dev_rows[:2000]
    console.print(f"weak committee {weak}: {len(seed_set)} seed bills, {len(stream)} in the stream")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = {
            order: loop(order, seed_set, stream, fixed, weak, args.rounds, work) for order in ("confidence", "useful")
        }
        times = retrain_times(train_rows, dev_rows, work)
    plot(results)

    headers = ["reviewed", *(f"{o}: macro-F1 / weak F1 / weak reviewed" for o in results)]
    rows = []
    for n in range(len(results["confidence"])):
        cells = [str(results["confidence"][n]["reviewed"])]
        for points in results.values():
            p = points[n]
            cells.append(f"{p['macro_f1'] * 100:.1f} / {p['weak_f1'] * 100:.1f} / {p['weak_reviewed']}")
        rows.append(cells)
    print_table("macro-F1 on the fixed set by documents reviewed", headers, rows)
    reach = {o: within(p, 0.05) for o, p in results.items()}
    time_rows = [[f"{n:,}", f"{s:.1f}"] for n, s in times]
    print_table("retrain time", ["pool documents", "seconds"], time_rows)
    body = f"""
The weak committee: {weak} (two bills in a seed slice of {len(seed_set):,}); the incoming stream:
{len(stream):,} other training bills; the fixed set: the first {len(fixed):,} dev bills. Every round,
100 documents of the review queue are reviewed (given their true committee) and the model is
retrained on the slice plus every reviewed bill.

![macro-F1 and the weak committee's F1 against documents reviewed]({FIGURE.relative_to(HERE.parent.parent)})

{markdown_table(headers, rows)}

Documents reviewed until the weak committee's F1 is within 5 points of the other committees' mean:
{", ".join(f"{o}: {'not within ' + str(rows[-1][0]) if r is None else r}" for o, r in reach.items())}.

Retrain time (default options, 2 cores):

{markdown_table(["pool documents", "seconds"], time_rows)}
"""
    if not args.no_write:
        write_section(SECTION, body, command_line())


if __name__ == "__main__":
    main()
