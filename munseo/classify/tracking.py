"""Experiment tracking: each retrain run logged to MLflow, when MLflow is installed.

The database stays the record (runs, registry entries, reports); MLflow is a second view for
people who compare experiments there. A run logs its parameters (backend, seed, code version, pool
and fixed-set sizes, training sources), its metrics (per task, for the candidate and the active
version: accuracy, macro-F1, ECE), the decision as tags, and the model folder as artifacts.

Where: ``MUNSEO_MLFLOW_URI`` — a folder (its ``mlflow.db`` holds the runs, ``artifacts/`` the
files), or a tracking URI with a scheme and ``://`` (``sqlite:///…``, ``http://…``); unset,
``DATA_DIR/mlflow``; ``off`` turns tracking off. Tracking never fails a retrain: an error is logged and reported.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)
EXPERIMENT = "munseo-retrain"
OFF = "off"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def mlflow_installed() -> bool:
    return importlib.util.find_spec("mlflow") is not None


@dataclass(frozen=True)
class Tracking:
    """Where runs go: a tracking URI, and where new experiments keep their files (None: MLflow's
    own choice, for a remote server)."""

    uri: str
    artifacts: str | None


def tracking_for(setting: str | None, data_dir: Path) -> Tracking | None:
    """Where a retrain logs to, from ``MUNSEO_MLFLOW_URI``; None when MLflow is not installed or
    tracking is off."""
    if setting is not None and setting.strip().lower() == OFF:
        return None
    if not mlflow_installed():
        return None
    if setting and _SCHEME.match(setting):
        return Tracking(setting, None)
    folder = Path(setting) if setting else data_dir / "mlflow"
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return Tracking(f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri())


def _metrics(report: dict[str, Any]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for who in ("candidate", "active"):
        for task, figures in (report.get(who) or {}).items():
            for name in ("accuracy", "macro_f1", "ece"):
                value = figures.get(name)
                if value is not None:
                    metrics[f"{who}.{task}.{name}"] = float(value)
    if "train_seconds" in report:
        metrics["train_seconds"] = float(report["train_seconds"])
    return metrics


def _params(run: int, report: dict[str, Any]) -> dict[str, str]:
    pool = report.get("pool", {})
    params = {
        "munseo_run": str(run),
        "backend": str(report.get("options", {}).get("backend")),
        "seed": str(report.get("options", {}).get("seed")),
        "code_version": str(report.get("code_version")),
        "pool_examples": str(pool.get("examples")),
        "fixed_set_documents": str(report.get("fixed_set", {}).get("documents")),
        "fixed_set_percent": str(report.get("fixed_set", {}).get("percent")),
    }
    # a source's name is a value, never a key (MLflow allows few characters in keys), and a
    # database URL's password is left out
    for n, (source, count) in enumerate(pool.get("sources", {}).items(), 1):
        params[f"source_{n}"] = _without_password(str(source))[:500]
        params[f"source_{n}_examples"] = str(count)
    return params


def _without_password(source: str) -> str:
    if "://" not in source:
        return source
    try:
        return make_url(source).render_as_string(hide_password=True)
    except ArgumentError:
        return source


def log_retrain(
    tracking: Tracking, run: int, version: str, model_dir: Path, promoted: bool, decision: str, report: dict[str, Any]
) -> str:
    """Log one retrain run; returns MLflow's run id. Raises whatever MLflow raises."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking.uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = (
        experiment.experiment_id
        if experiment is not None
        else client.create_experiment(EXPERIMENT, artifact_location=tracking.artifacts)
    )
    tags = {"munseo.version": version, "munseo.promoted": str(promoted).lower(), "munseo.decision": decision[:5000]}
    found = client.create_run(experiment_id, run_name=f"retrain {run} → {version}", tags=tags)
    run_id = found.info.run_id
    try:
        for key, value in _params(run, report).items():
            client.log_param(run_id, key, value)
        for key, value in _metrics(report).items():
            client.log_metric(run_id, key, value)
        client.log_artifacts(run_id, str(model_dir), artifact_path="model")
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id


def track_retrain(
    tracking: Tracking | None,
    run: int,
    version: str,
    model_dir: Path,
    promoted: bool,
    decision: str,
    report: dict[str, Any],
) -> dict[str, str] | None:
    """``log_retrain`` that never raises: what to keep in the run's report (the MLflow run, or the
    error), or None when tracking is off."""
    if tracking is None:
        return None
    try:
        run_id = log_retrain(tracking, run, version, model_dir, promoted, decision, report)
    except Exception as exc:  # tracking is a side view: whatever goes wrong there must not fail the retrain
        log.warning("retrain %s: MLflow tracking failed: %s", run, exc)
        return {"uri": tracking.uri, "error": f"{type(exc).__name__}: {exc}"}
    return {"uri": tracking.uri, "run_id": run_id}
