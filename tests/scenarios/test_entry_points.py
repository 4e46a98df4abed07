"""Scenario: every entry point runs the same stages. The same file through ``munseo ingest``,
``munseo watch`` and an upload to the API ends with the same stored pages and labels; without an
active model, documents wait and are classified once a version is activated."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from munseo.classify.registry import activate_model, register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests import documents
from tests.corpus import trained_model
from tests.test_cli import munseo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_model(tmp_path_factory.mktemp("entry-model"), seed=5)


def _stored(data_dir: Path) -> dict[str, Any]:
    """What the database holds of its one processed document: pages and labels."""
    client_token, view = _viewer(data_dir)
    with TestClient(create_app(Settings(data_dir=data_dir), executor="none")) as client:
        headers = {"Authorization": f"Bearer {client_token}"}
        items = client.get("/api/documents", headers=headers, params={"status": "processed"}).json()["items"]
        assert len(items) == 1, items
        doc = client.get(f"/api/documents/{items[0]['id']}", headers=headers).json()
    view.close()
    return {
        "pages": [(p["number"], p["source"], p["text"]) for p in doc["pages"]],
        "labels": {task: (label["label"], round(label["confidence"], 4)) for task, label in doc["labels"].items()},
        "pending": doc["classification_pending"],
        "history": len(doc["history"]),
    }


def _viewer(data_dir: Path) -> tuple[str, Store]:
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    return create_token(store, "viewer"), store


def _with_model(data_dir: Path, model_folder: Path, activate: bool = True) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    version = register_model(store, data_dir, model_folder, activate=activate).version
    store.close()
    return version


def test_cli_ingest_watch_and_upload_store_the_same(model_folder: Path, tmp_path: Path) -> None:
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=2)

    ingested = tmp_path / "ingest-data"
    _with_model(ingested, model_folder)
    run = munseo("ingest", str(pdf), data_dir=ingested, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "classified (model" in run.stdout and "sent to review" in run.stdout

    watched = tmp_path / "watch-data"
    _with_model(watched, model_folder)
    inbox = tmp_path / "inbox"
    (inbox / "acme").mkdir(parents=True)
    (inbox / "acme" / "bill.pdf").write_bytes(pdf.read_bytes())
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    run = munseo("watch", str(inbox), "--once", "--settle", "0.5", "--poll", "0.2", data_dir=watched, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (inbox / "done" / "acme" / "bill.pdf").is_file() and not (inbox / "acme" / "bill.pdf").exists()
    assert (inbox / "failed" / "broken.pdf.reason.txt").read_text().strip()

    uploaded = tmp_path / "api-data"
    _with_model(uploaded, model_folder)
    settings = Settings(data_dir=uploaded, workers=1)
    store = Store(settings.resolved_database_url)
    token = create_token(store, "reviewer")
    with TestClient(create_app(settings, executor="local")) as client:
        headers = {"Authorization": f"Bearer {token}"}
        item = client.post("/api/documents", headers=headers, files=[("files", ("bill.pdf", pdf.read_bytes()))])
        job_url = item.json()["documents"][0]["job_url"]
        deadline = time.monotonic() + 120
        while (job := client.get(job_url, headers=headers).json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
    store.close()

    results = [_stored(d) for d in (ingested, watched, uploaded)]
    assert results[0]["labels"] and results[0]["pages"] and results[0]["history"] == len(results[0]["labels"])
    assert results[0] == results[1] == results[2]


def test_without_a_model_documents_wait_and_are_classified_on_activation(model_folder: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    version = _with_model(data_dir, model_folder, activate=False)
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=1)
    run = munseo("ingest", str(pdf), data_dir=data_dir, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "waiting for a model" in run.stdout
    waiting = _stored(data_dir)
    assert waiting["labels"] == {} and waiting["pending"] == "waiting for a model"

    settings = Settings(data_dir=data_dir, workers=1)
    store = Store(settings.resolved_database_url)
    with TestClient(create_app(settings, executor="local")):
        time.sleep(1.5)  # the server's executor runs, and finds no model
        assert _stored(data_dir)["pending"] == "waiting for a model"
        activate_model(store, version)
        deadline = time.monotonic() + 30
        while (now := _stored(data_dir))["pending"] is not None:
            assert time.monotonic() < deadline, now
            time.sleep(0.3)
    store.close()
    assert set(now["labels"]) == {"institution", "doc_type"}
