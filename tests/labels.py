"""A task's decision as the store takes it (``munseo.store.labels.TaskLabel``), for tests that
label documents without running a model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float
    probabilities: dict[str, float]
    needs_review: bool
