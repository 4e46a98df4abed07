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
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy import sparse

from munseo.classify.data import Example, Split, label_matrix
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


REST = -1  # the labels of a task that another thread fits, in ``_fit_task``'s groups


def _svm(options: LinearOptions, seed: int, weights: dict[int, float] | None) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=options.c, class_weight=weights, tol=options.tol, max_iter=options.max_iter, random_state=seed)


def _fit_task(
    features: sparse.csr_matrix, targets: np.ndarray, options: LinearOptions, seed: int, threads: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One task's SVMs: its labels, and a weight row and a bias per label.

    liblinear fits one-vs-rest, a binary SVM per label in which the label's examples weigh C times
    its class weight and every other example C. So the labels can be split into ``threads`` groups
    fitted side by side (liblinear releases the GIL), each group's fit seeing the other groups'
    labels as one label, ``REST``, whose own SVM is dropped: the same SVMs at about 1.5 times the
    speed on two cores. A task of two labels is one SVM, whose margin f gives logits (−f/2, f/2)."""
    labels = np.unique(targets)
    weights = class_weights(targets, options.weight_cap) if options.weight_cap > 0 else None
    if len(labels) == 2:
        svm = _svm(options, seed, weights).fit(features, targets)
        margin, offset = svm.coef_, svm.intercept_
        return labels, np.vstack([-margin / 2, margin / 2]), np.r_[-offset / 2, offset / 2]

    def fit(group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(group) == len(labels):
            svm = _svm(options, seed, weights).fit(features, targets)
        else:
            group_weights = {int(label): weights[int(label)] if weights else 1.0 for label in group}
            y = np.where(np.isin(targets, group), targets, REST)
            svm = _svm(options, seed, group_weights | {REST: 1.0}).fit(features, y)
        # a group of one label and REST is one binary SVM: its margin is the label's
        classes = svm.classes_[1:] if len(svm.classes_) == 2 else svm.classes_
        kept = classes != REST
        return classes[kept], svm.coef_[kept], svm.intercept_[kept]

    groups = [labels[i::threads] for i in range(min(threads, len(labels)))]
    with ThreadPoolExecutor(len(groups)) as pool:
        parts = list(pool.map(fit, groups))
    return (
        np.concatenate([p[0] for p in parts]),
        np.vstack([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


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


def fit_threads(features: sparse.csr_matrix, options: LinearOptions) -> int:
    """Groups of a task's labels fitted side by side: up to ``options.threads``, as many as the
    memory budget allows. Each fit holds liblinear's own copy of the rows (16 bytes per non-zero
    and per row)."""
    copy_mib = (features.nnz * 16 + features.shape[0] * 16) / 2**20
    affordable = int(options.fit_memory_mib // max(copy_mib, 1.0))
    return max(1, min(options.threads, affordable))


def fit_linear(
    vocabulary: Vocabulary,
    features: sparse.csr_matrix,
    targets: np.ndarray,
    schema: LabelSchema,
    options: LinearOptions,
    seed: int,
) -> LinearModel:
    """One SVM per task on TF-IDF rows and their ``label_matrix`` (−1: no label for that task),
    a task at a time, each on up to ``fit_threads`` threads."""
    check_targets(targets, schema)
    columns = list(task_columns(schema).values())
    weights = np.zeros((features.shape[1], columns[-1][1]), dtype=np.float32)
    bias = np.full(columns[-1][1], ABSENT_LOGIT, dtype=np.float32)
    # liblinear wants float64: converted once (if the caller has not) and shared by the tasks
    features = features.astype(np.float64, copy=False)
    threads = fit_threads(features, options)
    for t, (start, _) in enumerate(columns):
        rows = np.flatnonzero(targets[:, t] >= 0)
        subset = len(rows) < features.shape[0]
        x = features[rows] if subset else features
        scale = label_ratios(x, targets[rows, t], options.ratio_alpha) if options.ratio_alpha > 0 else None
        if scale is not None:
            # scaled where the values lie (and put back if they are shared), so that the largest
            # data sets hold no second copy of them
            _scale_values(x, scale)
        try:
            classes, coef, intercept = _fit_task(x, targets[rows, t], options, seed, threads)
        finally:
            if scale is not None and not subset:
                _scale_values(x, 1.0 / scale)
        if scale is not None:  # (x · s) w = x (s · w): the scaling goes into the weights
            coef = coef * scale
        weights[:, classes + start] = coef.T
        bias[classes + start] = intercept
    return LinearModel(schema, vocabulary, weights, bias)


def train_linear(train: Sequence[Example], schema: LabelSchema, options: LinearOptions, seed: int) -> LinearModel:
    """Fit the vocabulary and every task's SVM on ``train``."""
    targets = label_matrix(train, schema, missing=-1)
    check_targets(targets, schema)
    vocabulary = Vocabulary.fit([e.text for e in train], options.features)
    features = vocabulary.transform([e.text for e in train])
    return fit_linear(vocabulary, features, targets, schema, options, seed)


