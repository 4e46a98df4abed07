"""Classification on real labelled Korean collections (``../shared/corpora``): munseo's default
``linear`` model against the textbook baseline, trained on ``train`` and measured on ``dev``.

- baseline (scikit-learn, here only): character 2–4-gram TF-IDF (``char_wb``, sublinear tf,
  min_df 2) on the first 3,000 characters, one ``LinearSVC(C=0.5)`` per task;
- munseo: ``munseo.classify.train`` with default options (the schema inferred from the training
  data, as ``munseo labels infer`` does), served by ONNX Runtime, evaluated by ``munseo evaluate``'s
  code: accuracy, macro-F1, F1 by training-frequency band, ECE, the review gate per threshold and
  the threshold that reaches 98% accuracy among auto-accepted documents;
- drift: bills of the 20th Assembly → bills of the 21st, with two mid-sized committees left out of
  training; accuracy on the known labels and the review share of the unseen-label documents;
- scale: 50,000 documents trained in a fresh process (time, peak memory); ONNX inference on one core;
- transformer (optional, reduced, its own section): the small encoder trained from scratch, the
  linear default and the baseline, each on the same random sample of ``train``.

Run: ``.venv/bin/python benchmarks/bench_classify_real.py`` (about 10 minutes on 2 cores without the
transformer; ``--transformer-docs 3000`` adds it, ``--transformer-only`` runs only that).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.classify import Classifier, Example, TrainOptions, infer_schema, train
from munseo.classify.data import check_examples
from munseo.classify.evaluate import evaluate
from munseo.classify.options import TransformerOptions
from munseo.evaluate.classification import THRESHOLDS, macro_f1

console = Console(stderr=True)
HERE = Path(__file__).resolve()
CORPORA = HERE.parent.parent.parent / "shared" / "corpora"
FILES = {"bills": "kr-bills.jsonl.xz", "laws": "kr-laws.jsonl.xz"}
SECTION = "Classification: real corpora"
TRANSFORMER_SECTION = "Classification: real corpora, transformer backend"


def load_corpus(folder: Path, name: str) -> list[dict]:
    path = folder / FILES[name]
    if not path.is_file():
        raise SystemExit(f"{path} is missing: this benchmark needs the shared real corpora (see its README)")
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def examples_of(rows: list[dict]) -> list[Example]:
    return [Example(r["text"], dict(r["labels"]), r["id"]) for r in rows]


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# --- workers in fresh processes ------------------------------------------------------------------


def worker_train(args: argparse.Namespace) -> None:
    """Train munseo's default model on a JSONL file: time and peak memory of this process."""
    from munseo.classify import load_dataset

    records = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    schema, _ = infer_schema(r["labels"] for r in records)
    options = TrainOptions()
    if args.backend == "transformer":
        options = TrainOptions(
            backend="transformer",
            transformer=TransformerOptions(
                epochs=args.transformer_epochs, chunk_tokens=128, max_chunks=4, learning_rate=1e-3, threads=2
            ),
        )
    started = time.perf_counter()
    dataset = load_dataset([args.data], schema)
    train(dataset, schema, Path(args.out), options)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mib": _peak_rss_mib()}))


def worker_throughput(args: argparse.Namespace) -> None:
    """Documents/s of the ONNX model on one core, batches of 32."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    texts = [json.loads(line)["text"] for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    classifier = Classifier(args.model, threads=1)
    classifier.logits(texts[:32])
    started, done = time.perf_counter(), 0
    while time.perf_counter() - started < 10:
        for start in range(0, len(texts), 32):
            classifier.logits(texts[start : start + 32])
        done += len(texts)
    print(json.dumps({"docs_per_s": done / (time.perf_counter() - started), "peak_rss_mib": _peak_rss_mib()}))


def _subprocess(*arguments: str) -> dict[str, Any]:
    run = subprocess.run([sys.executable, str(HERE), *arguments], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"worker {arguments[:2]} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps({"text": r["text"], "labels": r["labels"]}, ensure_ascii=False) + "\n")
    return path


# --- the baseline --------------------------------------------------------------------------------


def baseline_vectorizer() -> Any:
    """The baseline's features: character 2–4-grams inside words, sublinear tf, min_df 2 (fit it on
    ``baseline_texts``)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)


def baseline_texts(rows: list[dict]) -> list[str]:
    return [r["text"][:3000] for r in rows]


