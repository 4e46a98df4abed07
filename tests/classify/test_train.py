"""Training end to end on small generated data: both backends beat chance by a wide margin, and
calibration lowers the error on held-out data."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.classify import (
    Classifier,
)
from munseo.classify.evaluate import evaluate
from tests.classify.common import held_out, majority_share


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_predictions_beat_chance_by_a_wide_margin(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    classifier = Classifier(request.getfixturevalue(model_name))
    result = evaluate(classifier, held_out(data_dir))
    for task, metrics in result.tasks.items():
        majority = majority_share(held_out(data_dir), task)
        assert metrics.accuracy > majority + 0.3, (task, metrics.accuracy, majority)
        assert metrics.macro_f1 > 0.5, (task, metrics.macro_f1)


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_calibration_lowers_ece_on_held_out_data(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    result = evaluate(Classifier(request.getfixturevalue(model_name)), held_out(data_dir))
    for task, metrics in result.tasks.items():
        assert metrics.ece_uncalibrated is not None
        assert metrics.ece < metrics.ece_uncalibrated, (task, metrics.ece, metrics.ece_uncalibrated)
