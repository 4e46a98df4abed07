"""The classify stage with a shadow version: it labels new documents beside the active one, never
instead of it, and is compared with it on agreement and on what reviewers settled."""

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
from tests.corpus import make_documents, trained_model


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.slow
def test_a_shadow_version_labels_beside_the_active_one_and_is_compared(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    active = register_model(store, settings.data_dir, trained_model(_folder(tmp_path / "a"), seed=4), activate=True)
    other = register_model(store, settings.data_dir, trained_model(_folder(tmp_path / "b"), count=120, seed=9))
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    texts = [d["text"] for d in make_documents(6, seed=11)]
    with TestClient(create_app(settings, executor="local")) as client:
        response = client.post(f"/api/models/{other.version}/shadow", headers=admin, json={"on": True})
        assert response.status_code == 200 and response.json()["shadow"] is True
        assert client.post("/api/models/nope/shadow", headers=admin, json={}).status_code == 404
        pdfs = [text_pdf(tmp_path / f"{i}.pdf", text) for i, text in enumerate(texts)]
        files = [("files", (p.name, p.read_bytes())) for p in pdfs]
        ids = [d["document_id"] for d in client.post("/api/documents", headers=admin, files=files).json()["documents"]]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            docs = [client.get(f"/api/documents/{i}", headers=admin).json() for i in ids]
            if all(d["labels"] for d in docs):
                break
            time.sleep(0.3)
        assert all(label["model_version"] == active.version for d in docs for label in d["labels"].values())

        models = {m["version"]: m for m in client.get("/api/models", headers=admin).json()}
        stats = models[other.version]["shadow_stats"]
        assert stats["documents"] == len(ids) and stats["decisions"] == 2 * len(ids)
        assert 0 <= stats["agreement"] <= 1 and stats["reviewed"] == 0
        assert models[active.version]["shadow_stats"] is None

        first = docs[0]
        truth = {task: label["label"] for task, label in first["labels"].items()}  # the active one was right
        review = client.post(f"/api/documents/{first['id']}/review", headers=admin, json={"action": "accept"})
        assert review.status_code == 200
        stats = client.get("/api/stats", headers=admin).json()["shadow"][other.version]
        assert stats["reviewed"] == len(truth) and stats["active_right"] == len(truth)
        assert stats["shadow_right"] <= len(truth)

        client.post(f"/api/models/{other.version}/shadow", headers=admin, json={"on": False})
        assert client.get("/api/models", headers=admin).json()[0]["shadow"] is False
