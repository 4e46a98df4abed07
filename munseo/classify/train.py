"""Training: split, fit a backend, calibrate on the dev split, export to ONNX, measure, package."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from munseo.classify.calibration import fit_temperature, softmax
from munseo.classify.data import Dataset, Example, loose_pages, split
from munseo.classify.inference import Classifier
from munseo.classify.linear import INPUTS as LINEAR_INPUTS
from munseo.classify.linear import train_linear
from munseo.classify.options import LinearOptions, TransformerOptions
from munseo.classify.package import (
    DATA_MANIFEST_FILE,
    DEFAULT_THRESHOLD,
    FORMAT_VERSION,
    INT8_MODEL_FILE,
    METRICS_FILE,
    MODEL_FILE,
    SCHEMA_FILE,
    ModelConfig,
    TaskOutput,
    new_version,
    publish,
    staging_folder,
    write_config,
    write_json,
)
from munseo.classify.schema import LabelSchema, task_columns
from munseo.evaluate.classification import task_metrics

Backend = Literal["linear", "transformer"]


@dataclass(frozen=True)
class TrainOptions:
    backend: Backend = "linear"
    dev_fraction: float = 0.15
    seed: int = 13
    quantize: bool = False
    threshold: float = DEFAULT_THRESHOLD
    # share of multi-page training documents also trained on as loose pages (see data.loose_pages)
    loose_pages: float = 1.0
    linear: LinearOptions = field(default_factory=LinearOptions)
    transformer: TransformerOptions = field(default_factory=TransformerOptions)


@dataclass
class TrainResult:
    folder: Path
    version: str
    metrics: dict[str, Any]
    seconds: float


def targets_of(examples: Sequence[Example], schema: LabelSchema, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(row indices of the examples labelled for ``task``, their label indices)."""
    rows = [i for i, e in enumerate(examples) if task in e.labels]
    return np.array(rows, dtype=np.int64), np.array(
        [schema.index(task, examples[i].labels[task]) for i in rows], dtype=np.int64
    )


def _quantize(folder: Path) -> None:
    """Dynamic INT8 quantisation (weights int8, activations quantised on the fly), after ONNX
    Runtime's recommended pre-processing (shape inference and graph optimisation)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = folder / "model.prepared.onnx"
    try:
        quant_pre_process(str(folder / MODEL_FILE), str(prepared), skip_symbolic_shape=True)
        quantize_dynamic(str(prepared), str(folder / INT8_MODEL_FILE), weight_type=QuantType.QInt8)
    finally:
        prepared.unlink(missing_ok=True)


def _dev_metrics(
    classifier: Classifier, dev: Sequence[Example], schema: LabelSchema
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    texts = [e.text for e in dev]
    logits = classifier.task_logits(classifier.logits(texts).astype(np.float64))
    report: dict[str, Any] = {}
    for task, z in logits.items():
        rows, targets = targets_of(dev, schema, task)
        temperature = classifier.config.tasks[task].temperature
        metrics = task_metrics(schema.labels(task), targets, softmax(z[rows], temperature), softmax(z[rows]))
        report[task] = metrics.to_dict() | {"temperature": temperature}
    return report, logits


def train(
    dataset: Dataset,
    schema: LabelSchema,
    out: Path,
    options: TrainOptions,
    log: Callable[[str], None] = lambda _: None,
) -> TrainResult:
    """Train a model on ``dataset`` and write its folder to ``out`` (replacing an older model there)."""
    started = time.perf_counter()
    train_set, dev_set = split(dataset.examples, schema, options.dev_fraction, options.seed)
    loose = loose_pages(train_set, options.loose_pages, options.seed)
    log(
        f"{len(train_set)} training examples (+{len(loose)} loose-page copies) and {len(dev_set)} dev examples; "
        f"backend {options.backend}"
    )
    fit_set = train_set + loose
    staging = staging_folder(out)
    try:
        if options.backend == "linear":
            model = train_linear(fit_set, schema, options.linear, options.seed)
            model.vocabulary.save(staging)
            model.export_onnx(staging / MODEL_FILE)
            inputs, features, tokenizer = LINEAR_INPUTS, model.vocabulary.config_dict(), None
            settings = asdict(options.linear)
            log(f"vocabulary: {len(model.vocabulary)} features")
        else:
            from munseo.classify.transformer import INPUTS, train_transformer

            model = train_transformer(fit_set, dev_set, schema, options.transformer, options.seed, log)
            tokenizer = model.export(staging)
            inputs, features = INPUTS, None
            settings = asdict(options.transformer) | {"history": model.history}
        train_seconds = time.perf_counter() - started
        schema.save(staging / SCHEMA_FILE)

        # temperature per task on the dev split, from the in-framework logits
        framework = model.logits([e.text for e in dev_set]) if dev_set else {}
        tasks = {}
        for task, (start, stop) in task_columns(schema).items():
            rows, targets = targets_of(dev_set, schema, task)
            temperature = fit_temperature(framework[task][rows], targets) if len(rows) else 1.0
            tasks[task] = TaskOutput(start=start, stop=stop, temperature=temperature, threshold=options.threshold)
        version, created = new_version(out.name, staging / MODEL_FILE)
        onnx_files = {"fp32": MODEL_FILE}
        if options.quantize:
            _quantize(staging)
            onnx_files["int8"] = INT8_MODEL_FILE
        config = ModelConfig(
            format_version=FORMAT_VERSION,
            backend=options.backend,
            version=version,
            created_at=created,
            tasks=tasks,
            inputs=inputs,
            onnx=onnx_files,
            default_precision="int8" if options.quantize else "fp32",
            features=features,
            tokenizer=tokenizer,
            training={"seed": options.seed, "dev_fraction": options.dev_fraction, "options": settings},
        )
        splits = {"train": len(train_set), "loose_page_copies": len(loose), "dev": len(dev_set)}
        write_json(staging / DATA_MANIFEST_FILE, dataset.manifest(schema, splits))
        write_config(staging, config)  # so that a Classifier can load the staging folder

        metrics: dict[str, Any] = {
            "backend": options.backend,
            "version": version,
            "train_seconds": train_seconds,
            "train_examples": len(train_set),
            "loose_page_copies": len(loose),
            "dev_examples": len(dev_set),
        }
        for precision in onnx_files:
            classifier = Classifier(staging, precision=precision)
            report, onnx_logits = _dev_metrics(classifier, dev_set, schema)
            metrics[f"dev_{precision}"] = report
            if precision == "fp32" and dev_set:
                metrics["onnx_agrees_with_framework"] = {
                    task: float(np.mean(onnx_logits[task].argmax(1) == framework[task].argmax(1)))
                    for task in schema.task_names
                }
        metrics["dev"] = metrics[f"dev_{config.default_precision}"]
        write_json(staging / METRICS_FILE, metrics)
        publish(staging, out, config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return TrainResult(out, version, metrics, time.perf_counter() - started)
