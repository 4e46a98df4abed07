"""PostgreSQL stopped for ten seconds while documents are being processed: requests get a clean 503
with Retry-After (never a 500), the embedded worker carries on by itself when the server is back,
and every document is processed exactly once."""

from __future__ import annotations

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
from tests.conftest import _Cluster, fresh_postgres_database
from tests.corpus import make_documents, trained_model

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _wait_processed(client: TestClient, headers: dict[str, str], ids: list[int], seconds: float = 120) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        docs = [client.get(f"/api/documents/{i}", headers=headers).json() for i in ids]
        if all(d.get("status") == "processed" and d.get("labels") for d in docs) or time.monotonic() > deadline:
            return docs
        time.sleep(0.3)


def test_a_database_outage_answers_503_and_processing_resumes(tmp_path: Path) -> None:
    cluster = _Cluster()  # a server of its own: the outage must not touch the other tests' server
    try:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=fresh_postgres_database(cluster.start()), workers=1
        )
        store = Store(settings.resolved_database_url)
        model = trained_model(tmp_path, count=150, seed=6)
        register_model(store, settings.data_dir, model, activate=True)
        admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
        texts = [d["text"] for d in make_documents(6, seed=31)]
        pdfs = [text_pdf(tmp_path / f"{i}.pdf", text) for i, text in enumerate(texts)]

        def upload(paths: list[Path]) -> list[int]:
            answer = client.post(
                "/api/documents", headers=admin, files=[("files", (p.name, p.read_bytes())) for p in paths]
            )
            assert answer.status_code in (200, 202), answer.text
            return [d["document_id"] for d in answer.json()["documents"]]

        with TestClient(create_app(settings, executor="local")) as client:
            ids = upload(pdfs[:4])
            cluster.pause()
            outage_started = time.monotonic()
            for method, path in (("GET", "/api/documents"), ("GET", f"/api/documents/{ids[0]}"), ("GET", "/api/stats")):
                answer = client.request(method, path, headers=admin)
                assert answer.status_code == 503, (path, answer.status_code, answer.text)
                assert answer.headers["Retry-After"] == "5"
                assert answer.json()["error"]["code"] == "database_unavailable"
            refused = client.post(
                "/api/documents", headers=admin, files=[("files", (pdfs[4].name, pdfs[4].read_bytes()))]
            )
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
            assert client.get("/readyz", headers=admin).status_code == 503
            time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
            cluster.resume()

            ids += upload(pdfs[4:])  # the refused upload, sent again, and one more
            docs = _wait_processed(client, admin, ids)
            assert [d["status"] for d in docs] == ["processed"] * len(ids), docs
            listed = client.get("/api/documents", headers=admin, params={"page_size": 100}).json()
            assert listed["total"] == len(pdfs)  # nothing lost, nothing doubled
            for doc in docs:  # one classification per task, not one per retry
                by_model = [h for h in doc["history"] if h["source"] == "model"]
                assert len(by_model) == len(doc["labels"]), doc["history"]
        store.close()
    finally:
        cluster.stop()
