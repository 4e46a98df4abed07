"""Calibration: the temperature and the confidence map fitted on a dev split lower the calibration
error on other data, never change a label, and stay out of the way on small splits."""

from __future__ import annotations

import numpy as np
import pytest

from munseo.classify.calibration import (
    MIN_MAP_EXAMPLES,
    apply_confidence_map,
    calibrated,
    fit_confidence_map,
    fit_temperature,
    softmax,
)
from munseo.classify.package import TaskOutput
from munseo.evaluate.classification import expected_calibration_error


def _overconfident(seed: int, n: int, labels: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose top label is right less often than their softmax says at the top and more
    often in the middle, a curve no temperature straightens: as one-vs-rest SVM margins behave
    (on the real committees, log-odds of being right ≈ 0.5 × the softmax's + 0.6)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.0, (n, labels))
    best = rng.integers(0, labels, n)
    logits[np.arange(n), best] += rng.uniform(0.0, 9.0, n)
    top = np.clip(softmax(logits).max(axis=1), 1e-9, 1 - 1e-9)
    chance = 1.0 / (1.0 + np.exp(-(0.5 * np.log(top / (1 - top)) + 0.6)))
    right = rng.random(n) < chance
    predicted = logits.argmax(axis=1)
    targets = np.where(right, predicted, (predicted + 1 + rng.integers(0, labels - 1, n)) % labels)
    return logits, targets


def _ece(probabilities: np.ndarray, targets: np.ndarray) -> float:
    return expected_calibration_error(probabilities.max(axis=1), probabilities.argmax(axis=1) == targets)


def test_the_map_lowers_held_out_ece_below_the_temperature_alone() -> None:
    dev_logits, dev_targets = _overconfident(1, 20_000)
    test_logits, test_targets = _overconfident(2, 20_000)
    temperature = fit_temperature(dev_logits, dev_targets)
    mapping = fit_confidence_map(softmax(dev_logits, temperature), dev_targets)
    assert mapping is not None
    scaled = _ece(softmax(test_logits, temperature), test_targets)
    mapped = _ece(calibrated(test_logits, temperature, mapping), test_targets)
    assert mapped < scaled / 2, (mapped, scaled)


def test_the_map_keeps_every_label_and_every_row_a_distribution() -> None:
    logits, targets = _overconfident(3, 2000, labels=30)
    fitted = fit_confidence_map(softmax(logits), targets)
    assert fitted is not None
    # a map that pulls every confidence down hard: the top label must still be the top
    crushing = (1.0, -8.0)
    for mapping in (fitted, crushing):
        before = softmax(logits)
        after = apply_confidence_map(before, mapping)
        assert np.array_equal(after.argmax(axis=1), before.argmax(axis=1))
        assert np.allclose(after.sum(axis=1), 1.0)
        assert (after >= 0).all() and (after <= 1).all()


def _top_after(mapping: tuple[float, float], top: float) -> float:
    """The mapped value of a two-label row whose top probability is ``top``."""
    return float(apply_confidence_map(np.array([[top, 1.0 - top]]), mapping)[0, 0])


def test_the_map_is_monotone_and_follows_the_data() -> None:
    logits, targets = _overconfident(4, 4000)
    mapping = fit_confidence_map(softmax(logits), targets)
    assert mapping is not None
    tops = np.linspace(0.7, 0.999, 50)
    assert (np.diff([_top_after(mapping, t) for t in tops]) > 0).all()
    # these logits are right far less often than their softmax says at the top
    assert _top_after(mapping, 0.99) < 0.97


def test_a_small_dev_split_gets_no_map_and_a_perfect_one_no_certainty() -> None:
    logits, targets = _overconfident(5, MIN_MAP_EXAMPLES - 1)
    assert fit_confidence_map(softmax(logits), targets) is None
    # every dev example right: the map leans on the scaled confidences instead of saying 1.0
    logits, _ = _overconfident(6, 1000)
    probabilities = softmax(logits)
    mapping = fit_confidence_map(probabilities, probabilities.argmax(axis=1))
    assert mapping is not None
    assert _top_after(mapping, 0.55) < 0.99


@pytest.mark.parametrize("mapping", [None, (0.6, 0.4)])
def test_a_task_output_calibrates_with_what_it_was_given(mapping: tuple[float, float] | None) -> None:
    logits, _ = _overconfident(7, 50)
    output = TaskOutput(start=0, stop=8, temperature=0.5, threshold=0.7, confidence_map=mapping)
    expected = softmax(logits, 0.5) if mapping is None else apply_confidence_map(softmax(logits, 0.5), mapping)
    assert np.allclose(output.probabilities(logits), expected)
    # a config.json written before the map existed still loads
    assert (
        TaskOutput.model_validate({"start": 0, "stop": 8, "temperature": 1.0, "threshold": 0.7}).confidence_map is None
    )
