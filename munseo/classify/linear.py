"""The ``linear`` backend: TF-IDF features (``features.py``) and one linear support vector machine
per task (scikit-learn's ``LinearSVC``: one-vs-rest, squared hinge loss, L2 penalty).

Why this estimator: on real labelled collections (BENCHMARKS.md, "Classification: real corpora")
the linear SVM with class weights is more accurate than a softmax regression fitted by SGD, on the
rare labels most of all, and liblinear's coordinate descent converges in seconds on hundreds of
thousands of sparse features without a learning-rate schedule to tune. Class weights are "balanced"
(a label's positives weigh n / (labels × its count)) up to a cap, so a label with two examples is
learned and predicted rather than drowned by the common ones. The SVM's one-vs-rest margins are the logits;
temperature scaling and a confidence map on the dev split turn them into calibrated probabilities
(``calibration.py``).

Before a task's SVM is fitted, each feature's TF-IDF value is multiplied by how well the feature
tells one of the task's labels from the others: the largest absolute naive Bayes log-count ratio
over the labels (Wang & Manning, 2012, "NBSVM"; here one scaling is shared by all the task's labels,
so a task is still one one-vs-rest fit). On hold-outs carved from the real corpora's training splits this
gained on every task (statutes' ministry +3.3 macro-F1, law type +1.0 accuracy, committees +0.4
macro-F1) at the cost of one pass over the counts. The scaling is folded into the weights, so the
exported model is unchanged.

Exported to ONNX as a gather-and-sum over (feature ids, TF-IDF values), so the ONNX model takes
what ``Vocabulary.transform_padded`` gives and returns the logits of every task side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy import sparse

from munseo.classify.data import Example, label_matrix
from munseo.classify.errors import DataError
from munseo.classify.features import Vocabulary
from munseo.classify.options import LinearOptions
from munseo.classify.schema import LabelSchema, task_columns

INPUTS = ["ids", "weights"]
ABSENT_LOGIT = -30.0  # labels with no training example: never predicted
OPSET = 17


class LinearModel:
    """A trained linear model: the vocabulary, weights [features, all labels] and biases."""

    def __init__(self, schema: LabelSchema, vocabulary: Vocabulary, weights: np.ndarray, bias: np.ndarray) -> None:
        self.schema = schema
        self.vocabulary = vocabulary
        self.weights = weights
        self.bias = bias

    def logits_of(self, features: sparse.csr_matrix) -> dict[str, np.ndarray]:
        """Logits per task of TF-IDF rows."""
        out = np.asarray(features @ self.weights, dtype=np.float64) + self.bias
        return {task: out[:, start:stop] for task, (start, stop) in task_columns(self.schema).items()}

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """In-framework (SciPy) logits per task."""
        return self.logits_of(self.vocabulary.transform(texts))

    def export_onnx(self, path: Path) -> None:
        graph = helper.make_graph(
            [
                helper.make_node("Gather", ["W", "ids"], ["gathered"], axis=0),
                helper.make_node("Unsqueeze", ["weights", "axis_last"], ["scale"]),
                helper.make_node("Mul", ["gathered", "scale"], ["scaled"]),
                helper.make_node("ReduceSum", ["scaled", "axis_seq"], ["summed"], keepdims=0),
                helper.make_node("Add", ["summed", "b"], ["logits"]),
            ],
            "munseo_linear",
            [
                helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "features"]),
                helper.make_tensor_value_info("weights", TensorProto.FLOAT, ["batch", "features"]),
            ],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", self.weights.shape[1]])],
            [
                numpy_helper.from_array(self.weights, "W"),
                numpy_helper.from_array(self.bias, "b"),
                numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_last"),
                numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_seq"),
            ],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="munseo")
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, str(path))


def class_weights(targets: np.ndarray, cap: float) -> dict[int, float]:
    """scikit-learn's "balanced" weights, n / (labels × count), capped at ``cap``: a rare label's
    examples weigh up to ``cap`` times a typical one's (uncapped, a label with one example in 30,000
    would weigh a thousand times more, which costs accuracy on the common labels and makes the SVM
    slow to converge)."""
    labels, counts = np.unique(targets, return_counts=True)
    balanced = len(targets) / (len(labels) * counts)
    return {int(label): float(min(cap, weight)) for label, weight in zip(labels, balanced, strict=True)}


def _fit_task(features: sparse.csr_matrix, targets: np.ndarray, options: LinearOptions, seed: int) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(
        C=options.c,
        class_weight=class_weights(targets, options.weight_cap) if options.weight_cap > 0 else None,
        tol=options.tol,
        max_iter=options.max_iter,
        random_state=seed,
    ).fit(features, targets)


def check_targets(targets: np.ndarray, schema: LabelSchema) -> None:
    """Every task needs examples of two labels at least."""
    for t, task in enumerate(schema.task_names):
        present = np.unique(targets[targets[:, t] >= 0, t])
        if len(present) < 2:
            names = ", ".join(schema.labels(task)[i] for i in present) or "none"
            raise DataError("training data", f"task {task!r} needs examples of at least two labels (has: {names})")


def label_ratios(features: sparse.csr_matrix, targets: np.ndarray, alpha: float) -> np.ndarray:
    """Per feature, the largest |log-count ratio| over the labels of ``targets`` (one label against
    the rest, on feature presence, smoothed by ``alpha``), scaled to a mean of 1."""
    labels, column = np.unique(targets, return_inverse=True)
    presence = sparse.csr_matrix(
        (np.ones(features.nnz, dtype=np.float32), features.indices, features.indptr), shape=features.shape
    )
    membership = sparse.csr_matrix(
        (np.ones(len(targets), dtype=np.float32), (column, np.arange(len(targets)))),
        shape=(len(labels), len(targets)),
    )
    counts = np.asarray((membership @ presence).todense(), dtype=np.float64)  # [labels, features]
    total = counts.sum(axis=0)
    strongest = np.zeros(features.shape[1])
    for count in counts:  # a label at a time: a few arrays of one row, however many labels
        inside = count + alpha
        outside = total - count + alpha
        ratio = np.abs(np.log(inside / inside.sum()) - np.log(outside / outside.sum()))
        np.maximum(strongest, ratio, out=strongest)
    # kept away from 0, so that scaling the values and scaling them back loses nothing
    return np.maximum(strongest / max(float(strongest.mean()), 1e-12), 1e-3)


def _scale_values(matrix: sparse.csr_matrix, scale: np.ndarray, chunk: int = 1 << 20) -> None:
    """Multiply each stored value of ``matrix`` by its column's ``scale``, in place, a chunk at a time."""
    for start in range(0, matrix.nnz, chunk):
        matrix.data[start : start + chunk] *= scale[matrix.indices[start : start + chunk]]


