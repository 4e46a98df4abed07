"""Classification: accuracy, calibration and the review gate on OCR'd synthetic documents, a
long-tail corpus for the linear backend, and inference throughput of the ONNX models.

- synth: ``munseo.synth.generate(difficulty="realistic")`` train and test sets (seeds apart), every
  file read by munseo (text layer or OCR); the OCR'd text is cached on disk, keyed by the preset's knobs,
  seed, count and scan ratio, so reruns skip generation and OCR. Backends: linear (char n-grams), linear (kiwipiepy
  morphemes), transformer (small encoder from scratch). Unknown inputs (receipts, cards, blank
  pages) are added to the test set to see how many the review gate catches.
- long tail: a generated corpus of long Korean-syllable documents, one task with ``--corpus-labels``
  Zipf-distributed labels (the rarest with a handful of examples) and one with 7; ``munseo train``'s
  code in a fresh process, timed, with its peak memory.
- throughput: each model in its own process pinned to one core, batches of 32; the transformer's
  ONNX INT8 and PyTorch FP32 side by side on the same documents.

Run: ``.venv/bin/python benchmarks/bench_classify.py [--train N --test N ...]`` (defaults take about
15 minutes on 2 cores the first time, most of it OCR; the issue's 2,000/500 set is
``--train 2000 --test 500``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, write_section
from munseo.classify import Classifier, Example, TrainOptions, load_schema, train
from munseo.classify.data import Dataset, check_examples
from munseo.classify.evaluate import Evaluation, evaluate
from munseo.classify.features import FeatureConfig
from munseo.classify.options import DEFAULT_FEATURES, LinearOptions, TransformerOptions
from munseo.evaluate.classification import THRESHOLDS

console = Console(stderr=True)
HERE = Path(__file__).resolve()
PRESET = "realistic"  # the synth difficulty issue 5's targets are set on


# --- synthetic documents, read by munseo ---------------------------------------------------------


def read_documents(folder: Path, workers: int, done_file: Path) -> tuple[dict[str, str], list[str]]:
    """Every file of a synth folder through munseo's ingest + OCR + clean: id → document text, and
    the pages that failed (each named with its reason; its text is left empty and the run goes on,
    as munseo records a failed document and goes on with the batch).

    Each document is appended to ``done_file`` as soon as all its pages are read, and documents
    already there are not read again: a run stopped part way (the 2,000 training documents take
    most of an hour) goes on where it stopped."""
    from munseo.config import Settings
    from munseo.ingest import inspect_file
    from munseo.pipeline import PageProcessor, batch_jobs, limits_from
    from munseo.text import merge_pages

    settings = Settings()
    done = []
    for line in done_file.read_text(encoding="utf-8").splitlines() if done_file.exists() else []:
        try:
            done.append(json.loads(line))
        except json.JSONDecodeError:
            break  # the line a stopped run was writing
    read = {d["id"] for d in done}
    records = [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    sources, owner = [], {}
    for record in records:
        if record["id"] not in read:
            source = inspect_file(folder / record["file"], limits_from(settings), settings.dpi)
            owner[source.path] = record["id"]
            sources.append(source)
    total = sum(source.page_count for source in sources)
    if read:
        console.print(f"  {len(read)} documents read before; {len(sources)} to go ({total} pages)")
    pages: dict[str, dict[int, str]] = defaultdict(dict)
    failures: dict[str, list[str]] = defaultdict(list)
    started, count = time.perf_counter(), 0
    with PageProcessor(settings, workers=workers) as processor, done_file.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in done)
        for outcome in processor.run(batch_jobs(sources, settings, None)):
            doc, text = owner[outcome.job.source.path], outcome.clean_text
            if outcome.error:
                failures[doc].append(f"{outcome.job.source.path.name}: {outcome.error}")
                console.print(f"  [red]failed[/red] {failures[doc][-1]}")
                text = ""
            pages[doc][outcome.job.index] = text
            if len(pages[doc]) == outcome.job.source.page_count:
                texts = pages.pop(doc)
                text = merge_pages([texts[i] for i in sorted(texts)])
                entry = {"id": doc, "text": text, "failed": failures.pop(doc, [])}
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                out.flush()
                done.append(entry)
            count += 1
            if count % 100 == 0:
                console.print(f"  read {count}/{total} pages ({count / (time.perf_counter() - started):.2f}/s)")
    return {d["id"]: d["text"] for d in done}, [reason for d in done for reason in d["failed"]]


def synth_set(
    cache: Path, count: int, seed: int, scan_ratio: float, unknown: int, workers: int
) -> tuple[list[Example], list[str], dict[str, Any]]:
    """(labelled examples, texts of the unknown inputs, facts) of one cached synth set."""
    from munseo.synth import generate
    from munseo.synth.difficulty import difficulty

    # the preset's knobs are part of the key: a retuned preset must not reuse an older set's texts
    knobs = hashlib.sha256(repr(difficulty(PRESET)).encode()).hexdigest()[:8]
    folder = cache / f"{PRESET}-{knobs}-seed{seed}-n{count}-scan{scan_ratio:g}-unknown{unknown}"
    manifest = folder / "manifest.jsonl"
    texts_file = folder / "texts.jsonl"
    failed_file = folder / "failed-pages.json"
    facts: dict[str, Any] = {}
    if not manifest.exists():
        console.print(f"generating {count} documents (seed {seed}) in {folder}")
        started = time.perf_counter()
        generate(folder, count, seed=seed, scan_ratio=scan_ratio, difficulty=PRESET, include_unknown=unknown)
        facts["generate_s"] = time.perf_counter() - started
    if not texts_file.exists():
        console.print(f"reading {folder.name} with munseo (ingest, OCR, clean)")
        started = time.perf_counter()
        partial = folder / "texts.partial.jsonl"
        texts, failed = read_documents(folder, workers, partial)
        facts["read_s"] = time.perf_counter() - started
        failed_file.write_text(json.dumps(failed, ensure_ascii=False), encoding="utf-8")
        texts_file.write_text(
            "".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in texts.items()),
            encoding="utf-8",
        )
        partial.unlink()
    texts = {r["id"]: r["text"] for r in map(json.loads, texts_file.read_text(encoding="utf-8").splitlines())}
    records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    examples, unknown_texts = [], []
    for number, record in enumerate(records, 1):
        if record["kind"] != "document":
            unknown_texts.append(texts[record["id"]])
        else:
            examples.append(Example(texts[record["id"]], record["labels"], f"{manifest}:{number}"))
    facts.update(
        failed=json.loads(failed_file.read_text(encoding="utf-8")) if failed_file.exists() else [],
        documents=len(examples),
        pages=sum(r["page_count"] for r in records if r["kind"] == "document"),
        scanned=sum(not r["born_digital"] for r in records if r["kind"] == "document"),
        chars=float(np.mean([len(e.text) for e in examples])),
    )
    return examples, unknown_texts, facts


# --- long-tail corpus ----------------------------------------------------------------------------


def longtail_corpus(train_docs: int, test_docs: int, labels: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Long documents of Korean-syllable words. Task ``subject``: ``labels`` classes with Zipf
    (s=1.3) frequencies, at least 3 training examples each; task ``kind``: 7 classes. Each word is
    the subject's own vocabulary (6%), another subject's (3%), the kind's (2%) or common words."""
    rng = np.random.default_rng(seed)
    syllables = np.array([chr(c) for c in rng.choice(np.arange(0xAC00, 0xD7A4), 900, replace=False)])

    def words(n: int) -> np.ndarray:
        lengths = rng.integers(2, 5, n)
        return np.array(["".join(rng.choice(syllables, k)) for k in lengths])

    common = words(5000)
    common_p = 1.0 / np.arange(1, len(common) + 1) ** 1.05
    common_p /= common_p.sum()
    pool = words(8000)
    subject_words = [pool[rng.choice(len(pool), 40, replace=False)] for _ in range(labels)]
    kind_words = [words(25) for _ in range(7)]
    names = [f"주제{i:03d}" for i in range(labels)]
    zipf = 1.0 / np.arange(1, labels + 1) ** 1.3
    train_counts = np.maximum(3, np.round(zipf / zipf.sum() * train_docs)).astype(int)
    test_counts = np.maximum(2, np.round(zipf / zipf.sum() * test_docs)).astype(int)

    def document(subject: int) -> dict:
        kind = int(rng.integers(7))
        n = int(rng.integers(400, 2500))
        out = common[rng.choice(len(common), n, p=common_p)]
        roll = rng.random(n)
        own = roll < 0.06
        out[own] = rng.choice(subject_words[subject], own.sum())
        other = (roll >= 0.06) & (roll < 0.09)
        for i in np.flatnonzero(other):
            out[i] = rng.choice(subject_words[int(rng.integers(labels))])
        kinds = (roll >= 0.09) & (roll < 0.11)
        out[kinds] = rng.choice(kind_words[kind], kinds.sum())
        text = " ".join(out)
        return {"text": text, "labels": {"subject": names[subject], "kind": f"유형{kind}"}}

    train_set = [document(s) for s, c in enumerate(train_counts) for _ in range(c)]
    test_set = [document(s) for s, c in enumerate(test_counts) for _ in range(c)]
    return train_set, test_set