def baseline_svm(x_train: Any, train_rows: list[dict], task: str) -> Any:
    """The baseline's ``LinearSVC(C=0.5)`` for one task, on the training rows that have its label."""
    from sklearn.svm import LinearSVC

    rows = [i for i, r in enumerate(train_rows) if task in r["labels"]]
    return LinearSVC(C=0.5).fit(x_train[rows], [train_rows[i]["labels"][task] for i in rows])


def baseline(train_rows: list[dict], test_rows: list[dict], tasks: list[str]) -> tuple[dict[str, np.ndarray], float]:
    """Predicted labels per task of the textbook baseline, and its training time."""
    started = time.perf_counter()
    vectorizer = baseline_vectorizer()
    x_train = vectorizer.fit_transform(baseline_texts(train_rows))
    models = {task: baseline_svm(x_train, train_rows, task) for task in tasks}
    seconds = time.perf_counter() - started
    x_test = vectorizer.transform(baseline_texts(test_rows))
    return {task: model.predict(x_test) for task, model in models.items()}, seconds


def _scores(truth: list[str], predicted: list[str] | np.ndarray, labels: list[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 (labels present in the truth or the predictions) on label names."""
    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[t] for t in truth])
    p = np.array([index.get(str(x), len(labels)) for x in predicted])
    return float(np.mean(y == p)), macro_f1(y, p, len(labels) + 1)


# --- one corpus ----------------------------------------------------------------------------------


def run_corpus(name: str, rows: list[dict], work: Path) -> dict[str, Any]:
    train_rows = [r for r in rows if r["split"] == "train"]
    dev_rows = [r for r in rows if r["split"] == "dev"]
    schema, counts = infer_schema(r["labels"] for r in train_rows)
    console.print(f"[bold]{name}[/bold]: {len(train_rows)} train, {len(dev_rows)} dev; baseline")
    predicted, baseline_seconds = baseline(train_rows, dev_rows, schema.task_names)
    console.print("  munseo train")
    folder = work / name
    figures = _subprocess(
        "--worker", "train", "--data", str(_write_jsonl(work / f"{name}.jsonl", train_rows)), "--out", str(folder)
    )
    classifier = Classifier(folder)
    dataset = check_examples(examples_of(dev_rows), schema, ["dev"], keep_unseen=True)
    evaluation = evaluate(classifier, dataset)
    tasks = {}
    for task in schema.task_names:
        known = [i for i, r in enumerate(dev_rows) if r["labels"].get(task) in set(schema.labels(task))]
        truth = [dev_rows[i]["labels"][task] for i in known]
        base = _scores(truth, predicted[task][known], list(schema.labels(task)))
        metrics = evaluation.tasks[task]
        baseline_per_class = _baseline_bands(truth, predicted[task][known], schema.labels(task), counts[task])
        tasks[task] = {
            "labels": len(schema.labels(task)),
            "documents": len(known),
            "baseline": base,
            "munseo": (metrics.accuracy, metrics.macro_f1),
            "ece": (metrics.ece_uncalibrated, metrics.ece),
            "coverage": metrics.coverage,
            "target": metrics.extra["threshold_for_target"],
            "bands": metrics.extra.get("bands", []),
            "baseline_bands": baseline_per_class,
            "unseen": evaluation.unseen.get(task),
        }
    return {
        "train": len(train_rows),
        "dev": len(dev_rows),
        "baseline_seconds": baseline_seconds,
        "train_seconds": figures["seconds"],
        "peak_rss_mib": figures["peak_rss_mib"],
        "tasks": tasks,
        "review": evaluation.review,
    }


def _baseline_bands(
    truth: list[str], predicted: np.ndarray, labels: tuple[str, ...], counts: Counter[str]
) -> list[dict[str, Any]]:
    from munseo.evaluate.classification import band_metrics, task_metrics

    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[t] for t in truth])
    onehot = np.zeros((len(y), len(labels)))
    onehot[np.arange(len(y)), [index[str(p)] for p in predicted]] = 1.0
    per_class = task_metrics(labels, y, onehot).per_class
    return [vars(b) for b in band_metrics(per_class, dict(counts))]


# --- drift ---------------------------------------------------------------------------------------


def run_drift(rows: list[dict], work: Path, threshold: float) -> dict[str, Any]:
    """Train on the 20th Assembly's bills without two mid-sized committees; test on the 21st's."""
    old = [r for r in rows if r["meta"].get("assembly") == "20"]
    new = [r for r in rows if r["meta"].get("assembly") == "21"]
    by_size = Counter(r["labels"]["committee"] for r in old)
    in_both = set(r["labels"]["committee"] for r in new)
    ranked = [label for label, _ in by_size.most_common() if label in in_both]
    middle = len(ranked) // 2
    left_out = ranked[middle : middle + 2]
    train_rows = [r for r in old if r["labels"]["committee"] not in left_out]
    schema, _ = infer_schema(r["labels"] for r in train_rows)
    console.print(
        f"[bold]drift[/bold]: {len(train_rows)} bills of the 20th → {len(new)} of the 21st; left out {left_out}"
    )
    predicted, _ = baseline(train_rows, new, ["committee"])
    folder = work / "drift"
    _subprocess(
        "--worker", "train", "--data", str(_write_jsonl(work / "drift.jsonl", train_rows)), "--out", str(folder)
    )
    classifier = Classifier(folder, thresholds=threshold)
    dataset = check_examples(examples_of(new), schema, ["21st"], keep_unseen=True)
    evaluation = evaluate(classifier, dataset)
    known = [i for i, r in enumerate(new) if r["labels"]["committee"] in set(schema.labels("committee"))]
    base = _scores(
        [new[i]["labels"]["committee"] for i in known], predicted["committee"][known], list(schema.labels("committee"))
    )
    metrics = evaluation.tasks["committee"]
    unseen = evaluation.unseen.get("committee", {})
    return {
        "left_out": {label: by_size[label] for label in left_out},
        "train": len(train_rows),
        "test": len(new),
        "baseline": base,
        "munseo": (metrics.accuracy, metrics.macro_f1),
        "unseen": unseen,
        "threshold": threshold,
    }


# --- scale ---------------------------------------------------------------------------------------


def run_scale(rows: list[dict], work: Path, documents: int) -> dict[str, Any]:
    """``documents`` bills (all of them, then again from the start) trained in a fresh process;
    the model's ONNX inference on one core."""
    picked = [rows[i % len(rows)] for i in range(documents)]
    data = _write_jsonl(work / "scale.jsonl", picked)
    console.print(f"[bold]scale[/bold]: training on {documents} documents")
    figures = _subprocess("--worker", "train", "--data", str(data), "--out", str(work / "scale"))
    sample = _write_jsonl(work / "sample.jsonl", rows[:2000])
    speed = _subprocess("--worker", "throughput", "--data", str(sample), "--model", str(work / "scale"))
    return {"documents": documents, **figures, **{f"infer_{k}": v for k, v in speed.items()}}


def run_transformer(rows: list[dict], name: str, work: Path, documents: int, epochs: int) -> dict[str, Any]:
    """The transformer backend, the linear default and the baseline, each trained on the same random
    sample of ``train`` and measured on the whole ``dev`` split."""
    rng = np.random.default_rng(7)
    train_rows = [r for r in rows if r["split"] == "train"]
    dev_rows = [r for r in rows if r["split"] == "dev"]
    sample = [
        train_rows[i] for i in sorted(rng.choice(len(train_rows), min(documents, len(train_rows)), replace=False))
    ]
    schema, _ = infer_schema(r["labels"] for r in sample)
    data = _write_jsonl(work / f"sample-{name}.jsonl", sample)
    dataset = check_examples(examples_of(dev_rows), schema, ["dev"], keep_unseen=True)
    backends: dict[str, Any] = {}
    for backend in ("transformer", "linear"):
        console.print(f"[bold]{backend}[/bold] on {len(sample)} {name} documents")
        folder = work / f"{backend}-{name}"
        arguments = ["--worker", "train", "--data", str(data), "--out", str(folder), "--backend", backend]
        figures = _subprocess(*arguments, "--transformer-epochs", str(epochs))
        evaluation = evaluate(Classifier(folder), dataset)
        backends[backend] = {
            "seconds": figures["seconds"],
            "tasks": {task: (m.accuracy, m.macro_f1) for task, m in evaluation.tasks.items()},
        }
    predicted, seconds = baseline(sample, dev_rows, schema.task_names)
    tasks = {}
    for task in schema.task_names:
        known = [i for i, r in enumerate(dev_rows) if r["labels"].get(task) in set(schema.labels(task))]
        truth = [dev_rows[i]["labels"][task] for i in known]
        tasks[task] = _scores(truth, predicted[task][known], list(schema.labels(task)))
    backends["baseline"] = {"seconds": seconds, "tasks": tasks}
    return {"documents": len(sample), "epochs": epochs, "backends": backends}


# --- the report ----------------------------------------------------------------------------------


def _p(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}"


def report(results: dict[str, Any]) -> str:
    parts = []
    headers = ["corpus", "task", "labels", "dev docs", "baseline acc / F1", "munseo acc / F1", "Δ acc / Δ F1", "met"]
    rows = []
    for name, corpus in results["corpora"].items():
        for task, t in corpus["tasks"].items():
            (ba, bf), (ma, mf) = t["baseline"], t["munseo"]
            met = ma >= ba + 0.005 and mf >= bf + 0.02
            rows.append(
                [
                    name,
                    task,
                    str(t["labels"]),
                    str(t["documents"]),
                    f"{_p(ba, 2)} / {_p(bf, 2)}",
                    f"{_p(ma, 2)} / {_p(mf, 2)}",
                    f"{100 * (ma - ba):+.2f} / {100 * (mf - bf):+.2f}",
                    "yes" if met else "**no**",
                ]
            )
    print_table("baseline vs munseo (train → dev)", headers, rows)
    parts.append(
        "Trained on `train`, measured on `dev` (labels of dev absent from train are left out of both, and "
        "counted below). Target: accuracy ≥ baseline + 0.5 and macro-F1 ≥ baseline + 2 points.\n\n"
        + markdown_table(headers, rows)
    )

    headers = ["corpus", "train docs", "baseline train s", "munseo train s", "munseo peak MiB"]
    rows = [
        [name, str(c["train"]), f"{c['baseline_seconds']:.1f}", f"{c['train_seconds']:.1f}", f"{c['peak_rss_mib']:.0f}"]
        for name, c in results["corpora"].items()
    ]
    print_table("training", headers, rows)
    parts.append("### Training time\n\n" + markdown_table(headers, rows))

    headers = ["corpus", "task", "band (train examples)", "labels", "dev docs", "baseline F1", "munseo F1"]
    rows = []
    for name, corpus in results["corpora"].items():
        for task, t in corpus["tasks"].items():
            for band, base in zip(t["bands"], t["baseline_bands"], strict=True):
                rows.append(
                    [
                        name,
                        task,
                        band["band"],
                        str(band["labels"]),
                        str(band["documents"]),
                        _p(base["macro_f1"]),
                        _p(band["macro_f1"]),
                    ]
                )
    print_table("F1 by frequency band", headers, rows)
    parts.append("### Long tail: macro-F1 by training frequency band\n\n" + markdown_table(headers, rows))

    headers = [
        "corpus",
        "task",
        "ECE before → after",
        "threshold for 98%",
        "auto-accepted there",
        *[f"{t:.2f}" for t in THRESHOLDS],
    ]
    rows = []
    for name, corpus in results["corpora"].items():
        for task, t in corpus["tasks"].items():
            before, after = t["ece"]
            target = t["target"]
            rows.append(
                [
                    name,
                    task,
                    f"{before:.4f} → {after:.4f}",
                    "none" if target["threshold"] is None else f"{target['threshold']:.2f}",
                    _p(target["coverage"]),
                    *[f"{_p(p.coverage, 0)}% / {_p(p.accuracy)}" for p in t["coverage"]],
                ]
            )
    print_table("calibration and review gate", headers, rows)
    parts.append(
        "### Calibration and the review gate\n\nECE (15 bins) of the dev split before and after temperature "
        "scaling; the lowest threshold at which the auto-accepted documents are 98% right, and the share it "
        "auto-accepts; then, per threshold, the share auto-accepted / accuracy among them (%).\n\n"
        + markdown_table(headers, rows)
    )

    unseen_rows = []
    for name, corpus in results["corpora"].items():
        for task, t in corpus["tasks"].items():
            if t["unseen"]:
                u = t["unseen"]
                unseen_rows.append(
                    [name, task, str(u["documents"]), _p(u["review_share"]), _p(u["review_share_of_others"])]
                )
    if unseen_rows:
        headers = ["corpus", "task", "dev docs with a label not in train", "sent to review %", "others sent %"]
        parts.append("Dev labels that training never saw:\n\n" + markdown_table(headers, unseen_rows))

    drift = results.get("drift")
    if drift:
        u = drift["unseen"]
        (ba, bf), (ma, mf) = drift["baseline"], drift["munseo"]
        headers = [
            "train → test",
            "left out of training",
            "baseline acc / F1 (known)",
            "munseo acc / F1 (known)",
            "unseen-label docs sent to review",
            "other docs sent to review",
        ]
        rows = [
            [
                f"20th ({drift['train']}) → 21st ({drift['test']})",
                ", ".join(f"{label} ({n})" for label, n in drift["left_out"].items()),
                f"{_p(ba, 2)} / {_p(bf, 2)}",
                f"{_p(ma, 2)} / {_p(mf, 2)}",
                f"{_p(u.get('review_share'))}% of {u.get('documents', 0)}",
                f"{_p(u.get('review_share_of_others'))}%",
            ]
        ]
        print_table("drift", headers, rows)
        parts.append(
            "### Drift: 20th Assembly → 21st, committees unseen in training\n\n"
            f"Review threshold {drift['threshold']:.2f}; "
            "target: ≥ 70% of the unseen-label documents sent to review while ≤ 20% of the others are.\n\n"
            + markdown_table(headers, rows)
        )

    scale = results.get("scale")
    if scale:
        headers = ["documents", "train s", "peak MiB", "ONNX docs/s (1 core, batches of 32)"]
        rows = [
            [
                str(scale["documents"]),
                f"{scale['seconds']:.1f}",
                f"{scale['peak_rss_mib']:.0f}",
                f"{scale['infer_docs_per_s']:.0f}",
            ]
        ]
        print_table("scale", headers, rows)
        parts.append(
            "### Scale\n\nBills (all 40,317, then again from the start) trained with `munseo train`'s code in a "
            "fresh process on 2 cores; targets ≤ 120 s, ≤ 2 GB, ≥ 1,000 docs/s.\n\n" + markdown_table(headers, rows)
        )

    return "\n\n".join(parts)


def transformer_report(results: dict[str, Any]) -> str:
    headers = ["corpus", "train docs (sample)", "task", "transformer acc / F1", "linear acc / F1", "baseline acc / F1"]
    rows, times = [], []
    for name, t in results.items():
        runs = t["backends"]
        for task in runs["linear"]["tasks"]:
            rows.append(
                [name, str(t["documents"]), task]
                + [f"{_p(runs[b]['tasks'][task][0], 2)} / {_p(runs[b]['tasks'][task][1], 2)}" for b in runs]
            )
        times.append([name, str(t["epochs"])] + [f"{runs[b]['seconds']:.0f}" for b in runs])
    print_table("transformer, linear and baseline on the same sample", headers, rows)
    time_headers = ["corpus", "transformer epochs", "transformer train s", "linear train s", "baseline train s"]
    print_table("training time on the sample", time_headers, times)
    return (
        "The small encoder trained from scratch (`--backend transformer`), munseo's linear default and the "
        "textbook baseline, each trained on the same random sample of `train` (2 CPU cores make a transformer "
        "run on all of it hours long) and measured on the whole `dev` split.\n\n"
        + markdown_table(headers, rows)
        + "\n\n"
        + markdown_table(time_headers, times)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of the shared real corpora")
    parser.add_argument("--scale-docs", type=int, default=50_000, help="documents of the scale run (0: skip)")
    parser.add_argument("--drift-threshold", type=float, default=0.70, help="review threshold of the drift case")
    parser.add_argument("--skip-drift", action="store_true")
    parser.add_argument("--transformer-docs", type=int, default=0, help="transformer sample size (0: skip)")
    parser.add_argument("--transformer-epochs", type=int, default=3)
    parser.add_argument(
        "--transformer-only", action="store_true", help="run only the transformer comparison (its own section)"
    )
    parser.add_argument("--every", type=int, default=1, help="keep every N-th document (a quick smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--worker", choices=["train", "throughput"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=["linear", "transformer"], default="linear", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "train":
        worker_train(args)
        return
    if args.worker == "throughput":
        worker_throughput(args)
        return
    corpora = {name: load_corpus(args.corpora, name)[:: args.every] for name in FILES}
    results: dict[str, Any] = {"corpora": {}}
    with tempfile.TemporaryDirectory(prefix="munseo-bench-real-") as tmp:
        work = Path(tmp)
        if not args.transformer_only:
            for name, rows in corpora.items():
                results["corpora"][name] = run_corpus(name, rows, work)
            if not args.skip_drift:
                results["drift"] = run_drift(corpora["bills"], work, args.drift_threshold)
            if args.scale_docs:
                results["scale"] = run_scale(corpora["bills"], work, args.scale_docs)
            body = report(results)
            if not args.no_write:
                write_section(SECTION, body, command_line())
        if args.transformer_docs:
            transformer = {
                name: run_transformer(rows, name, work, args.transformer_docs, args.transformer_epochs)
                for name, rows in corpora.items()
            }
            body = transformer_report(transformer)
            if not args.no_write:
                write_section(TRANSFORMER_SECTION, body, command_line())


if __name__ == "__main__":
    main()
