"""Experiment tracking: where a retrain logs to, what it logs, and that a broken tracker never
fails the retrain."""

from __future__ import annotations

from pathlib import Path

import mlflow

from munseo.classify.tracking import Tracking, track_retrain, tracking_for

REPORT = {
    "pool": {
        "examples": 125,
        "sources": {"reviewed documents": 80, "data/bills (2024, v2+).jsonl": 40, "postgresql://u:secret@db/x": 5},
    },
    "fixed_set": {"documents": 30, "percent": 20},
    "options": {"backend": "linear", "seed": 0},
    "code_version": "0.1.0",
    "train_seconds": 1.5,
    "candidate": {"committee": {"accuracy": 0.9, "macro_f1": 0.8, "ece": 0.03}},
    "active": {"committee": {"accuracy": 0.85, "macro_f1": 0.7, "ece": 0.05}},
}


def test_the_setting_names_a_folder_a_uri_or_off(tmp_path: Path) -> None:
    default = tracking_for(None, tmp_path / "data")
    assert default == Tracking(
        f"sqlite:///{(tmp_path / 'data' / 'mlflow').resolve() / 'mlflow.db'}",
        (tmp_path / "data" / "mlflow" / "artifacts").resolve().as_uri(),
    )
    folder = tracking_for(str(tmp_path / "runs"), tmp_path / "data")
    assert folder is not None and folder.uri.endswith("/runs/mlflow.db") and (tmp_path / "runs").is_dir()
    assert tracking_for("http://mlflow.internal:5000", tmp_path) == Tracking("http://mlflow.internal:5000", None)
    assert tracking_for("off", tmp_path) is None and tracking_for(" OFF ", tmp_path) is None


def test_a_run_is_logged_with_its_figures_and_model_folder(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.onnx").write_bytes(b"onnx")
    tracking = tracking_for(str(tmp_path / "runs"), tmp_path)
    kept = track_retrain(tracking, 7, "20261206-abc", model, False, "no better on any task", REPORT)
    assert kept is not None and "error" not in kept, kept
    client = mlflow.MlflowClient(kept["uri"])
    run = client.get_run(kept["run_id"])
    assert run.info.status == "FINISHED"
    params = run.data.params
    assert (params["source_2"], params["source_2_examples"], params["pool_examples"]) == (
        "data/bills (2024, v2+).jsonl",
        "40",
        "125",
    )  # a source named with any characters is a value, not a key
    assert params["source_3"] == "postgresql://u:***@db/x" and "secret" not in str(params)
    assert run.data.metrics["active.committee.ece"] == 0.05 and run.data.metrics["train_seconds"] == 1.5
    assert run.data.tags["munseo.promoted"] == "false" and run.data.tags["munseo.decision"] == "no better on any task"
    assert [a.path for a in client.list_artifacts(kept["run_id"], "model")] == ["model/model.onnx"]
    # the artifacts stay inside the tracking folder, not in the working directory
    assert list((tmp_path / "runs" / "artifacts").rglob("model.onnx"))


def test_a_broken_tracker_is_reported_not_raised(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    kept = track_retrain(Tracking(f"sqlite:///{blocked}/mlflow.db", None), 1, "v", tmp_path, True, "ok", REPORT)
    assert kept is not None and kept["error"] and "run_id" not in kept
    assert track_retrain(None, 1, "v", tmp_path, True, "ok", REPORT) is None