def _peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def worker_longtail(args: argparse.Namespace) -> None:
    """In a fresh process: train the linear model on the corpus, report time and peak memory."""
    from munseo.classify import infer_schema, load_dataset

    records = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    schema, _ = infer_schema(r["labels"] for r in records)
    schema.save(Path(args.out).with_suffix(".labels.json"))
    before = _peak_rss_mib()
    started = time.perf_counter()
    dataset = load_dataset([args.data], schema)
    train(dataset, schema, Path(args.out), TrainOptions(dev_fraction=0.1))
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "peak_rss_mib": _peak_rss_mib(),
                "rss_before_mib": before,
                "cpu_s": sum(os.times()[:2]),
            }
        )
    )


# --- throughput ----------------------------------------------------------------------------------


def worker_throughput(args: argparse.Namespace) -> None:
    """In a fresh process pinned to one core: documents/s of one model, accuracy, peak memory."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    records = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in records]
    if args.runtime == "pytorch":
        import torch

        from munseo.classify.transformer import TorchClassifier

        torch.set_num_threads(1)
        model = TorchClassifier(Path(args.model))
        schema = model.schema

        def run(batch: list[str]) -> np.ndarray:
            return model.logits(batch)
    else:
        classifier = Classifier(args.model, precision=args.runtime, threads=1)
        schema = classifier.schema

        def run(batch: list[str]) -> np.ndarray:
            return classifier.logits(batch)

    run(texts[:32])  # warm-up
    logits, started = [], time.perf_counter()
    repeats = 0
    while True:
        for start in range(0, len(texts), 32):
            logits.append(run(texts[start : start + 32]))
        repeats += 1
        if time.perf_counter() - started > args.min_seconds:
            break
    seconds = time.perf_counter() - started
    predicted = np.concatenate(logits[: -(-len(texts) // 32)])
    accuracy, start = {}, 0
    for task in schema.task_names:
        stop = start + len(schema.labels(task))
        truth = np.array([schema.index(task, r["labels"][task]) for r in records])
        accuracy[task] = float(np.mean(predicted[:, start:stop].argmax(1) == truth))
        start = stop
    print(
        json.dumps(
            {"docs_per_s": repeats * len(texts) / seconds, "peak_rss_mib": _peak_rss_mib(), "accuracy": accuracy}
        )
    )


def _subprocess(*arguments: str) -> dict[str, Any]:
    run = subprocess.run([sys.executable, str(HERE), *arguments], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"worker {arguments[:2]} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _write_jsonl(path: Path, examples: list[Example] | list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for e in examples:
            record = e if isinstance(e, dict) else {"text": e.text, "labels": e.labels}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


# --- the report ----------------------------------------------------------------------------------


def _pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}%}"


def _evaluation_rows(name: str, seconds: float, evaluation: Evaluation, unknown: np.ndarray | None) -> list[list[str]]:
    rows = []
    for task, m in evaluation.tasks.items():
        rows.append(
            [
                name,
                f"{seconds:.1f}",
                task,
                f"{m.accuracy:.4f}",
                f"{m.macro_f1:.4f}",
                f"{m.ece_uncalibrated:.4f} → {m.ece:.4f}",
                _pct(evaluation.review["needs_review_share"]),
                _pct(evaluation.review["accuracy_auto_accepted"], 2),
                "–" if unknown is None else f"{int(unknown.sum())}/{len(unknown)}",
            ]
        )
    return rows


def _unknown_flagged(classifier: Classifier, texts: list[str]) -> np.ndarray:
    return np.array([p.needs_review for p in classifier.predict(texts)], dtype=bool) if texts else np.empty(0, bool)


def _threshold_sweep(classifier: Classifier, dataset: Dataset) -> list[tuple[float, float, float | None]]:
    """(threshold, share auto-accepted, share of those with every task right) for thresholds 0.50–0.95."""
    texts = [e.text for e in dataset.examples]
    probabilities = classifier.probabilities(texts)
    confidence = np.min([p.max(axis=1) for p in probabilities.values()], axis=0)
    right = np.all(
        [
            p.argmax(axis=1) == [classifier.schema.index(task, e.labels[task]) for e in dataset.examples]
            for task, p in probabilities.items()
        ],
        axis=0,
    )
    sweep = []
    for threshold in THRESHOLDS:
        accepted = confidence >= threshold
        sweep.append((threshold, float(accepted.mean()), float(right[accepted].mean()) if accepted.any() else None))
    return sweep


def _describe(features: FeatureConfig) -> str:
    """A feature set in a few words, for a table's row: "char_wb 2–4-grams, first 100 characters apart"."""
    words = f"{features.analyzer} {features.ngram_min}–{features.ngram_max}-grams"
    if features.head_chars:
        words += f", first {features.head_chars} characters apart"
    return words


