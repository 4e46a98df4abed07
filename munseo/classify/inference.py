"""Inference: one ``Classifier`` per model folder, ONNX Runtime in batches of up to 32 documents,
temperature-scaled probabilities, and a review flag when any task is unsure."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from munseo.classify.backends import UnknownBackend, get_backend
from munseo.classify.calibration import softmax
from munseo.classify.errors import ModelError
from munseo.classify.package import read_config, read_schema

BATCH_SIZE = 32


@dataclass(frozen=True)
class TaskPrediction:
    task: str
    label: str
    confidence: float
    probabilities: dict[str, float]
    threshold: float

    @property
    def needs_review(self) -> bool:
        return self.confidence < self.threshold

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda item: -item[1])[:k]


@dataclass(frozen=True)
class Prediction:
    tasks: dict[str, TaskPrediction]
    model_version: str

    @property
    def needs_review(self) -> bool:
        return any(t.needs_review for t in self.tasks.values())

    @property
    def labels(self) -> dict[str, str]:
        return {task: t.label for task, t in self.tasks.items()}

    def to_dict(self) -> dict[str, object]:
        return {
            "model_version": self.model_version,
            "needs_review": self.needs_review,
            "tasks": {
                task: {
                    "label": t.label,
                    "confidence": t.confidence,
                    "needs_review": t.needs_review,
                    "threshold": t.threshold,
                    "top": [{"label": label, "probability": p} for label, p in t.top(3)],
                    "probabilities": t.probabilities,
                }
                for task, t in self.tasks.items()
            },
        }


class Classifier:
    """Loads a model folder (checked against its checksums) and classifies texts.

    ``thresholds``: one for every task, or per task (the rest keep the folder's, default 0.70).
    ``precision``: ``fp32`` or ``int8`` (when the folder has a quantised model); default: the
    folder's choice. ``threads``: ONNX Runtime intra-op threads (default: its own choice).
    """

    def __init__(
        self,
        folder: Path | str,
        thresholds: float | Mapping[str, float] | None = None,
        precision: Literal["fp32", "int8"] | None = None,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort

        self.folder = Path(folder)
        self.config = read_config(self.folder)
        self.schema = read_schema(self.folder, self.config)
        self.precision = precision or self.config.default_precision
        if self.precision not in self.config.onnx:
            raise ModelError(self.folder, f"has no {self.precision} model (it has: {', '.join(self.config.onnx)})")
        self.thresholds = {task: output.threshold for task, output in self.config.tasks.items()}
        if isinstance(thresholds, int | float):
            self.thresholds = dict.fromkeys(self.thresholds, float(thresholds))
        elif thresholds is not None:
            unknown = set(thresholds) - set(self.thresholds)
            if unknown:
                raise ValueError(f"thresholds for unknown tasks: {', '.join(sorted(unknown))}")
            self.thresholds.update(thresholds)
        try:
            chosen = get_backend(self.config.backend)
        except UnknownBackend as exc:
            raise ModelError(self.folder, f"config.json names {exc}") from exc
        self._encode = chosen.encoder(self.folder, self.config)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        model_path = self.folder / self.config.onnx[self.precision]
        try:
            self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(self.folder, f"{model_path.name} cannot be loaded by ONNX Runtime ({exc})") from exc

    @property
    def version(self) -> str:
        return self.config.version

    @property
    def backend(self) -> str:
        return self.config.backend

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits of every task side by side, [documents, all labels]."""
        outputs = []
        for start in range(0, len(texts), BATCH_SIZE):
            feeds = self._encode(texts[start : start + BATCH_SIZE])
            outputs.append(self.session.run(["logits"], feeds)[0])
        width = sum(o.stop - o.start for o in self.config.tasks.values())
        return np.concatenate(outputs) if outputs else np.empty((0, width), dtype=np.float32)

    def task_logits(self, logits: np.ndarray) -> dict[str, np.ndarray]:
        return {task: logits[:, o.start : o.stop] for task, o in self.config.tasks.items()}

    def probabilities(self, texts: Sequence[str], calibrated: bool = True) -> dict[str, np.ndarray]:
        """Per task, the distribution over its labels, [documents, labels]."""
        logits = self.task_logits(self.logits(texts).astype(np.float64))
        return {
            task: self.config.tasks[task].probabilities(z) if calibrated else softmax(z) for task, z in logits.items()
        }

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        probabilities = self.probabilities(texts)
        predictions = []
        for i in range(len(texts)):
            tasks = {}
            for task, probs in probabilities.items():
                labels = self.schema.labels(task)
                best = int(probs[i].argmax())
                tasks[task] = TaskPrediction(
                    task=task,
                    label=labels[best],
                    confidence=float(probs[i, best]),
                    probabilities={label: float(p) for label, p in zip(labels, probs[i], strict=True)},
                    threshold=self.thresholds[task],
                )
            predictions.append(Prediction(tasks, self.version))
        return predictions

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]


def default_model_folder() -> Path:
    """``MUNSEO_MODEL`` when set, else ``models/default``."""
    return Path(os.environ.get("MUNSEO_MODEL", "models/default"))