def fit_threads(features: sparse.csr_matrix, tasks: int, options: LinearOptions) -> int:
    """Tasks fitted side by side: up to ``options.threads``, as many as the memory budget allows.
    Each fit holds liblinear's own copy of the rows (16 bytes per non-zero and per row) and, with
    ``ratio_alpha``, its own scaled values (8 bytes per non-zero)."""
    per_value = 24 if options.ratio_alpha > 0 else 16
    copy_mib = (features.nnz * per_value + features.shape[0] * 16) / 2**20
    affordable = int(options.fit_memory_mib // max(copy_mib, 1.0))
    return max(1, min(options.threads, tasks, affordable))


def fit_linear(
    vocabulary: Vocabulary,
    features: sparse.csr_matrix,
    targets: np.ndarray,
    schema: LabelSchema,
    options: LinearOptions,
    seed: int,
) -> LinearModel:
    """One SVM per task on TF-IDF rows and their ``label_matrix`` (−1: no label for that task);
    tasks are fitted on up to ``options.threads`` threads (liblinear releases the GIL)."""
    check_targets(targets, schema)
    columns = list(task_columns(schema).values())
    weights = np.zeros((features.shape[1], columns[-1][1]), dtype=np.float32)
    bias = np.full(columns[-1][1], ABSENT_LOGIT, dtype=np.float32)
    # liblinear wants float64: converted once (if the caller has not) and shared by the tasks
    features = features.astype(np.float64, copy=False)

    threads = fit_threads(features, len(columns), options)

    def fit(t: int) -> tuple[int, Any, np.ndarray | None]:
        rows = np.flatnonzero(targets[:, t] >= 0)
        subset = len(rows) < features.shape[0]
        x = features[rows] if subset else features
        if options.ratio_alpha <= 0:
            return t, _fit_task(x, targets[rows, t], options, seed), None
        scale = label_ratios(x, targets[rows, t], options.ratio_alpha)
        if subset or threads == 1:
            # the rows are this fit's alone: scaled where they lie (and put back if shared), so that
            # the largest data sets hold no second copy of their values
            _scale_values(x, scale)
            try:
                return t, _fit_task(x, targets[rows, t], options, seed), scale
            finally:
                if not subset:
                    _scale_values(x, 1.0 / scale)
        scaled = sparse.csr_matrix((x.data * scale[x.indices], x.indices, x.indptr), shape=x.shape)
        return t, _fit_task(scaled, targets[rows, t], options, seed), scale

    with ThreadPoolExecutor(threads) as pool:
        fitted = list(pool.map(fit, range(len(columns))))
    for t, estimator, scale in fitted:
        start = columns[t][0]
        classes = estimator.classes_ + start
        coef, intercept = estimator.coef_, estimator.intercept_
        if scale is not None:  # (x · s) w = x (s · w): the scaling goes into the weights
            coef = coef * scale
        if len(classes) == 2:  # a binary SVM has one margin f: logits (−f/2, f/2) differ by f
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
        weights[:, classes] = coef.T
        bias[classes] = intercept
    return LinearModel(schema, vocabulary, weights, bias)


def train_linear(train: Sequence[Example], schema: LabelSchema, options: LinearOptions, seed: int) -> LinearModel:
    """Fit the vocabulary and every task's SVM on ``train``."""
    targets = label_matrix(train, schema, missing=-1)
    check_targets(targets, schema)
    vocabulary = Vocabulary.fit([e.text for e in train], options.features)
    features = vocabulary.transform([e.text for e in train])
    return fit_linear(vocabulary, features, targets, schema, options, seed)


def train_with_dev(
    fit_set: Sequence[Example],
    dev_set: Sequence[Example],
    schema: LabelSchema,
    options: LinearOptions,
    seed: int,
    refit: bool,
    log: Callable[[str], None],
) -> tuple[LinearModel, dict[str, np.ndarray]]:
    """The linear model and its dev logits. The vocabulary (document frequencies, no labels) is
    fitted on train and dev together and every text featurised once; the SVMs are fitted on the
    train split, their dev logits kept for calibration, then fitted again on everything
    (``refit``)."""
    # float64, as liblinear wants it: made so here once rather than copied by every fit
    vocabulary, features = Vocabulary.fit_transform(
        [e.text for e in [*fit_set, *dev_set]], options.features, dtype=np.float64
    )
    log(f"vocabulary: {len(vocabulary)} features")
    n = len(fit_set)
    fit_features, dev_features = features[:n], features[n:]
    del features
    fit_targets = label_matrix(fit_set, schema, missing=-1)
    model = fit_linear(vocabulary, fit_features, fit_targets, schema, options, seed)
    dev_logits = model.logits_of(dev_features)
    if refit:
        log("fitting again on train + dev")
        everything = sparse.vstack([fit_features, dev_features], format="csr")
        del fit_features
        targets = np.vstack([fit_targets, label_matrix(dev_set, schema, missing=-1)])
        model = fit_linear(vocabulary, everything, targets, schema, options, seed)
    return model, dev_logits
