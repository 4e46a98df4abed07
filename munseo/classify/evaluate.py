"""``munseo evaluate``: a model folder against labelled data, with a report (Markdown, PNG, JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from munseo.classify.calibration import softmax
from munseo.classify.data import Dataset
from munseo.classify.inference import Classifier
from munseo.classify.package import write_json
from munseo.classify.train import targets_of
from munseo.evaluate.classification import (
    TaskMetrics,
    coverage_curve,
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_version,
            "backend": self.backend,
            "documents": self.count,
            "tasks": {task: metrics.to_dict() for task, metrics in self.tasks.items()},
            "review": self.review,
        }


def evaluate(classifier: Classifier, dataset: Dataset) -> Evaluation:
    """Per task metrics (calibrated; ECE before calibration too) and the review gate over all tasks:
    the share of documents flagged for review and how right the auto-accepted ones are."""
    examples = dataset.examples
    logits = classifier.task_logits(classifier.logits([e.text for e in examples]).astype(np.float64))
    tasks: dict[str, TaskMetrics] = {}
    flagged = np.zeros(len(examples), dtype=bool)
    all_right = np.ones(len(examples), dtype=bool)
    per_task: dict[str, dict[str, Any]] = {}
    for task, z in logits.items():
        temperature = classifier.config.tasks[task].temperature
        probabilities = softmax(z, temperature)
        flagged |= probabilities.max(axis=1) < classifier.thresholds[task]
        rows, targets = targets_of(examples, classifier.schema, task)
        tasks[task] = task_metrics(classifier.schema.labels(task), targets, probabilities[rows], softmax(z[rows]))
        point = coverage_curve(
            probabilities[rows].max(axis=1),
            probabilities[rows].argmax(axis=1) == targets,
            [classifier.thresholds[task]],
        )[0]
        per_task[task] = asdict(point)
        right = np.ones(len(examples), dtype=bool)
        right[rows] = probabilities[rows].argmax(axis=1) == targets
        all_right &= right
    accepted = ~flagged
    review = {
        "thresholds": classifier.thresholds,
        "needs_review_share": float(flagged.mean()) if len(examples) else 0.0,
        "auto_accepted": int(accepted.sum()),
        "accuracy_auto_accepted": float(all_right[accepted].mean()) if accepted.any() else None,
        "accuracy_all_tasks": float(all_right.mean()) if len(examples) else 0.0,
        "per_task": per_task,
    }
    return Evaluation(classifier.version, classifier.backend, len(examples), tasks, review)


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
    report = folder / "report.md"
    report.write_text("\n\n".join(header + sections) + "\n", encoding="utf-8")
    return report
