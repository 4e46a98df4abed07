"""Training: split, fit a backend, calibrate on the dev split, export to ONNX, measure, package."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from munseo.classify.backends import FitRequest, get_backend
from munseo.classify.calibration import fit_confidence_map, fit_temperature, softmax
from munseo.classify.data import Dataset, Example, folds, loose_pages, split
from munseo.classify.inference import Classifier
from munseo.classify.options import TrainOptions
from munseo.classify.package import (
    DATA_MANIFEST_FILE,
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


@dataclass
class TrainResult:
    folder: Path
    version: str
    metrics: dict[str, Any]
    seconds: float


def targets_of(examples: Sequence[Example], schema: LabelSchema, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(row indices of the examples labelled for ``task`` with a label of the schema, their label indices)."""
    known = set(schema.labels(task))
    rows = [i for i, e in enumerate(examples) if e.labels.get(task) in known]
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


def dev_report(
    logits: dict[str, np.ndarray], dev: Sequence[Example], schema: LabelSchema, tasks: dict[str, TaskOutput]
) -> dict[str, Any]:
    """Calibrated metrics per task of dev logits."""
    report: dict[str, Any] = {}
    for task, z in logits.items():
        rows, targets = targets_of(dev, schema, task)
        output = tasks[task]
        metrics = task_metrics(schema.labels(task), targets, output.probabilities(z[rows]), softmax(z[rows]))
        report[task] = metrics.to_dict() | {
            "temperature": output.temperature,
            "confidence_map": output.confidence_map is not None,
        }
    return report


def rare_labels(counts: dict[str, dict[str, int]], fewest: int) -> dict[str, dict[str, int]]:
    """Per task, the labels with at least one but fewer than ``fewest`` training examples."""
    return {
        task: rare
        for task, labels in counts.items()
        if (rare := {label: n for label, n in labels.items() if 0 < n < fewest})
    }


def dev_fraction(size: int, options: TrainOptions) -> float:
    """The share of ``size`` examples a dev split takes: ``options.dev_fraction``, and no more
    than ``options.max_dev`` examples."""
    return min(options.dev_fraction, options.max_dev / max(1, size))


def calibration_folds(train_size: int, share: float, options: TrainOptions) -> int:
    """How many train/dev splits calibration takes its held-out logits from, when the model is
    fitted again on train + dev, for a first training split of ``train_size`` examples and dev
    splits of ``share``: ``options.calibration_folds`` (five, as scikit-learn's
    ``CalibratedClassifierCV`` folds), as many as the examples allow, and as many as let the extra
    fits see no more than two training splits of ``options.refit_max`` examples in all. Without a
    refit there is one: the extra fits would calibrate another model than the one served."""
    if options.calibration_folds < 2 or train_size == 0:
        return 1
    affordable = 1 + 2 * options.refit_max // train_size
    return max(1, min(options.calibration_folds, affordable, int(1 / share)))


def train(
    dataset: Dataset,
    schema: LabelSchema,
    out: Path,
    options: TrainOptions,
    log: Callable[[str], None] = lambda _: None,
) -> TrainResult:
    """Train a model on ``dataset`` and write its folder to ``out`` (replacing an older model there)."""
    started = time.perf_counter()
    chosen = get_backend(options.backend)
    share = dev_fraction(len(dataset.examples), options)
    train_set, dev_set = split(dataset.examples, schema, share, options.seed)
    loose = loose_pages(train_set, options.loose_pages, options.seed)
    log(
        f"{len(train_set)} training examples (+{len(loose)} loose-page copies) and {len(dev_set)} dev examples; "
        f"backend {options.backend}"
    )
    fit_set = train_set + loose
    refit = options.refit and chosen.refits and bool(dev_set) and len(train_set) <= options.refit_max
    # the first split's model is the one served: the others only add held-out logits
    count = calibration_folds(len(train_set), share, options) if refit else 1
    later = folds(dataset.examples, schema, share, options.seed, count)[1:] if count > 1 else []
    more = [(rest + loose_pages(rest, options.loose_pages, options.seed), held) for rest, held in later if held]
    trained_on = [*fit_set, *dev_set] if refit else fit_set
    trained_set = Dataset(list(trained_on), dataset.sources)
    train_counts, pair_counts = trained_set.label_counts(schema), trained_set.label_pairs(schema)
    staging = staging_folder(out)
    try:
        fitted = chosen.fit(FitRequest(fit_set, dev_set, schema, options, refit, log, more))
        model, held_out = fitted.model, fitted.dev_logits
        calibration_set = [*dev_set, *(e for _, held in more for e in held)]
        exported = chosen.export(model, staging)
        settings = chosen.options(options) | exported.training
        train_seconds = time.perf_counter() - started
        schema.save(staging / SCHEMA_FILE)

        # calibration per task on the dev splits, from the in-framework logits of models that have
        # not seen them: a temperature, then a confidence map of the scaled probabilities
        tasks = {}
        for task, (start, stop) in task_columns(schema).items():
            rows, targets = targets_of(calibration_set, schema, task)
            z = held_out[task][rows]
            temperature = fit_temperature(z, targets) if len(rows) else 1.0
            tasks[task] = TaskOutput(
                start=start,
                stop=stop,
                temperature=temperature,
                threshold=options.threshold,
                confidence_map=fit_confidence_map(softmax(z, temperature), targets),
            )
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
            inputs=exported.inputs,
            onnx=onnx_files,
            default_precision="int8" if options.quantize else "fp32",
            features=exported.features,
            tokenizer=exported.tokenizer,
            training={
                "seed": options.seed,
                "dev_fraction": options.dev_fraction,
                "refit_on_dev": refit,
                "options": settings,
            },
        )
        splits = {"train": len(train_set), "loose_page_copies": len(loose), "dev": len(dev_set)}
        counts = {"train_counts": train_counts, "pair_counts": pair_counts}
        write_json(staging / DATA_MANIFEST_FILE, dataset.manifest(schema, splits) | counts)
        write_config(staging, config)  # so that a Classifier can load the staging folder

        metrics: dict[str, Any] = {
            "backend": options.backend,
            "version": version,
            "train_seconds": train_seconds,
            "train_examples": len(train_set),
            "loose_page_copies": len(loose),
            "dev_examples": len(dev_set),
            "calibration_examples": len(calibration_set),
            "calibration_splits": len(more) + 1,
            "refit_on_dev": refit,
            # before a refit, the dev splits are held out: these are their figures
            "dev": dev_report(held_out, calibration_set, schema, tasks),
        }
        dev_texts = [e.text for e in dev_set]
        framework = model.logits(dev_texts) if dev_set else {}
        for precision in onnx_files:
            classifier = Classifier(staging, precision=precision)
            onnx_logits = classifier.task_logits(classifier.logits(dev_texts).astype(np.float64))
            if not refit:
                metrics[f"dev_{precision}"] = dev_report(onnx_logits, dev_set, schema, tasks)
            if dev_set:
                metrics[
                    f"onnx_{precision}_agrees_with_framework" if precision != "fp32" else "onnx_agrees_with_framework"
                ] = {
                    task: float(np.mean(onnx_logits[task].argmax(1) == framework[task].argmax(1)))
                    for task in schema.task_names
                }
        if not refit:
            metrics["dev"] = metrics[f"dev_{config.default_precision}"]
        write_json(staging / METRICS_FILE, metrics)
        publish(staging, out, config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return TrainResult(out, version, metrics, time.perf_counter() - started)
