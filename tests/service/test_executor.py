"""The embedded executor: jobs a crashed server left running are picked up when it starts again."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.ingest import inspect_file
from munseo.pipeline import limits_from
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.files import DataDir
from munseo.store.models import Job, utcnow
from munseo.store.repository import Store
from tests import documents

pytestmark = pytest.mark.postgres


@pytest.mark.slow
def test_jobs_left_running_by_a_crashed_server_are_picked_up_on_restart(
    model_folders: list[Path], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=1)
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, model_folders[0], activate=True)
    png, _ = documents.png_page(tmp_path / "scan.png", seed=61, dpi=150)
    source = inspect_file(png, limits_from(settings), settings.dpi)
    original = DataDir(settings.data_dir).store_original(png, source.sha256, source.kind.value)
    doc_id = store.documents.start(
        sha256=source.sha256,
        filename="scan.png",
        mime=source.kind.value,
        size=source.size,
        page_count=1,
        original_path=str(original),
    )
    job_id = store.jobs.create(doc_id)
    with store.sessions.begin() as session:  # as a server killed mid-job leaves it
        job = session.get(Job, job_id)
        job.status, job.worker, job.heartbeat_at = "running", f"{socket.gethostname()}:4242:local", utcnow()
    token = create_token(store, "viewer")
    with TestClient(create_app(settings, executor="local")) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job_state = client.get(f"/api/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).json()
            if job_state["status"] == "done":
                break
            time.sleep(0.3)
    assert job_state["status"] == "done" and job_state["attempts"] >= 2
    doc = store.documents.get(doc_id)
    assert doc is not None and doc.status == "processed" and doc.pages
    store.close()
