"""Classification metrics shared by tests and benchmarks: accuracy, macro-F1, per-class
precision/recall/F1, confusion matrix, expected calibration error, reliability diagram and the
coverage/accuracy trade-off of a review threshold. Labels are integer indices into a label list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.50 … 0.95
ECE_BINS = 15
# frequency bands of labels by their number of training examples: (name, fewest, most)
BANDS = (("≤10", 1, 10), ("11–100", 11, 100), (">100", 101, None))
TARGET_ACCURACY = 0.98  # the accuracy among auto-accepted documents a threshold is sought for


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class CoveragePoint:
    """Documents whose confidence is at least ``threshold``: their share and their accuracy."""

    threshold: float
    coverage: float
    accuracy: float | None
    count: int


@dataclass(frozen=True)
class BandMetrics:
    """Labels with ``fewest``–``most`` training examples: how many, their test documents, and the
    mean F1 over those of them that occur in the test data or the predictions."""

    band: str
    labels: int
    documents: int
    macro_f1: float | None


@dataclass(frozen=True)
class ThresholdChoice:
    """The lowest review threshold whose auto-accepted documents reach ``target`` accuracy (None
    when no threshold does), with the share it auto-accepts."""

    target: float
    threshold: float | None
    coverage: float
    accuracy: float | None


@dataclass
class TaskMetrics:
    labels: list[str]
    count: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassMetrics]
    confusion: list[list[int]]
    ece: float
    reliability: list[ReliabilityBin]
    coverage: list[CoveragePoint]
    ece_uncalibrated: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> np.ndarray:
    """Rows: true label, columns: predicted label."""
    matrix = np.zeros((n_labels, n_labels), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def precision_recall_f1(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    true_pos = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    support = matrix.sum(axis=1)
    precision = np.divide(true_pos, predicted, out=np.zeros_like(true_pos), where=predicted > 0)
    recall = np.divide(true_pos, support, out=np.zeros_like(true_pos), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(true_pos), where=total > 0)
    return precision, recall, f1, support


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> float:
    """Mean F1 over the labels that occur in the truth or the predictions (as scikit-learn does)."""
    matrix = confusion_matrix(y_true, y_pred, n_labels)
    _, _, f1, support = precision_recall_f1(matrix)
    present = (support > 0) | (matrix.sum(axis=0) > 0)
    return float(f1[present].mean()) if present.any() else 0.0


def _bin_edges(bins: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, bins + 1)


def _bin_of(confidences: np.ndarray, bins: int) -> np.ndarray:
    return np.clip(np.ceil(confidences * bins).astype(np.int64) - 1, 0, bins - 1)


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """Σ over equal-width confidence bins of (share of samples) × |accuracy − mean confidence|."""
    if len(confidences) == 0:
        return 0.0
    which = _bin_of(confidences, bins)
    conf_sum = np.bincount(which, weights=confidences, minlength=bins)
    correct_sum = np.bincount(which, weights=correct.astype(np.float64), minlength=bins)
    return float(np.abs(correct_sum - conf_sum).sum() / len(confidences))


def reliability(confidences: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[ReliabilityBin]:
    edges = _bin_edges(bins)
    which = _bin_of(confidences, bins)
    result = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        result.append(
            ReliabilityBin(
                float(edges[b]),
                float(edges[b + 1]),
                n,
                float(confidences[mask].mean()) if n else None,
                float(correct[mask].mean()) if n else None,
            )
        )
    return result


def coverage_curve(
    confidences: np.ndarray, correct: np.ndarray, thresholds: Sequence[float] = THRESHOLDS
) -> list[CoveragePoint]:
    points = []
    for threshold in thresholds:
        accepted = confidences >= threshold
        n = int(accepted.sum())
        points.append(
            CoveragePoint(
                float(threshold),
                n / len(confidences) if len(confidences) else 0.0,
                float(correct[accepted].mean()) if n else None,
                n,
            )
        )
    return points


def threshold_for(confidences: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCURACY) -> ThresholdChoice:
    """The lowest threshold on a 0.01 grid (0.00 … 0.99) at which the documents accepted reach
    ``target`` accuracy, and at least one is accepted."""
    for threshold in np.round(np.arange(0.0, 1.0, 0.01), 2):
        accepted = confidences >= threshold
        if accepted.any() and correct[accepted].mean() >= target:
            return ThresholdChoice(target, float(threshold), float(accepted.mean()), float(correct[accepted].mean()))
    return ThresholdChoice(target, None, 0.0, None)


def band_metrics(per_class: dict[str, ClassMetrics], train_counts: dict[str, int]) -> list[BandMetrics]:
    """F1 by frequency band of the training data (``BANDS``). A label with support 0 and F1 0 was
    neither in the test data nor predicted, and is left out of the band's mean."""
    result = []
    for name, fewest, most in BANDS:
        labels = [
            label
            for label, count in train_counts.items()
            if count >= fewest and (most is None or count <= most) and label in per_class
        ]
        scored = [per_class[label] for label in labels if per_class[label].support or per_class[label].precision]
        documents = sum(per_class[label].support for label in labels)
        mean = float(np.mean([m.f1 for m in scored])) if scored else None
        result.append(BandMetrics(name, len(labels), documents, mean))
    return result


