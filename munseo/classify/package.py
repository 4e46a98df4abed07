"""The model folder: everything inference needs, checked on load.

model.onnx            the network (both backends), logits of every task side by side
model.int8.onnx       dynamically quantised copy (``--quantize``)
config.json           backend, version, tasks, temperatures, thresholds, inputs, checksums
label_mappings.json   the label schema
metrics.json          dev-split metrics (ECE before and after temperature scaling)
training_data.json    manifest of the training data: hash, sources, counts per label
vocabulary.npz        linear: n-gram keys and IDF
tokenizer/            transformer: tokenizer.json (and the Hugging Face tokenizer files)
pytorch/              transformer: the PyTorch weights (encoder + heads)
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from munseo.classify.calibration import calibrated
from munseo.classify.errors import ModelError, SchemaError
from munseo.classify.schema import DEFAULT_SCHEMA_NAME, LabelSchema, load_schema
from munseo.ingest.source import sha256_file

FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
SCHEMA_FILE = DEFAULT_SCHEMA_NAME
METRICS_FILE = "metrics.json"
DATA_MANIFEST_FILE = "training_data.json"
MODEL_FILE = "model.onnx"
INT8_MODEL_FILE = "model.int8.onnx"
DEFAULT_THRESHOLD = 0.70


class TaskOutput(BaseModel):
    """Where a task's logits lie in the model's ``logits`` output: columns [start, stop)."""

    start: int = Field(ge=0)
    stop: int = Field(gt=0)
    temperature: float = Field(gt=0)
    threshold: float = Field(ge=0, le=1)
    # (slope, intercept) on the temperature-scaled top probability's log-odds; None: temperature only
    # (see calibration.py)
    confidence_map: tuple[float, float] | None = None

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated distributions of this task's logits, [documents, labels]."""
        return calibrated(logits, self.temperature, self.confidence_map)


class ModelConfig(BaseModel):
    format_version: int
    backend: str  # a name in munseo.classify.backends.BACKENDS
    version: str
    created_at: str
    tasks: dict[str, TaskOutput]
    inputs: list[str]
    onnx: dict[str, str]  # precision ("fp32", "int8") → file
    default_precision: Literal["fp32", "int8"] = "fp32"
    features: dict[str, Any] | None = None  # linear: FeatureConfig
    tokenizer: dict[str, Any] | None = None  # transformer: chunking and padding
    training: dict[str, Any] = Field(default_factory=dict)
    checksums: dict[str, str] = Field(default_factory=dict)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CONFIG_FILE)


def json_text(data: Any) -> str:
    """``data`` as the indented UTF-8 JSON every file and printout of this stage uses."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_json(path: Path, data: Any) -> None:
    path.write_text(json_text(data), encoding="utf-8")


def new_version(name: str, model_file: Path) -> tuple[str, str]:
    """A version name (``NAME-YYYYmmddHHMMSS-HASH8``) and the creation time."""
    now = datetime.now(UTC)
    return f"{name}-{now:%Y%m%d%H%M%S}-{sha256_file(model_file)[:8]}", now.isoformat(timespec="seconds")


def staging_folder(out: Path) -> Path:
    """A fresh folder beside ``out`` to build the model in; ``publish`` moves it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    return staging


def write_config(folder: Path, config: ModelConfig) -> None:
    """Write config.json with the checksum of every other file in the folder."""
    config.checksums = {str(p.relative_to(folder)): sha256_file(p) for p in _files(folder)}
    write_json(folder / CONFIG_FILE, config.model_dump(mode="json"))


def publish(staging: Path, out: Path, config: ModelConfig) -> None:
    """Write config.json and move the folder to ``out``. An existing model folder at ``out`` is
    replaced; any other non-empty folder is refused."""
    write_config(staging, config)
    if out.exists():
        if any(out.iterdir()) and not (out / CONFIG_FILE).exists():
            shutil.rmtree(staging)
            raise ModelError(out, "exists and is not a model folder; choose another --out")
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old)
    else:
        staging.rename(out)


def read_config(folder: Path, verify: bool = True) -> ModelConfig:
    """The folder's config, after checking that every file it lists is there and unchanged."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(folder, "no such folder (train one with `munseo train --out FOLDER`)")
    path = folder / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(folder, f"{CONFIG_FILE} is missing: not a model folder, or an unfinished one") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(folder, f"{CONFIG_FILE} is unreadable or not valid JSON ({exc})") from exc
    if isinstance(data, dict) and data.get("format_version") not in (None, FORMAT_VERSION):
        raise ModelError(
            folder,
            f"format version {data.get('format_version')} is not supported "
            f"(this munseo reads version {FORMAT_VERSION})",
        )
    try:
        config = ModelConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ModelError(folder, f"{CONFIG_FILE} is invalid at {where or 'the top level'}: {first['msg']}") from exc
    if verify:
        for name, expected in config.checksums.items():
            file = folder / name
            if not file.is_file():
                raise ModelError(folder, f"{name} is missing")
            if sha256_file(file) != expected:
                raise ModelError(folder, f"{name} is corrupt: its SHA-256 does not match {CONFIG_FILE}")
        for precision, name in config.onnx.items():
            if name not in config.checksums:
                raise ModelError(folder, f"the {precision} model {name} is not listed in the checksums")
    return config


def read_schema(folder: Path, config: ModelConfig) -> LabelSchema:
    try:
        schema = load_schema(folder / SCHEMA_FILE)
    except SchemaError as exc:
        raise ModelError(folder, str(exc)) from exc
    if schema.task_names != list(config.tasks):
        raise ModelError(
            folder, f"{SCHEMA_FILE} tasks {schema.task_names} differ from {CONFIG_FILE} tasks {list(config.tasks)}"
        )
    for task, output in config.tasks.items():
        if output.stop - output.start != len(schema.labels(task)):
            raise ModelError(
                folder,
                f"task {task!r} has {len(schema.labels(task))} labels in {SCHEMA_FILE} but "
                f"{output.stop - output.start} outputs in {CONFIG_FILE}",
            )
    return schema
