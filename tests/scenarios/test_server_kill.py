"""`munseo serve` SIGKILLed in the middle of a batch and started again: every accepted document is
processed, and exactly once (one model classification per task, no document twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests import documents
from tests.conftest import _free_port
from tests.corpus import trained_model

pytestmark = pytest.mark.slow
PAGES = 10


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "munseo", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the server and its OCR processes die together
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"munseo serve did not start:\n{log.read_text()}")


def test_a_server_killed_mid_batch_processes_everything_once_after_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'munseo.db'}")
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, trained_model(tmp_path, count=150, seed=12), activate=True)
    headers = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    env = {**os.environ, "MUNSEO_DATA_DIR": str(settings.data_dir), "MUNSEO_DATABASE_URL": settings.database_url}
    port, log = _free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    pages = [documents.png_page(tmp_path / f"page-{n}.png", seed=60 + n, dpi=200)[0] for n in range(PAGES)]

    def statuses() -> Counter[str]:
        listed = httpx.get(f"{url}/api/documents", headers=headers, params={"page_size": 100}, timeout=30).json()
        return Counter(d["status"] for d in listed["items"])

    server = _serve(env, port, log)
    try:
        files = [("files", (p.name, p.read_bytes())) for p in pages]
        answer = httpx.post(f"{url}/api/documents", headers=headers, files=files, timeout=60)
        assert answer.status_code == 202, answer.text
        ids = [d["document_id"] for d in answer.json()["documents"]]
        deadline = time.monotonic() + 120
        while statuses()["processed"] < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert statuses()["processed"] < PAGES, "the kill must come while work is left"
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)

        server = _serve(env, port, log)
        deadline = time.monotonic() + 240
        while statuses()["processed"] < PAGES and time.monotonic() < deadline:
            time.sleep(0.5)
        assert statuses() == Counter({"processed": PAGES}), log.read_text()[-3000:]
        for doc_id in ids:
            doc = httpx.get(f"{url}/api/documents/{doc_id}", headers=headers, timeout=30).json()
            by_model = [h for h in doc["history"] if h["source"] == "model"]
            assert len(by_model) == len(doc["labels"]) > 0, doc["history"]  # classified once, not twice
            assert len(doc["pages"]) == 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        store.close()
