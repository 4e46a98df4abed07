"""What the API tests share: a client that signs its requests by role and waits for jobs, and a
two-file upload."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from munseo.config import Settings
from munseo.store.repository import Store
from tests import documents


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], store: Store, settings: Settings) -> None:
        self.client, self.tokens, self.store, self.settings = client, tokens, store, settings

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, url: str, role: str = "viewer", **kw: Any) -> httpx.Response:
        return self.client.get(url, headers=self.headers(role), **kw)

    def post(self, url: str, role: str = "reviewer", **kw: Any) -> httpx.Response:
        return self.client.post(url, headers=self.headers(role), **kw)

    def wait_for_job(self, job_url: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_url).json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.3)
        raise AssertionError(f"{job_url} did not finish: {job}")


def upload_pair(api: Api, tmp_path: Path) -> list[dict]:
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=2)
    png, _ = documents.png_page(tmp_path / "scan.png", seed=31, dpi=200)
    with pdf.open("rb") as a, png.open("rb") as b:
        response = api.post(
            "/api/documents",
            files=[("files", ("bill.pdf", a)), ("files", ("scan.png", b))],
            data={"client_ref": "batch-7"},
        )
    assert response.status_code == 202, response.text
    items = response.json()["documents"]
    assert [i["status"] for i in items] == ["queued", "queued"]
    return items


class Client:
    def __init__(self, client: TestClient, tokens: dict[str, str], store: Store) -> None:
        self.client, self.tokens, self.store = client, tokens, store

    def call(self, method: str, path: str, role: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}
        return self.client.request(method, path, headers=headers, follow_redirects=False, **kw)