def run_synth(args: argparse.Namespace, work: Path) -> tuple[str, dict[str, Path], list[Example]]:
    schema = load_schema()
    train_examples, _, train_facts = synth_set(
        args.cache, args.train, args.train_seed, args.scan_ratio, 0, args.workers
    )
    test_examples, unknown_texts, test_facts = synth_set(
        args.cache, args.test, args.test_seed, args.scan_ratio, args.unknown, args.workers
    )
    train_set = check_examples(train_examples, schema, ["synth train"])
    test_set = check_examples(test_examples, schema, ["synth test"])
    # (row name, model folder, options); the first is munseo's default and gives the gate's sweep
    variants: list[tuple[str, str, TrainOptions]] = [
        (f"linear (default), {_describe(DEFAULT_FEATURES)}", "linear", TrainOptions(quantize=True))
    ]
    if not args.skip_morph:
        morph = LinearOptions(features=FeatureConfig(analyzer="morph", ngram_max=2))
        variants.append(("linear, kiwipiepy morphemes 1–2-grams", "morph", TrainOptions(linear=morph)))
    if not args.skip_transformer:
        variants.append(
            (
                "transformer (from scratch)",
                "transformer",
                TrainOptions(
                    backend="transformer",
                    quantize=True,
                    transformer=TransformerOptions(
                        chunk_tokens=128, max_chunks=4, epochs=args.epochs, learning_rate=1e-3, threads=args.threads
                    ),
                ),
            )
        )
    rows, models, sweep = [], {}, []
    for index, (name, key, options) in enumerate(variants):
        console.print(f"training {name}")
        folder = work / key
        result = train(train_set, schema, folder, options, log=lambda line: console.print(f"  {line}"))
        classifier = Classifier(folder)
        evaluation = evaluate(classifier, test_set)
        rows += _evaluation_rows(name, result.seconds, evaluation, _unknown_flagged(classifier, unknown_texts))
        if index == 0:
            sweep = _threshold_sweep(classifier, test_set)
        if key != "morph":
            models[options.backend] = folder
        console.print(f"  done in {result.seconds:.1f} s")
    facts = (
        f"Train: {train_facts['documents']} documents (seed {args.train_seed}), test: {test_facts['documents']} "
        f"(seed {args.test_seed}) plus {len(unknown_texts)} unknown inputs; difficulty {PRESET}; "
        f"{train_facts['scanned'] + test_facts['scanned']} scanned documents OCR'd by munseo, the rest read from their "
        f"text layer; {test_facts['chars']:.0f} characters per test document on average."
    )
    if "read_s" in train_facts or "read_s" in test_facts:
        seconds = train_facts.get("read_s", 0) + test_facts.get("read_s", 0)
        facts += f" Reading them (ingest + OCR) took {seconds:.0f} s in this run (cached for the next)."
    failed = train_facts["failed"] + test_facts["failed"]
    if failed:
        named = "; ".join(failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
        facts += f" Pages munseo could not read (their text left empty): {len(failed)} ({named})."
    sweep_table = markdown_table(
        ["review threshold (every task)", "auto-accepted", "all tasks right among them"],
        [[f"{t:.2f}", _pct(share), _pct(right, 2)] for t, share, right in sweep],
    )
    body = "\n\n".join(
        [
            facts,
            markdown_table(
                [
                    "model",
                    "train s",
                    "task",
                    "accuracy",
                    "macro-F1",
                    "ECE before → after calibration",
                    "needs review (0.70)",
                    "all tasks right among auto-accepted",
                    "unknown inputs flagged",
                ],
                rows,
            ),
            "The review gate of the linear model at other thresholds (a document is auto-accepted when every "
            "task's calibrated confidence reaches the threshold):",
            sweep_table,
        ]
    )
    return body, models, test_examples


def run_longtail(args: argparse.Namespace, work: Path) -> str:
    console.print(f"long-tail corpus: {args.corpus_docs} + {args.corpus_test} documents, {args.corpus_labels} labels")
    train_records, test_records = longtail_corpus(args.corpus_docs, args.corpus_test, args.corpus_labels, seed=7)
    data = _write_jsonl(work / "longtail-train.jsonl", train_records)
    out = work / "longtail-model"
    figures = _subprocess("--worker", "longtail", "--data", str(data), "--out", str(out))
    schema = load_schema(out / "label_mappings.json")
    test = check_examples(
        [Example(r["text"], r["labels"], f"test {i}") for i, r in enumerate(test_records)], schema, ["long-tail test"]
    )
    evaluation = evaluate(Classifier(out), test)
    train_counts = Counter(r["labels"]["subject"] for r in train_records)
    chars = np.mean([len(r["text"]) for r in train_records])
    rows = [[task, f"{m.accuracy:.4f}", f"{m.macro_f1:.4f}", f"{m.ece:.4f}"] for task, m in evaluation.tasks.items()]
    subject = evaluation.tasks["subject"]
    tail = [label for label, n in train_counts.items() if n <= 10]
    tail_f1 = np.mean([subject.per_class[label].f1 for label in tail]) if tail else float("nan")
    by_count = sorted(train_counts, key=lambda label: -train_counts[label])
    shown = by_count[:5] + by_count[-8:]
    per_class = [
        [
            label,
            str(train_counts[label]),
            str(subject.per_class[label].support),
            f"{subject.per_class[label].precision:.3f}",
            f"{subject.per_class[label].recall:.3f}",
            f"{subject.per_class[label].f1:.3f}",
        ]
        for label in shown
    ]
    return "\n\n".join(
        [
            f"{len(train_records)} training documents ({chars:.0f} characters on average), {len(test_records)} test "
            f"documents; task `subject` has {args.corpus_labels} labels from {max(train_counts.values())} down to "
            f"{min(train_counts.values())} training examples ({len(tail)} labels with ≤ 10), task `kind` 7. "
            "The corpus is generated (no real corpus can be fetched here): words of Korean syllables, each "
            "subject with its own 40 words at 6% of the text, 3% of words from other subjects.",
            f"Training (`munseo train` code, linear, fresh process): **{figures['seconds']:.1f} s** "
            f"({figures['cpu_s']:.0f} s of CPU), peak memory "
            f"**{figures['peak_rss_mib']:.0f} MiB** (the process held {figures['rss_before_mib']:.0f} MiB before "
            "loading the data).",
            markdown_table(["task", "accuracy", "macro-F1", "ECE"], rows),
            f"Mean F1 of the {len(tail)} tail labels (≤ 10 training examples): {tail_f1:.3f}. The 5 most and 8 least "
            "frequent labels:",
            markdown_table(["label", "train", "test", "precision", "recall", "F1"], per_class),
        ]
    )


def run_throughput(args: argparse.Namespace, work: Path, models: dict[str, Path], test: list[Example]) -> str:
    data = _write_jsonl(work / "throughput.jsonl", test)
    chars = np.mean([len(e.text) for e in test])
    rows = []
    runs = []
    if "linear" in models:
        runs += [("linear", "ONNX FP32", "fp32"), ("linear", "ONNX INT8", "int8")]
    if "transformer" in models:
        runs += [
            ("transformer", "PyTorch FP32", "pytorch"),
            ("transformer", "ONNX FP32", "fp32"),
            ("transformer", "ONNX INT8", "int8"),
        ]
    results = {}
    for backend, name, runtime in runs:
        console.print(f"throughput: {backend} {name}")
        figures = _subprocess(
            "--worker",
            "throughput",
            "--model",
            str(models[backend]),
            "--data",
            str(data),
            "--runtime",
            runtime,
            "--min-seconds",
            str(args.min_seconds),
        )
        results[(backend, runtime)] = figures
        rows.append(
            [
                backend,
                name,
                f"{figures['docs_per_s']:.1f}",
                " / ".join(f"{v:.4f}" for v in figures["accuracy"].values()),
                f"{figures['peak_rss_mib']:.0f}",
            ]
        )
    notes = [
        f"{len(test)} test documents ({chars:.0f} characters on average), batches of 32, one process per row "
        "pinned to one core (ONNX Runtime and PyTorch with one thread); accuracy is institution / doc_type."
    ]
    if ("transformer", "pytorch") in results:
        fp32, int8 = results[("transformer", "pytorch")], results[("transformer", "int8")]
        speedup = int8["docs_per_s"] / fp32["docs_per_s"]
        loss = max(fp32["accuracy"][t] - int8["accuracy"][t] for t in fp32["accuracy"]) * 100
        notes.append(
            f"Transformer ONNX INT8 against PyTorch FP32: **{speedup:.2f}×** the throughput, accuracy "
            f"change at most **{loss:+.2f} points** (positive = lost)."
        )
    return "\n\n".join(
        [notes[0], markdown_table(["backend", "runtime", "documents/s", "accuracy", "peak RSS MiB"], rows), *notes[1:]]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=400, help="synth training documents (issue: 2000)")
    parser.add_argument("--test", type=int, default=200, help="synth test documents (issue: 500)")
    parser.add_argument("--train-seed", type=int, default=101)
    parser.add_argument("--test-seed", type=int, default=20202)
    parser.add_argument("--scan-ratio", type=float, default=0.5, help="share of scanned documents")
    parser.add_argument("--unknown", type=int, default=20, help="unknown inputs added to the test set")
    parser.add_argument("--workers", type=int, default=2, help="OCR processes")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training")
    parser.add_argument("--epochs", type=int, default=10, help="transformer epochs at most")
    parser.add_argument("--corpus-docs", type=int, default=5000, help="long-tail training documents")
    parser.add_argument("--corpus-test", type=int, default=1500, help="long-tail test documents")
    parser.add_argument("--corpus-labels", type=int, default=100, help="labels of the long-tail task")
    parser.add_argument("--min-seconds", type=float, default=10.0, help="time each throughput run at least this")
    parser.add_argument("--skip-transformer", action="store_true")
    parser.add_argument("--skip-morph", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path.home() / ".cache" / "munseo" / "bench_classify",
        help="generated documents and their OCR'd text",
    )
    # internal: the measurements that need a process of their own
    parser.add_argument("--worker", choices=["longtail", "throughput"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--runtime", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "longtail":
        worker_longtail(args)
        return
    if args.worker == "throughput":
        worker_throughput(args)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-classify-") as tmp:
        work = Path(tmp)
        body, models, test = run_synth(args, work)
        console.print(body)
        write_section("Classification: synthetic documents", body, command_line())
        body = run_throughput(args, work, models, test)
        console.print(body)
        write_section("Classification: inference throughput", body, command_line())
        if not args.skip_corpus:
            body = run_longtail(args, work)
            console.print(body)
            write_section("Classification: long-tail corpus (linear)", body, command_line())


if __name__ == "__main__":
    main()
