"""Serving a model folder with ONNX Runtime: a fresh process, thresholds and the review flag, batches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from munseo.classify import (
    Classifier,
)
from tests.classify.common import held_out

_RELOAD = """
import json, sys
from munseo.classify import Classifier
classifier = Classifier(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps([p.to_dict() for p in classifier.predict(texts)], ensure_ascii=False))
"""


@pytest.mark.parametrize("model_name", ["linear_model", "transformer_model"])
def test_model_folder_reloads_in_a_fresh_process(model_name: str, data_dir: Path, request: pytest.FixtureRequest):
    folder = request.getfixturevalue(model_name)
    texts = [e.text for e in held_out(data_dir).examples][:40]
    here = [p.to_dict() for p in Classifier(folder).predict(texts)]
    run = subprocess.run(
        [sys.executable, "-c", _RELOAD, str(folder)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    there = json.loads(run.stdout)
    assert [p["tasks"][t]["label"] for p in there for t in p["tasks"]] == [
        p["tasks"][t]["label"] for p in here for t in p["tasks"]
    ]
    for a, b in zip(here, there, strict=True):
        for task in a["tasks"]:
            assert a["tasks"][task]["probabilities"] == pytest.approx(b["tasks"][task]["probabilities"], abs=1e-6)


def test_review_flag_and_thresholds(linear_model: Path):
    text = "국회 위원회 검토 결과 및 사항"
    strict = Classifier(linear_model, thresholds=1.0).predict_one(text)
    assert strict.needs_review and all(t.needs_review for t in strict.tasks.values())
    lenient = Classifier(linear_model, thresholds={"institution": 0.0, "doc_type": 0.0}).predict_one(text)
    assert not lenient.needs_review
    default = Classifier(linear_model).predict_one(text)
    assert {t.threshold for t in default.tasks.values()} == {0.70}
    for task in default.tasks.values():
        assert sum(task.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert task.top(3)[0] == (task.label, task.confidence)
    with pytest.raises(ValueError, match="unknown tasks"):
        Classifier(linear_model, thresholds={"colour": 0.5})


def test_batches_give_the_same_answers_as_single_documents(linear_model: Path, data_dir: Path):
    classifier = Classifier(linear_model)
    texts = [e.text for e in held_out(data_dir).examples][:70]  # three batches
    batched = classifier.probabilities(texts)
    for i in (0, 33, 69):
        single = classifier.probabilities([texts[i]])
        for task in batched:
            np.testing.assert_allclose(batched[task][i], single[task][0], atol=1e-6)
