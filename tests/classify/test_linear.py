"""The linear backend: its ONNX export, the morpheme analyzer, fitting tasks side by side within the memory budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from munseo.classify import (
    TrainOptions,
    load_dataset,
    load_schema,
    train,
)
from munseo.classify.linear import train_linear
from munseo.classify.options import LinearOptions
from tests.classify.common import held_out


def test_linear_onnx_gives_the_framework_labels(data_dir: Path, tmp_path: Path):
    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    model = train_linear(dataset.examples, schema, LinearOptions(), seed=1)
    model.export_onnx(tmp_path / "model.onnx")
    texts = [e.text for e in held_out(data_dir).examples]
    ids, weights = model.vocabulary.transform_padded(texts)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(["logits"], {"ids": ids, "weights": weights})[0]
    framework = model.logits(texts)
    start = 0
    for task in schema.task_names:
        stop = start + len(schema.labels(task))
        np.testing.assert_array_equal(onnx_logits[:, start:stop].argmax(1), framework[task].argmax(1))
        np.testing.assert_allclose(onnx_logits[:, start:stop], framework[task], atol=1e-4)
        start = stop


def test_linear_morph_analyzer_trains(data_dir: Path, tmp_path: Path):
    pytest.importorskip("kiwipiepy")
    from munseo.classify.features import FeatureConfig

    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    dataset.examples[:] = dataset.examples[:200]
    options = TrainOptions(linear=LinearOptions(features=FeatureConfig(analyzer="morph", ngram_max=2)))
    result = train(dataset, schema, tmp_path / "morph", options)
    assert result.metrics["dev"]["doc_type"]["accuracy"] > 0.5


def test_labels_are_fitted_side_by_side_only_within_the_memory_budget() -> None:
    from scipy import sparse

    from munseo.classify.linear import fit_threads

    small = sparse.random(1000, 500, density=0.01, format="csr")
    assert fit_threads(small, LinearOptions()) == 2
    assert fit_threads(small, LinearOptions(threads=1)) == 1
    large_copy_mib = LinearOptions().fit_memory_mib * 0.6  # two copies would not fit
    rows = int(large_copy_mib * 2**20 / 16)
    large = sparse.csr_matrix((np.ones(rows), np.zeros(rows, dtype=np.int32), np.arange(rows + 1)), shape=(rows, 1))
    assert fit_threads(large, LinearOptions()) == 1


@pytest.mark.parametrize("labels", [2, 3, 7])
def test_label_groups_fitted_side_by_side_give_the_svms_of_one_fit(labels: int) -> None:
    from sklearn.datasets import make_classification

    from munseo.classify.linear import _fit_task

    x, y = make_classification(400, 60, n_informative=20, n_classes=labels, weights=None, random_state=3)
    y[:3] = labels - 1  # classes of unequal sizes: the class weights differ
    x = sparse_rows(x)
    options = LinearOptions(weight_cap=5.0, tol=1e-5, max_iter=10_000)
    one = _fit_task(x, y, options, seed=1, threads=1)
    two = _fit_task(x, y, options, seed=1, threads=2)
    order = np.argsort(two[0])
    np.testing.assert_array_equal(one[0], two[0][order])
    np.testing.assert_allclose(one[1], two[1][order], atol=1e-3)
    np.testing.assert_allclose(one[2], two[2][order], atol=1e-3)
    assert one[1].shape == (labels, 60)


def sparse_rows(x: np.ndarray):
    from scipy import sparse

    return sparse.csr_matrix(np.where(np.abs(x) > 0.5, x, 0.0))


def test_features_that_tell_a_label_apart_are_scaled_up() -> None:
    from scipy import sparse

    from munseo.classify.linear import label_ratios

    # feature 0 is in every document, feature 1 only in label 2's (a rare label), feature 2 in half
    # of label 0's and half of label 1's
    rows, columns = [], []
    targets = np.array([0] * 40 + [1] * 40 + [2] * 3)
    for i, label in enumerate(targets):
        rows.append(i), columns.append(0)
        if label == 2:
            rows.append(i), columns.append(1)
        if label < 2 and i % 2:
            rows.append(i), columns.append(2)
    features = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(targets), 3))
    scale = label_ratios(features, targets, alpha=1.0)
    assert scale.mean() == pytest.approx(1.0)
    assert scale[1] > scale[2] > scale[0]


def test_calibration_splits_are_fitted_on_the_first_splits_features(data_dir: Path, monkeypatch) -> None:
    """A further train/dev split of the same examples, fitted on the first split's features, gives
    the dev logits it gives when trained alone (the same texts make the same vocabulary), after
    the first dev split's; the texts are featurised once."""
    from munseo.classify.data import folds
    from munseo.classify.features import Vocabulary
    from munseo.classify.linear import train_with_dev

    schema = load_schema()
    examples = load_dataset([str(data_dir / "train.jsonl")], schema).examples[:300]
    (fit_set, dev_set), (other_fit, other_dev) = folds(examples, schema, 0.2, seed=3, count=2)
    options = LinearOptions(threads=1)  # one liblinear fit per task: the same SVMs run after run
    fitted_vocabularies = []
    fit = Vocabulary._fit.__func__

    def counted(cls, texts, config):
        fitted_vocabularies.append(len(texts))
        return fit(cls, texts, config)

    monkeypatch.setattr(Vocabulary, "_fit", classmethod(counted))
    _, logits = train_with_dev(fit_set, dev_set, schema, options, 1, True, print, more=[(other_fit, other_dev)])
    assert fitted_vocabularies == [len(examples)]
    _, first = train_with_dev(fit_set, dev_set, schema, options, 1, False, print)
    _, alone = train_with_dev(other_fit, other_dev, schema, options, 1, False, print)
    for task in schema.task_names:
        assert logits[task].shape == (len(dev_set) + len(other_dev), len(schema.labels(task)))
        np.testing.assert_allclose(logits[task][: len(dev_set)], first[task], atol=1e-4)
        np.testing.assert_allclose(logits[task][len(dev_set) :], alone[task], atol=1e-4)
