"""Redis stopped for ten seconds while Celery processes documents: uploads are still accepted (their
jobs are in the database), /readyz says the broker is unreachable, and when Redis is back the
sweep sends what waited; every document is processed exactly once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.evaluate.testpages import text_pdf
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests.conftest import _free_port, fresh_postgres_database, start_celery_worker, start_redis
from tests.corpus import make_documents, trained_model

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_broker_outage_delays_processing_and_loses_nothing(postgres_url: str, tmp_path: Path) -> None:
    port = _free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis = start_redis(port, tmp_path)  # a server of its own: the outage must not touch other tests
    settings = Settings(
        data_dir=tmp_path / "data", database_url=fresh_postgres_database(postgres_url), broker_url=broker
    )
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, trained_model(tmp_path, count=150, seed=7), activate=True)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    env = {
        **os.environ,
        "MUNSEO_DATA_DIR": str(settings.data_dir),
        "MUNSEO_DATABASE_URL": settings.database_url or "",
        "MUNSEO_BROKER_URL": broker,
    }
    worker = start_celery_worker("outage", env, tmp_path / "worker.log")
    pdfs = [text_pdf(tmp_path / f"{i}.pdf", d["text"]) for i, d in enumerate(make_documents(6, seed=41))]
    try:
        with TestClient(create_app(settings, executor="celery")) as client:

            def upload(paths: list[Path]) -> list[int]:
                answer = client.post(
                    "/api/documents", headers=admin, files=[("files", (p.name, p.read_bytes())) for p in paths]
                )
                assert answer.status_code == 202, answer.text
                return [d["document_id"] for d in answer.json()["documents"]]

            def processed(ids: list[int], seconds: float) -> list[dict]:
                deadline = time.monotonic() + seconds
                while True:
                    docs = [client.get(f"/api/documents/{i}", headers=admin).json() for i in ids]
                    if all(d["status"] == "processed" and d["labels"] for d in docs) or time.monotonic() > deadline:
                        return docs
                    time.sleep(0.3)

            ids = upload(pdfs[:3])
            assert [d["status"] for d in processed(ids, 120)] == ["processed"] * 3
            redis.terminate()
            redis.wait(timeout=10)
            stopped = time.monotonic()
            ids += upload(pdfs[3:])  # accepted while the broker is away: the jobs wait in the database
            ready = client.get("/readyz", headers=admin)
            assert ready.status_code == 503 and ready.json()["checks"]["broker"].startswith("unreachable")
            time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
            redis = start_redis(port, tmp_path)

            docs = processed(ids, 180)
            assert [d["status"] for d in docs] == ["processed"] * len(ids), (
                docs,
                (tmp_path / "worker.log").read_text(),
            )
            assert client.get("/readyz", headers=admin).status_code == 200
            for doc in docs:  # one classification per task, not one per resend
                assert len([h for h in doc["history"] if h["source"] == "model"]) == len(doc["labels"])
            assert client.get("/api/documents", headers=admin).json()["total"] == len(pdfs)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        redis.terminate()
        redis.wait(timeout=10)
        store.close()
