"""The stage list drives both executors: a stage added by a plugin (``tests/stage_plugin.py``) runs
after classification through the embedded executor and through Celery, with no executor code
touched; ``munseo ingest`` runs it too."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.stages import Scope, after, stages
from munseo.store.models import Job
from munseo.store.repository import Store
from tests import documents
from tests.conftest import fresh_postgres_database, start_celery_worker
from tests.corpus import trained_model
from tests.test_cli import munseo

PLUGIN = "tests.stage_plugin:STAMP"


def test_the_stage_list_is_the_built_in_stages_then_the_plugins() -> None:
    plain = stages(Settings())
    assert [(s.name, s.scope, s.chain) for s in plain] == [
        ("ocr", Scope.PAGE, True),
        ("classify", Scope.DOCUMENT, True),
        ("retrain", Scope.DOCUMENT, False),
    ]
    assert after(plain, "ocr") == "classify" and after(plain, "classify") is None
    extended = stages(Settings(stage_plugins=[PLUGIN]))
    assert [s.name for s in extended] == ["ocr", "classify", "retrain", "stamp"]
    # a stage outside the chain is never handed on to, and hands on to nothing
    assert after(extended, "classify") == "stamp" and after(extended, "stamp") is None
    assert after(extended, "retrain") is None
    with pytest.raises(TypeError, match="not a munseo Stage"):
        stages(Settings(stage_plugins=["tests.stage_plugin:stamp"]))


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_model(tmp_path_factory.mktemp("stage-model"), seed=4)


def _upload_and_wait(client: TestClient, token: str, store: Store, pdfs: list[Path]) -> list[Job]:
    response = client.post(
        "/api/documents",
        headers={"Authorization": f"Bearer {token}"},
        files=[("files", (p.name, p.read_bytes())) for p in pdfs],
    )
    assert response.status_code == 202, response.text
    ids = [d["job_id"] for d in response.json()["documents"]]
    deadline = time.monotonic() + 180
    while True:
        with store.sessions() as session:
            jobs = list(session.scalars(select(Job).where(Job.id.in_(ids))))
        if all(j.status in ("done", "failed") for j in jobs) or time.monotonic() > deadline:
            return jobs
        time.sleep(0.3)


@pytest.mark.slow
def test_a_plugin_stage_runs_through_the_embedded_executor_and_ingest(model_folder: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=1, stage_plugins=[PLUGIN])
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, model_folder, activate=True)
    token = create_token(store, "reviewer")
    pdfs = [documents.born_digital_pdf(tmp_path / f"bill-{n}.pdf", pages=n) for n in (1, 2)]
    with TestClient(create_app(settings, executor="local")) as client:
        jobs = _upload_and_wait(client, token, store, pdfs)
    assert [(j.status, j.stage) for j in jobs] == [("done", "stamp")] * 2, [(j.status, j.error) for j in jobs]
    assert all((settings.data_dir / "stamped" / str(j.document_id)).is_file() for j in jobs)
    store.close()

    extra = documents.born_digital_pdf(tmp_path / "bill-3.pdf", pages=3)
    env_data = tmp_path / "data"
    os.environ["MUNSEO_STAGE_PLUGINS"] = f'["{PLUGIN}"]'
    try:
        run = munseo("ingest", str(extra), data_dir=env_data, cwd=Path.cwd())
    finally:
        del os.environ["MUNSEO_STAGE_PLUGINS"]
    assert run.returncode == 0, run.stderr
    stamped = sorted(p.name for p in (env_data / "stamped").iterdir())
    assert len(stamped) == 3 and "ingest" in (env_data / "stamped" / stamped[-1]).read_text()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_plugin_stage_runs_through_celery(
    model_folder: Path, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=fresh_postgres_database(postgres_url),
        broker_url=redis_url,
        stage_plugins=[PLUGIN],
    )
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, model_folder, activate=True)
    token = create_token(store, "reviewer")
    env = {
        **os.environ,
        "MUNSEO_DATA_DIR": str(settings.data_dir),
        "MUNSEO_DATABASE_URL": settings.database_url or "",
        "MUNSEO_BROKER_URL": redis_url,
        "MUNSEO_STAGE_PLUGINS": f'["{PLUGIN}"]',
    }
    worker = start_celery_worker("stages", env, tmp_path / "worker.log")
    try:
        pdfs = [documents.born_digital_pdf(tmp_path / f"bill-{n}.pdf", pages=n) for n in (1, 2, 3)]
        with TestClient(create_app(settings, executor="celery")) as client:
            jobs = _upload_and_wait(client, token, store, pdfs)
        assert [(j.status, j.stage) for j in jobs] == [("done", "stamp")] * 3, (
            [(j.status, j.stage, j.error) for j in jobs],
            (tmp_path / "worker.log").read_text()[-3000:],
        )
        markers = [(settings.data_dir / "stamped" / str(j.document_id)).read_text() for j in jobs]
        assert all("celery" in m for m in markers)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        store.close()
