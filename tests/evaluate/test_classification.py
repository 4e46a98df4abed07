"""Classification metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest


def test_metrics_against_hand_computed_values():
    from munseo.evaluate.classification import (
        confusion_matrix,
        coverage_curve,
        expected_calibration_error,
        macro_f1,
        task_metrics,
    )

    truth = np.array([0, 0, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 0])
    assert confusion_matrix(truth, predicted, 3).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # F1: class 0 = 0.5, class 1 = 0.8, class 2 = 0 → mean 0.4333
    assert macro_f1(truth, predicted, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    confidences = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([True, False, True, True])
    # bins: 0.9 → (0.5 right, 0.9 conf), 0.6 → (1.0 right, 0.6 conf): ECE = 0.5·0.4 + 0.5·0.4
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.4)
    points = coverage_curve(confidences, correct, [0.5, 0.7, 0.95])
    assert [(p.coverage, p.accuracy) for p in points] == [(1.0, 0.75), (0.5, 0.5), (0.0, None)]
    probabilities = np.array([[0.7, 0.2, 0.1], [0.4, 0.6, 0.0], [0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.5, 0.2, 0.3]])
    metrics = task_metrics(["a", "b", "c"], truth, probabilities)
    assert metrics.accuracy == pytest.approx(0.6)
    assert metrics.per_class["b"].precision == pytest.approx(2 / 3) and metrics.per_class["b"].recall == 1.0
    assert metrics.per_class["c"].support == 1 and metrics.per_class["c"].f1 == 0.0
    assert sum(b.count for b in metrics.reliability) == 5