def task_metrics(
    labels: Sequence[str],
    y_true: np.ndarray,
    probabilities: np.ndarray,
    uncalibrated: np.ndarray | None = None,
) -> TaskMetrics:
    """All figures of one task from true label indices and predicted distributions (n × labels)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = probabilities.argmax(axis=1) if len(y_true) else np.empty(0, dtype=np.int64)
    confidences = probabilities.max(axis=1) if len(y_true) else np.empty(0)
    correct = y_pred == y_true
    matrix = confusion_matrix(y_true, y_pred, len(labels))
    precision, recall, f1, support = precision_recall_f1(matrix)
    ece_before = None
    if uncalibrated is not None and len(y_true):
        ece_before = expected_calibration_error(uncalibrated.max(axis=1), uncalibrated.argmax(axis=1) == y_true)
    return TaskMetrics(
        labels=list(labels),
        count=len(y_true),
        accuracy=accuracy(y_true, y_pred),
        macro_f1=macro_f1(y_true, y_pred, len(labels)),
        per_class={
            label: ClassMetrics(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
            for i, label in enumerate(labels)
        },
        confusion=matrix.tolist(),
        ece=expected_calibration_error(confidences, correct),
        reliability=reliability(confidences, correct),
        coverage=coverage_curve(confidences, correct),
        ece_uncalibrated=ece_before,
        extra={"threshold_for_target": asdict(threshold_for(confidences, correct))},
    )


def _use_korean_font() -> None:
    import matplotlib
    from matplotlib import font_manager

    matplotlib.use("Agg")
    names = {f.name for f in font_manager.fontManager.ttflist}
    for candidate in ("NanumGothic", "Noto Sans CJK KR", "UnDotum"):
        if candidate in names:
            matplotlib.rcParams["font.family"] = [candidate, "DejaVu Sans"]
            break
    matplotlib.rcParams["axes.unicode_minus"] = False


def plot_confusion(metrics: TaskMetrics, title: str, path: Path) -> None:
    """Confusion matrix as a PNG: counts in the cells, rows normalised for the colour."""
    _use_korean_font()
    import matplotlib.pyplot as plt

    matrix = np.array(metrics.confusion, dtype=np.float64)
    n = len(metrics.labels)
    rows = matrix.sum(axis=1, keepdims=True)
    shade = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = min(4 + 0.45 * n, 40)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(shade, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), metrics.labels, rotation=60, ha="right", fontsize=8 if n <= 30 else 5)
    ax.set_yticks(range(n), metrics.labels, fontsize=8 if n <= 30 else 5)
    if n <= 30:
        for i in range(n):
            for j in range(n):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        int(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if shade[i, j] > 0.5 else "black",
                    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title}: accuracy {metrics.accuracy:.3f}, macro-F1 {metrics.macro_f1:.3f}")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_reliability(metrics: TaskMetrics, title: str, path: Path) -> None:
    """Reliability diagram: accuracy against mean confidence per bin, with the bin counts."""
    _use_korean_font()
    import matplotlib.pyplot as plt

    fig, (ax, counts) = plt.subplots(2, 1, figsize=(5.5, 6.5), height_ratios=[3, 1], sharex=True)
    centres = [(b.lower + b.upper) / 2 for b in metrics.reliability]
    width = metrics.reliability[0].upper - metrics.reliability[0].lower
    filled = [(c, b.accuracy) for c, b in zip(centres, metrics.reliability, strict=True) if b.accuracy is not None]
    ax.bar(
        [c for c, _ in filled],
        [a for _, a in filled],
        width=width * 0.9,
        color="#4c72b0",
        edgecolor="black",
        label="accuracy",
    )
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    for b, centre in zip(metrics.reliability, centres, strict=True):
        if b.confidence is not None:
            ax.plot([centre], [b.confidence], "o", color="#dd8452")
    ax.plot([], [], "o", color="#dd8452", label="mean confidence")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}: ECE {metrics.ece:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    counts.bar(centres, [b.count for b in metrics.reliability], width=width * 0.9, color="grey")
    counts.set_yscale("symlog")
    counts.set_xlabel("confidence")
    counts.set_ylabel("documents")
    counts.set_xlim(0, 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def task_markdown(task: str, metrics: TaskMetrics, images: dict[str, str] | None = None) -> str:
    """One task's section of a report: headline figures, per-class table, coverage table, images."""
    ece = f"{metrics.ece:.4f}"
    if metrics.ece_uncalibrated is not None:
        ece += f" (before temperature scaling: {metrics.ece_uncalibrated:.4f})"
    parts = [
        f"## {task}",
        f"{metrics.count} documents · accuracy **{metrics.accuracy:.4f}** · macro-F1 **{metrics.macro_f1:.4f}**"
        f" · ECE {ece}",
        "### Per class",
        markdown_table(
            ["label", "precision", "recall", "F1", "support"],
            [
                [label, _fmt(m.precision), _fmt(m.recall), _fmt(m.f1), str(m.support)]
                for label, m in metrics.per_class.items()
            ],
        ),
        "### Coverage and accuracy by review threshold",
        markdown_table(
            ["threshold", "auto-accepted", "accuracy among them", "documents"],
            [[f"{p.threshold:.2f}", f"{p.coverage:.1%}", _fmt(p.accuracy, 4), str(p.count)] for p in metrics.coverage],
        ),
    ]
    for caption, file in (images or {}).items():
        parts.append(f"![{caption}]({file})")
    return "\n\n".join(parts)
