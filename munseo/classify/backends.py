"""The classifier backend contract and the registry of backends.

A backend turns labelled texts into a model folder that ``Classifier`` serves with ONNX Runtime:

- ``options(train_options)``: its own options (recorded in the model's ``config.json``);
- ``fit``: a model trained on the fit split, and its logits on the dev split (for calibration);
- ``export``: ``model.onnx`` (logits of every task side by side) and whatever it needs to turn
  texts into the ONNX inputs, written to the folder;
- ``encoder`` (load): from a model folder, the function that turns texts into those inputs.

Training, calibration, packaging and serving are shared; a new backend is one module with a class
of this shape, registered by name in ``BACKENDS`` (``munseo train --backend NAME``). Heavy imports
(PyTorch) happen inside the methods, so serving never loads them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from munseo.classify.errors import ModelError
from munseo.classify.features import Vocabulary
from munseo.classify.package import MODEL_FILE

if TYPE_CHECKING:
    from munseo.classify.data import Example, Split
    from munseo.classify.options import TrainOptions
    from munseo.classify.package import ModelConfig
    from munseo.classify.schema import LabelSchema

InputEncoder = Callable[[Sequence[str]], dict[str, np.ndarray]]
Log = Callable[[str], None]


class TrainedModel(Protocol):
    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """In-framework logits per task, [documents, labels of the task]."""
        ...


@dataclass(frozen=True)
class FitRequest:
    """What a backend fits on: the fit split, the dev split it must not see, and the options."""

    fit_set: Sequence[Example]
    dev_set: Sequence[Example]
    schema: LabelSchema
    options: TrainOptions
    refit: bool  # fit again on train + dev after the dev logits are taken (backends that refit)
    log: Log
    # further (fit, dev) splits of the same examples, each fitted only for its dev logits, which
    # follow dev_set's (calibration on several held-out splits; given to backends that refit)
    more: Sequence[Split] = ()


@dataclass(frozen=True)
class Fitted:
    model: TrainedModel
    # per task, of models that have not seen them: dev_set's rows, then those of each split of ``more``
    dev_logits: dict[str, np.ndarray]


@dataclass(frozen=True)
class Exported:
    inputs: list[str]  # the ONNX model's input names
    features: dict[str, Any] | None = None  # config.json "features" (linear: the vocabulary)
    tokenizer: dict[str, Any] | None = None  # config.json "tokenizer" (transformer)
    training: dict[str, Any] = field(default_factory=dict)  # recorded with the options (e.g. the epochs' history)


class Backend(Protocol):
    name: str
    # whether a second fit on train + dev is worth its time (see ``TrainOptions.refit``)
    refits: bool

    def options(self, options: TrainOptions) -> dict[str, Any]: ...

    def fit(self, request: FitRequest) -> Fitted: ...

    def export(self, model: TrainedModel, folder: Path) -> Exported: ...

    def encoder(self, folder: Path, config: ModelConfig) -> InputEncoder: ...


class LinearBackend:
    """TF-IDF features and a linear SVM per task (``munseo.classify.linear``): seconds to train."""

    name = "linear"
    refits = True

    def options(self, options: TrainOptions) -> dict[str, Any]:
        return asdict(options.linear)

    def fit(self, request: FitRequest) -> Fitted:
        from munseo.classify.linear import train_with_dev

        r = request
        model, dev_logits = train_with_dev(
            r.fit_set, r.dev_set, r.schema, r.options.linear, r.options.seed, r.refit, r.log, r.more
        )
        return Fitted(model, dev_logits)

    def export(self, model: TrainedModel, folder: Path) -> Exported:
        from munseo.classify.linear import INPUTS, LinearModel

        assert isinstance(model, LinearModel)
        model.vocabulary.save(folder)
        model.export_onnx(folder / MODEL_FILE)
        return Exported(INPUTS, features=model.vocabulary.config_dict())

    def encoder(self, folder: Path, config: ModelConfig) -> InputEncoder:
        if config.features is None:
            raise ModelError(folder, "config.json of a linear model has no 'features'")
        try:
            vocabulary = Vocabulary.load(folder, config.features)
        except (OSError, KeyError, IndexError, ValueError, TypeError) as exc:
            raise ModelError(folder, f"the vocabulary cannot be loaded ({exc})") from exc

        def encode(texts: Sequence[str]) -> dict[str, np.ndarray]:
            ids, weights = vocabulary.transform_padded(texts)
            return {"ids": ids, "weights": weights}

        return encode


class TransformerBackend:
    """A Korean encoder fine-tuned with a head per task (``munseo.classify.transformer``)."""

    name = "transformer"
    refits = False

    def options(self, options: TrainOptions) -> dict[str, Any]:
        return asdict(options.transformer)

    def fit(self, request: FitRequest) -> Fitted:
        from munseo.classify.transformer import train_transformer

        r = request
        models, logits = [], []
        for fit_set, dev_set in [(r.fit_set, r.dev_set), *r.more]:
            models.append(train_transformer(fit_set, dev_set, r.schema, r.options.transformer, r.options.seed, r.log))
            if dev_set:
                logits.append(models[-1].logits([e.text for e in dev_set]))
        return Fitted(models[0], {task: np.vstack([z[task] for z in logits]) for task in logits[0]} if logits else {})

    def export(self, model: TrainedModel, folder: Path) -> Exported:
        from munseo.classify.transformer import INPUTS, TransformerModel

        assert isinstance(model, TransformerModel)
        return Exported(INPUTS, tokenizer=model.export(folder), training={"history": model.history})

    def encoder(self, folder: Path, config: ModelConfig) -> InputEncoder:
        from tokenizers import Tokenizer

        from munseo.classify.chunks import ChunkConfig, encode_chunks, prepare_text

        if config.tokenizer is None:
            raise ModelError(folder, "config.json of a transformer model has no 'tokenizer'")
        settings = dict(config.tokenizer)
        path = folder / settings.pop("file")
        try:
            tokenizer = Tokenizer.from_file(str(path))
            chunking = ChunkConfig(**settings)
        except Exception as exc:  # the tokenizers library raises its own exception types
            raise ModelError(folder, f"the tokenizer {path.name} cannot be loaded ({exc})") from exc

        def encode(texts: Sequence[str]) -> dict[str, np.ndarray]:
            encodings = tokenizer.encode_batch([prepare_text(t) for t in texts], add_special_tokens=False)
            input_ids, mask = encode_chunks([e.ids for e in encodings], chunking)
            return {"input_ids": input_ids, "attention_mask": mask}

        return encode


# Backends by name, as ``module:attribute`` of a class of the shape above (imported on first use).
BACKENDS: dict[str, str] = {
    "linear": "munseo.classify.backends:LinearBackend",
    "transformer": "munseo.classify.backends:TransformerBackend",
}


class UnknownBackend(ValueError):
    """No backend has this name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown backend {name!r}: choose {' or '.join(sorted(BACKENDS))}")


def get_backend(name: str) -> Backend:
    """The backend registered as ``name``."""
    target = BACKENDS.get(name)
    if target is None:
        raise UnknownBackend(name)
    module, _, attribute = target.partition(":")
    made: Backend = getattr(importlib.import_module(module), attribute)()
    return made
