"""``munseo evaluate``: a model folder against labelled data, with a report (Markdown, PNG, JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from munseo.classify.calibration import softmax
from munseo.classify.data import Dataset
from munseo.classify.inference import Classifier
from munseo.classify.package import DATA_MANIFEST_FILE, write_json
from munseo.classify.train import targets_of
from munseo.evaluate.classification import (
    TaskMetrics,
    band_metrics,
    coverage_curve,
    markdown_table,
    plot_confusion,
    plot_reliability,
    task_markdown,
    task_metrics,
)


@dataclass
class Evaluation:
    model_version: str
    backend: str
    count: int
    tasks: dict[str, TaskMetrics]
    review: dict[str, Any]
    # task → documents whose label the model's schema does not have: how many, how many were sent
    # to review (the whole document flagged), and the count of each such label
    unseen: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_version,
            "backend": self.backend,
            "documents": self.count,
            "tasks": {task: metrics.to_dict() for task, metrics in self.tasks.items()},
            "review": self.review,
            "unseen_labels": self.unseen,
        }


def _manifest(classifier: Classifier) -> dict[str, Any]:
    path = classifier.folder / DATA_MANIFEST_FILE
    if not path.is_file():
        return {}
    return _read_manifest(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _read_manifest(path: str, _mtime_ns: int) -> dict[str, Any]:
    # read once per model folder (and again if the file changes): the review queue asks per request
    return json.loads(Path(path).read_text(encoding="utf-8"))


def training_counts(classifier: Classifier) -> dict[str, dict[str, int]]:
    """Training examples per label and task, from the model folder's data manifest ({} without one)."""
    return _manifest(classifier).get("train_counts", {})


def training_pairs(classifier: Classifier) -> dict[str, dict[str, int]]:
    """How often each two tasks' labels went together in training (``Dataset.label_pairs``), from
    the model folder's data manifest ({} without one, or for a model trained before it was kept)."""
    return _manifest(classifier).get("pair_counts", {})


def evaluate(classifier: Classifier, dataset: Dataset) -> Evaluation:
    """Per task metrics (calibrated; ECE before calibration too; F1 by training-frequency band) and
    the review gate over all tasks: the share of documents flagged for review and how right the
    auto-accepted ones are. Documents whose label a model has never seen (``Dataset.unseen``) are
    left out of that task's metrics and counted apart, with how many went to review."""
    examples = dataset.examples
    logits = classifier.task_logits(classifier.logits([e.text for e in examples]).astype(np.float64))
    counts = training_counts(classifier)
    tasks: dict[str, TaskMetrics] = {}
    flagged = np.zeros(len(examples), dtype=bool)
    all_right = np.ones(len(examples), dtype=bool)
    per_task: dict[str, dict[str, Any]] = {}
    unseen_rows: dict[str, np.ndarray] = {}
    for task, z in logits.items():
        probabilities = classifier.config.tasks[task].probabilities(z)
        flagged |= probabilities.max(axis=1) < classifier.thresholds[task]
        rows, targets = targets_of(examples, classifier.schema, task)
        known = set(classifier.schema.labels(task))
        unseen_rows[task] = np.array(
            [i for i, e in enumerate(examples) if task in e.labels and e.labels[task] not in known], dtype=np.int64
        )
        tasks[task] = task_metrics(classifier.schema.labels(task), targets, probabilities[rows], softmax(z[rows]))
        if task in counts:
            tasks[task].extra["bands"] = [asdict(b) for b in band_metrics(tasks[task].per_class, counts[task])]
        point = coverage_curve(
            probabilities[rows].max(axis=1),
            probabilities[rows].argmax(axis=1) == targets,
            [classifier.thresholds[task]],
        )[0]
        per_task[task] = asdict(point)
        right = np.ones(len(examples), dtype=bool)
        right[rows] = probabilities[rows].argmax(axis=1) == targets
        right[unseen_rows[task]] = False
        all_right &= right
    accepted = ~flagged
    unseen: dict[str, dict[str, Any]] = {}
    for task, rows in unseen_rows.items():
        if len(rows):
            seen_rows = np.setdiff1d(np.arange(len(examples)), rows)
            unseen[task] = {
                "documents": len(rows),
                "sent_to_review": int(flagged[rows].sum()),
                "review_share": float(flagged[rows].mean()),
                "review_share_of_others": float(flagged[seen_rows].mean()) if len(seen_rows) else None,
                "labels": dict(dataset.unseen.get(task, {})),
            }
    review = {
        "thresholds": classifier.thresholds,
        "needs_review_share": float(flagged.mean()) if len(examples) else 0.0,
        "auto_accepted": int(accepted.sum()),
        "accuracy_auto_accepted": float(all_right[accepted].mean()) if accepted.any() else None,
        "accuracy_all_tasks": float(all_right.mean()) if len(examples) else 0.0,
        "per_task": per_task,
    }
    return Evaluation(classifier.version, classifier.backend, len(examples), tasks, review, unseen)


def write_report(evaluation: Evaluation, folder: Path, data_sources: list[str]) -> Path:
    """Confusion matrices (PNG, JSON), reliability diagrams (PNG), metrics.json and report.md."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for task, metrics in evaluation.tasks.items():
        confusion_png, reliability_png = f"confusion_{task}.png", f"reliability_{task}.png"
        plot_confusion(metrics, task, folder / confusion_png)
        plot_reliability(metrics, task, folder / reliability_png)
        write_json(
            folder / f"confusion_{task}.json",
            {"labels": metrics.labels, "rows_true_columns_predicted": metrics.confusion},
        )
        sections.append(
            task_markdown(task, metrics, {"confusion matrix": confusion_png, "reliability diagram": reliability_png})
        )
    write_json(folder / "metrics.json", evaluation.to_dict())
    review = evaluation.review
    accepted = review["accuracy_auto_accepted"]
    thresholds = ", ".join(f"{task} {value:.2f}" for task, value in review["thresholds"].items())
    header = [
        f"# Evaluation of {evaluation.model_version} ({evaluation.backend})",
        f"Data: {', '.join(data_sources)} — {evaluation.count} documents.",
        "## Review gate",
        f"Thresholds: {thresholds}. {review['needs_review_share']:.1%} of documents need review "
        f"(a task below its threshold); the {review['auto_accepted']} auto-accepted have every task right in "
        f"{'–' if accepted is None else f'{accepted:.2%}'} of cases (all documents: "
        f"{review['accuracy_all_tasks']:.2%}).",
    ]
    for task, metrics in evaluation.tasks.items():
        bands = metrics.extra.get("bands")
        if bands:
            header.append(f"## {task}: F1 by training frequency")
            header.append(
                markdown_table(
                    ["training examples", "labels", "test documents", "macro-F1"],
                    [
                        [
                            b["band"],
                            str(b["labels"]),
                            str(b["documents"]),
                            "–" if b["macro_f1"] is None else f"{b['macro_f1']:.4f}",
                        ]
                        for b in bands
                    ],
                )
            )
    for task, found in evaluation.unseen.items():
        header.append(
            f"## {task}: labels the model has never seen\n\n{found['documents']} documents "
            f"({', '.join(f'{label} {n}' for label, n in found['labels'].items())}); "
            f"{found['sent_to_review']} ({found['review_share']:.1%}) were sent to review "
            f"(other documents: {found['review_share_of_others']:.1%})."
        )
    report = folder / "report.md"
    report.write_text("\n\n".join(header + sections) + "\n", encoding="utf-8")
    return report
