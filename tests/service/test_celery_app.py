"""Celery + Redis: two real worker processes, one killed mid-run; every document ends processed once."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from munseo.classify import TrainOptions, load_dataset, load_schema, train
from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.models import ClassificationHistory, Document, Job
from munseo.store.repository import Store
from tests import documents
from tests.conftest import fresh_postgres_database, start_celery_worker
from tests.corpus import make_documents, write_jsonl

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_killed_worker_loses_nothing_and_nothing_runs_twice(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=fresh_postgres_database(postgres_url),
        broker_url=redis_url,
        job_stale_seconds=4,
    )
    store = Store(settings.resolved_database_url)
    schema = load_schema()
    model = tmp_path / "model"
    data = write_jsonl(tmp_path / "train.jsonl", make_documents(300, seed=3))
    train(load_dataset([str(data)], schema), schema, model, TrainOptions())
    register_model(store, settings.data_dir, model, activate=True)
    token = create_token(store, "reviewer")
    env = {
        **os.environ,
        "MUNSEO_DATA_DIR": str(settings.data_dir),
        "MUNSEO_DATABASE_URL": settings.database_url or "",
        "MUNSEO_BROKER_URL": redis_url,
        "MUNSEO_JOB_STALE_SECONDS": "4",
    }
    workers = [start_celery_worker(f"w{i}", env, tmp_path / f"worker-{i}.log") for i in (1, 2)]
    try:
        files = [documents.png_page(tmp_path / f"page-{n:02d}.png", seed=100 + n, dpi=150)[0] for n in range(20)]
        with TestClient(create_app(settings, executor="celery")) as client:
            response = client.post(
                "/api/documents",
                headers={"Authorization": f"Bearer {token}"},
                files=[("files", (f.name, f.read_bytes())) for f in files],
            )
            assert response.status_code == 202, response.text
            job_ids = [d["job_id"] for d in response.json()["documents"]]
            assert len(job_ids) == 20

            def done() -> int:
                with store.sessions() as session:
                    return sum(1 for j in session.scalars(select(Job).where(Job.id.in_(job_ids))) if j.status == "done")

            deadline = time.monotonic() + 240
            while done() < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert done() < 20, "the kill must come while work is left"
            os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and its pool processes, mid-job
            workers[0].wait()
            while done() < 20 and time.monotonic() < deadline:
                time.sleep(0.5)
        with store.sessions() as session:
            jobs = list(session.scalars(select(Job).where(Job.id.in_(job_ids))))
            docs = list(session.scalars(select(Document).where(Document.id.in_([j.document_id for j in jobs]))))
            history = Counter(
                (h.document_id, h.task)
                for h in session.scalars(select(ClassificationHistory).where(ClassificationHistory.source == "model"))
            )
        assert [j.status for j in jobs] == ["done"] * 20, [(j.id, j.status, j.error) for j in jobs]
        assert all(d.status == "processed" and d.page_count == 1 and d.text for d in docs)
        assert sorted(history.values()) == [1] * 40, "each document classified exactly once per task"
        assert {h[0] for h in history} == {d.id for d in docs}
        assert any(j.attempts > 1 for j in jobs), "the killed worker's job was taken over"
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                w.wait(timeout=30)
        store.close()
