"""The model folder: what it holds, and clear errors when it is corrupt or disagrees with itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from munseo.classify import (
    Classifier,
    ModelError,
)


def test_model_folder_has_what_inference_needs(linear_model: Path, transformer_model: Path):
    for folder in (linear_model, transformer_model):
        names = {p.name for p in folder.iterdir()}
        assert {
            "model.onnx",
            "model.int8.onnx",
            "config.json",
            "label_mappings.json",
            "metrics.json",
            "training_data.json",
        } <= names
        manifest = json.loads((folder / "training_data.json").read_text())
        assert len(manifest["sha256"]) == 64 and manifest["examples"] == 700
        assert sum(manifest["counts"]["institution"].values()) == 700
        metrics = json.loads((folder / "metrics.json").read_text())
        assert set(metrics["dev"]) == {"institution", "doc_type"}
        assert metrics["onnx_agrees_with_framework"] == {"institution": 1.0, "doc_type": 1.0}
    assert (linear_model / "vocabulary.npz").is_file()
    assert (transformer_model / "tokenizer" / "tokenizer.json").is_file()
    assert (transformer_model / "pytorch" / "model.safetensors").is_file()


def test_corrupt_model_folder_fails_with_a_clear_error(linear_model: Path, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(linear_model, folder)
    model = folder / "model.onnx"
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(ModelError, match=r"model\.onnx is corrupt"):
        Classifier(folder)
    (folder / "vocabulary.npz").unlink()
    shutil.copy(linear_model / "model.onnx", model)
    with pytest.raises(ModelError, match=r"vocabulary\.npz is missing"):
        Classifier(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"config\.json is unreadable or not valid JSON"):
        Classifier(folder)
    (folder / "config.json").unlink()
    with pytest.raises(ModelError, match=r"config\.json is missing"):
        Classifier(folder)
    with pytest.raises(ModelError, match="no such folder"):
        Classifier(tmp_path / "nowhere")


def test_schema_and_config_that_disagree(linear_model: Path, tmp_path: Path):
    folder = tmp_path / "copy"
    shutil.copytree(linear_model, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["tasks"]["doc_type"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"differ from config\.json"):
        Classifier(folder)
    config = json.loads((linear_model / "config.json").read_text())
    config["backend"] = "forest"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"config\.json names unknown backend 'forest'"):
        Classifier(folder)