def _first_rows(matrix: sparse.csr_matrix, count: int) -> sparse.csr_matrix:
    """The first ``count`` rows of ``matrix``, sharing its arrays (scipy's slicing copies them)."""
    stop = matrix.indptr[count]
    return sparse.csr_matrix(
        (matrix.data[:stop], matrix.indices[:stop], matrix.indptr[: count + 1]),
        shape=(count, matrix.shape[1]),
        copy=False,
    )


def train_with_dev(
    fit_set: Sequence[Example],
    dev_set: Sequence[Example],
    schema: LabelSchema,
    options: LinearOptions,
    seed: int,
    refit: bool,
    log: Callable[[str], None],
    more: Sequence[Split] = (),
) -> tuple[LinearModel, dict[str, np.ndarray]]:
    """The linear model and its dev logits. The vocabulary (document frequencies, no labels) is
    fitted on train and dev together and every text featurised once; the SVMs are fitted on the
    train split, their dev logits kept for calibration, then fitted again on everything
    (``refit``).

    ``more`` are further train/dev splits of the same examples: each is fitted on the same
    features, and its dev logits follow the first dev split's. Their texts are featurised with the
    first split's vocabulary, which is theirs too when they split the same texts (loose-page
    copies aside): featurising them again took nearly half of each further split's time (15,000
    bills: 15 of 33 s)."""
    texts = [e.text for e in [*fit_set, *dev_set]]
    row_of: dict[str, int] = {}
    for row, text in enumerate(texts):
        row_of.setdefault(text, row)
    also = list(dict.fromkeys(e.text for split in more for part in split for e in part if e.text not in row_of))
    row_of |= {text: len(texts) + i for i, text in enumerate(also)}
    # float64, as liblinear wants it: made so here once rather than copied by every fit
    vocabulary, features = Vocabulary.fit_transform(texts, options.features, dtype=np.float64, also=also)
    log(f"vocabulary: {len(vocabulary)} features")
    n, everything = len(fit_set), len(fit_set) + len(dev_set)
    fit_targets = label_matrix(fit_set, schema, missing=-1)
    model = fit_linear(vocabulary, _first_rows(features, n), fit_targets, schema, options, seed)
    dev_logits = model.logits_of(features[n:everything])
    # a further split's rows are a copy, made while every row is held: liblinear's copies of them
    # share what is left of the memory budget
    held_mib = sum(a.nbytes for a in (features.data, features.indices, features.indptr)) / 2**20
    others = replace(options, fit_memory_mib=max(0.0, options.fit_memory_mib - held_mib))
    for number, (other_fit, other_dev) in enumerate(more, start=2):
        log(f"calibration split {number} of {len(more) + 1}: fitting without its {len(other_dev)} dev examples")
        rows = [row_of[e.text] for e in other_fit]
        other = fit_linear(
            vocabulary, features[rows], label_matrix(other_fit, schema, missing=-1), schema, others, seed
        )
        held = other.logits_of(features[[row_of[e.text] for e in other_dev]])
        dev_logits = {task: np.vstack([z, held[task]]) for task, z in dev_logits.items()}
    if refit:
        log("fitting again on train + dev")
        targets = np.vstack([fit_targets, label_matrix(dev_set, schema, missing=-1)])
        model = fit_linear(vocabulary, _first_rows(features, everything), targets, schema, options, seed)
    return model, dev_logits
