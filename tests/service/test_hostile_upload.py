"""The hostile corpus uploaded to a running service: each file gets a clear answer naming it and
the reason, refused files are recorded as failed documents, hostile names never become paths, odd
request bodies get 4xx, and the service is healthy afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munseo.admission import display_name
from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests import documents
from tests.conftest import fresh_postgres_database
from tests.corpus import trained_model
from tests.hostile import cases

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class Service:
    def __init__(self, client: TestClient, headers: dict[str, str], root: Path, settings: Settings) -> None:
        self.client, self.headers, self.root, self.settings = client, headers, root, settings

    def upload(self, name: str, data: bytes, content_type: str = "application/octet-stream"):  # type: ignore[no-untyped-def]
        return self.client.post("/api/documents", headers=self.headers, files=[("files", (name, data, content_type))])

    def wait(self, doc_id: int) -> dict:
        deadline = time.monotonic() + 180
        while (doc := self.client.get(f"/api/documents/{doc_id}", headers=self.headers).json())["status"] in (
            "pending",
            "processing",
        ):
            assert time.monotonic() < deadline, doc
            time.sleep(0.3)
        return doc


@pytest.fixture(scope="module")
def service(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("hostile-service")
    settings = Settings(
        data_dir=root / "data", database_url=fresh_postgres_database(postgres_url), workers=2, max_file_bytes=400_000
    )
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, trained_model(root, count=200), activate=True)
    headers = {"Authorization": f"Bearer {create_token(store, 'reviewer')}"}
    store.close()
    with TestClient(create_app(settings, executor="local")) as client:
        yield Service(client, headers, root, settings)


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_every_hostile_file_gets_an_answer_and_a_record(service: Service, tmp_path: Path) -> None:
    outside = _files_under(service.root) - _files_under(service.settings.data_dir)
    accepted = []
    for case in cases():
        path = tmp_path / case.filename
        case.make(path)
        data = path.read_bytes()
        if len(data) > service.settings.max_file_bytes:
            continue  # the size limit is tested below
        answer = service.upload(case.filename, data)
        seen = f"{case.name}: {answer.status_code} {answer.text[:300]}"
        if case.refused is None:
            assert answer.status_code == 202, seen
            accepted.append((case, answer.json()["documents"][0]))
            continue
        assert answer.status_code in (413, 415, 422), seen
        error = answer.json()["error"]
        assert error["message"].startswith(f"{case.filename}: ") and case.refused in error["message"].lower(), seen
        doc_id = error["detail"][0]["document_id"]
        assert doc_id is not None, seen
        stored = service.client.get(f"/api/documents/{doc_id}", headers=service.headers).json()
        assert stored["status"] == "failed" and case.refused in stored["error"].lower(), stored
    assert len(accepted) >= 8
    for case, item in accepted:
        doc = service.wait(item["document_id"])
        if doc["status"] != "processed":  # a duplicate of an earlier case is fine; a failure is not
            assert item["status"] == "duplicate", (case.name, doc)
    assert _files_under(service.root) - _files_under(service.settings.data_dir) == outside
    assert service.client.get("/healthz").json() == {"status": "ok"}
    assert service.client.get("/readyz", headers=service.headers).json()["ready"] is True


@pytest.mark.parametrize(
    "name",
    ["../../../../evil.png", "..\\..\\evil.png", "a\x00b.png", "가" * 1000 + ".png", "\u202egnp.exe", "스캔 문서.png"],
    ids=["traversal", "backslashes", "nul", "1000 chars", "right-to-left", "korean"],
)
def test_hostile_names_never_become_paths(service: Service, tmp_path: Path, name: str) -> None:
    seed = 70 + sum(map(ord, name)) % 1000  # a different page for each name, so none is a duplicate
    page, _ = documents.png_page(tmp_path / "page.png", seed=seed, dpi=150)
    before = _files_under(service.root)
    # multipart written by hand: a client library would percent-encode the NUL and keep it from the server
    body = (
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="files"; filename="'
        + name.encode()
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + page.read_bytes()
        + b"\r\n--BOUNDARY--\r\n"
    )
    headers = {**service.headers, "content-type": "multipart/form-data; boundary=BOUNDARY"}
    answer = service.client.post("/api/documents", headers=headers, content=body)
    assert answer.status_code == 202, answer.text
    item = answer.json()["documents"][0]
    assert item["filename"] == display_name(name)
    assert "/" not in item["filename"] and "\x00" not in item["filename"] and len(item["filename"]) <= 255
    doc = service.wait(item["document_id"])
    assert doc["status"] == "processed" and doc["filename"] == item["filename"]
    new = _files_under(service.root) - before
    assert new and all(p.is_relative_to(service.settings.data_dir) for p in new), new
    assert not (service.root.parent / "evil.png").exists()


def test_wrong_bodies_and_oversize_uploads_get_4xx(service: Service, tmp_path: Path) -> None:
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=1).read_bytes()
    wrong_type = service.upload("bill.pdf", pdf, "image/gif")  # what the file is, not what it says
    assert wrong_type.status_code == 202 and wrong_type.json()["documents"][0]["status"] in ("queued", "duplicate")
    json_body = service.client.post("/api/documents", headers=service.headers, json={"files": ["bill.pdf"]})
    assert json_body.status_code == 422 and json_body.json()["error"]["code"] == "validation_error"
    no_files = service.client.post("/api/documents", headers=service.headers, data={"client_ref": "x"})
    assert no_files.status_code == 422
    big = service.upload("big.png", b"\x89PNG\r\n\x1a\n" + bytes(500_000))
    assert big.status_code == 413 and big.json()["error"]["message"].startswith("big.png: the file is over the limit")
    claimed = service.client.post(
        "/api/documents",
        headers={**service.headers, "content-length": str(10**12), "content-type": "multipart/form-data; boundary=x"},
        content=b"--x--",
    )
    assert claimed.status_code in (400, 413, 422)
    text = service.client.post("/api/classify/text", headers=service.headers, content=b"\xff\xfe not json", params={})
    assert text.status_code == 422
    assert service.client.get("/healthz").status_code == 200
