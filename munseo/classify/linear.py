"""The ``linear`` backend: TF-IDF features (``features.py``) and one multinomial logistic regression
(softmax regression) per task with balanced class weights.

The regressions are fitted with PyTorch: ``embedding_bag`` over (feature id, TF-IDF value) pairs is
a sparse matrix product that costs O(non-zeros × labels) per epoch in a few hundred MB, where
scikit-learn's L-BFGS keeps 20 dense copies of the (features × labels) weights — 5 GB and minutes
for 100 labels over 300,000 features. The loss of every task is summed (their weights are disjoint,
so this is the same as fitting each alone), AdamW with weight decay as the L2 penalty, a linear
learning-rate decay, fixed epochs and seeds. Exported to ONNX as the same gather-and-sum, so the ONNX
model takes (feature ids, TF-IDF values) and gives the logits of every task side by side."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy import sparse

from munseo.classify.data import Example, balanced_weights, label_matrix
from munseo.classify.errors import DataError
from munseo.classify.features import Vocabulary
from munseo.classify.options import LinearOptions
from munseo.classify.schema import LabelSchema, task_columns

INPUTS = ["ids", "weights"]
ABSENT_LOGIT = -30.0  # labels with no training example: never predicted
OPSET = 17


def _bags(features: sparse.csr_matrix) -> tuple[Any, Any, Any]:
    """(ids, per-sample weights, offsets) tensors of a CSR matrix for ``embedding_bag``."""
    import torch

    return (
        torch.from_numpy(features.indices.astype(np.int64)),
        torch.from_numpy(features.data.astype(np.float32)),
        torch.from_numpy(features.indptr[:-1].astype(np.int64)),
    )


class LinearModel:
    """A trained linear model: the vocabulary, weights [features, all labels] and biases."""

    def __init__(self, schema: LabelSchema, vocabulary: Vocabulary, weights: np.ndarray, bias: np.ndarray) -> None:
        self.schema = schema
        self.vocabulary = vocabulary
        self.weights = weights
        self.bias = bias

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """In-framework (PyTorch) logits per task."""
        import torch
        from torch.nn import functional as F

        features = self.vocabulary.transform(texts)
        ids, values, offsets = _bags(features)
        with torch.inference_mode():
            out = F.embedding_bag(ids, torch.from_numpy(self.weights), offsets, mode="sum", per_sample_weights=values)
            out = (out + torch.from_numpy(self.bias)).double().numpy()
        return {task: out[:, start:stop] for task, (start, stop) in task_columns(self.schema).items()}

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


def _gradient(
    logits: np.ndarray, targets: np.ndarray, columns: list[tuple[int, int]], class_weights: list[np.ndarray]
) -> np.ndarray:
    """d(loss)/d(logits) of the summed, class-weighted cross-entropy of every task."""
    grad = np.zeros_like(logits)
    for t, (start, stop) in enumerate(columns):
        labelled = np.flatnonzero(targets[:, t] >= 0)
        if len(labelled) == 0:
            continue
        y = targets[labelled, t]
        z = logits[labelled, start:stop]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        w = class_weights[t][y]
        grad[labelled, start:stop] = p * (w / w.sum())[:, None]
    return grad


def _fit(
    features: sparse.csr_matrix,
    targets: np.ndarray,
    columns: list[tuple[int, int]],
    class_weights: list[np.ndarray],
    options: LinearOptions,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch AdamW on the summed class-weighted cross-entropy; (weights, bias)."""
    import torch
    from torch.nn import functional as F

    weights = torch.zeros((features.shape[1], columns[-1][1]))
    bias = torch.zeros(columns[-1][1])
    weights.grad, bias.grad = torch.zeros_like(weights), torch.zeros_like(bias)
    optimizer = torch.optim.AdamW(
        [weights, bias], lr=options.learning_rate, weight_decay=options.weight_decay, fused=True
    )
    steps_per_epoch = -(-features.shape[0] // options.batch_size)
    epochs = max(options.epochs, -(-options.min_steps // steps_per_epoch))
    steps = epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / steps))
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(features.shape[0])
        for start in range(0, features.shape[0], options.batch_size):
            rows = np.sort(order[start : start + options.batch_size])
            batch = features[rows]
            ids, values, offsets = _bags(batch)
            with torch.no_grad():
                logits = (F.embedding_bag(ids, weights, offsets, mode="sum", per_sample_weights=values) + bias).numpy()
            grad = _gradient(logits, targets[rows], columns, class_weights)
            # X^T · grad over the features this batch has, written into the zeroed gradient
            present = np.zeros(features.shape[1], dtype=bool)
            present[batch.indices] = True
            touched = np.flatnonzero(present)
            local = (np.cumsum(present) - 1)[batch.indices]
            compact = sparse.csr_matrix((batch.data, local, batch.indptr), shape=(len(rows), len(touched)))
            weights.grad.zero_()
            weights.grad[torch.from_numpy(touched)] = torch.from_numpy(np.asarray(compact.T @ grad))
            bias.grad.copy_(torch.from_numpy(grad.sum(axis=0)))
            optimizer.step()
            scheduler.step()
    return weights.numpy().copy(), bias.numpy().copy()


def train_linear(train: Sequence[Example], schema: LabelSchema, options: LinearOptions, seed: int) -> LinearModel:
    """Fit every task's softmax regression by mini-batch AdamW. The gradient of a linear model is
    written out (X^T · dlogits, a SciPy sparse product) rather than taken by autograd, whose
    ``embedding_bag`` backward is several times slower on long documents."""
    import torch

    targets = label_matrix(train, schema, missing=-1)
    columns = list(task_columns(schema).values())
    for t, task in enumerate(schema.task_names):
        present = np.unique(targets[targets[:, t] >= 0, t])
        if len(present) < 2:
            names = ", ".join(schema.labels(task)[i] for i in present) or "none"
            raise DataError("training data", f"task {task!r} needs examples of at least two labels (has: {names})")
    vocabulary = Vocabulary.fit([e.text for e in train], options.features)
    features = vocabulary.transform([e.text for e in train])
    class_weights = [balanced_weights(targets[:, t], stop - start) for t, (start, stop) in enumerate(columns)]
    previous = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        weights, bias = _fit(features, targets, columns, class_weights, options, seed)
    finally:
        torch.set_num_threads(previous)
    for t, (start, _) in enumerate(columns):
        absent = np.flatnonzero(class_weights[t] == 0) + start
        weights[:, absent] = 0.0
        bias[absent] = ABSENT_LOGIT
    return LinearModel(schema, vocabulary, weights, bias)
