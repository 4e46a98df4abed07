"""The REST API against a real PostgreSQL, with the embedded worker doing real OCR."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from munseo.classify import TrainOptions, load_dataset, load_schema, train
from munseo.classify.data import read_database
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
from tests.conftest import fresh_postgres_database
from tests.corpus import make_documents, write_jsonl

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def model_folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two versions of a linear model, trained here on generated texts."""
    root = tmp_path_factory.mktemp("service-models")
    schema = load_schema()
    folders = []
    for seed in (1, 2):
        data = write_jsonl(root / f"train-{seed}.jsonl", make_documents(400, seed=seed))
        folder = root / f"model-{seed}"
        train(load_dataset([str(data)], schema), schema, folder, TrainOptions(seed=seed))
        folders.append(folder)
    return folders


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


@pytest.fixture(scope="module")
def api(postgres_url: str, model_folders: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp("service-data")
    settings = Settings(
        data_dir=data_dir,
        database_url=fresh_postgres_database(postgres_url),
        workers=2,
        max_file_bytes=3_000_000,
        sync_max_pages=2,
    )
    store = Store(settings.resolved_database_url)
    tokens = {role: create_token(store, role, name=f"{role}-tester") for role in ("viewer", "reviewer", "admin")}
    for i, folder in enumerate(model_folders):
        register_model(store, data_dir, folder, activate=i == 0)
    with TestClient(create_app(settings, executor="local")) as client:
        yield Api(client, tokens, store, settings)
    store.close()


def _upload(api: Api, tmp_path: Path) -> list[dict]:
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


def test_auth_roles_and_error_shape(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    missing = api.client.get("/api/documents")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized" and "Bearer" in missing.json()["error"]["message"]
    wrong = api.client.get("/api/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert api.post("/api/documents", role="viewer", files=[("files", ("a.png", b"x"))]).status_code == 403
    version = api.get("/api/models").json()[0]["version"]
    refused = api.post(f"/api/models/{version}/activate", role="reviewer")
    assert refused.status_code == 403 and "admin" in refused.json()["error"]["message"]
    assert api.get("/readyz").json()["ready"] is True
    assert api.client.get("/openapi.json").status_code == 401
    assert "/api/documents" in api.get("/openapi.json").json()["paths"]
    docs = api.client.get("/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"] == "/login?next=/docs"
    assert api.client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert api.get("/metrics").status_code == 200 and "munseo_documents" in api.get("/metrics").text


@pytest.mark.slow
def test_upload_processes_in_background_and_review_corrects(api: Api, tmp_path: Path) -> None:
    items = _upload(api, tmp_path)
    for item in items:
        job = api.wait_for_job(item["job_url"])
        assert job["status"] == "done", job
        assert job["model_version"]
    doc = api.get(items[1]["document_url"]).json()
    assert doc["status"] == "processed" and doc["client_ref"] == "batch-7"
    page = doc["pages"][0]
    assert page["source"] == "ocr" and page["blocks"][0]["lines"][0]["words"][0]["bbox"]
    image = api.get(page["image_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    labels = doc["labels"]
    assert set(labels) == {"institution", "doc_type"}
    for task in labels.values():
        assert abs(sum(task["probabilities"].values()) - 1) < 1e-3
        assert task["needs_review"] == (task["confidence"] < 0.70)
    assert doc["needs_review"] == any(t["needs_review"] for t in labels.values())
    assert len([h for h in doc["history"] if h["source"] == "model"]) == 2

    # Same content again: the same document, no new job.
    pdf = tmp_path / "bill.pdf"
    again = api.post("/api/documents", files=[("files", ("copy.pdf", pdf.read_bytes()))]).json()["documents"][0]
    assert again["status"] == "duplicate" and again["document_id"] == items[0]["document_id"]

    # Lists: filters, search, sorting.
    listed = api.get("/api/documents", params={"status": "processed", "sort": "confidence"}).json()
    assert listed["total"] >= 2
    confidences = [d["min_confidence"] for d in listed["items"]]
    assert confidences == sorted(confidences)
    found = api.get("/api/documents", params={"q": "국회는"}).json()
    assert [d["id"] for d in found["items"]] == [items[0]["document_id"]]
    institution = labels["institution"]["label"]
    by_label = api.get("/api/documents", params={"label": f"institution:{institution}"}).json()
    assert items[1]["document_id"] in [d["id"] for d in by_label["items"]]

    # A reviewer corrects one task; history keeps who and when; it becomes training data.
    other = next(label for label in labels["doc_type"]["probabilities"] if label != labels["doc_type"]["label"])
    reviewed = api.post(f"/api/documents/{doc['id']}/review", json={"action": "correct", "labels": {"doc_type": other}})
    assert reviewed.status_code == 200, reviewed.text
    body = reviewed.json()
    assert body["labels"]["doc_type"]["label"] == other and body["labels"]["doc_type"]["source"] == "reviewer"
    assert body["needs_review"] is False and body["reviewed_by"] == "reviewer-tester"
    mine = [h for h in body["history"] if h["source"] == "reviewer"]
    assert {h["task"]: h["label"] for h in mine}["doc_type"] == other and mine[0]["reviewer"] == "reviewer-tester"
    queue = api.get("/api/review/queue").json()
    assert doc["id"] not in [d["id"] for d in queue["items"]]
    examples = read_database(api.settings.resolved_database_url)
    assert any(e.labels["doc_type"] == other for e in examples)
    bad = api.post(f"/api/documents/{doc['id']}/review", json={"action": "correct", "labels": {"doc_type": "영수증"}})
    assert bad.status_code == 422

    stats = api.get("/api/stats").json()
    assert stats["documents"]["by_status"]["processed"] >= 2
    assert stats["reviewed_accuracy"]["doc_type"]["accuracy"] == 0.0
    assert sum(stats["confidence_histograms"]["institution"]["counts"]) >= 2
    assert "ocr" in stats["stage_timings"]


def test_refused_uploads_say_why(api: Api, tmp_path: Path) -> None:
    bad = documents.write_bad_inputs(tmp_path)
    cases = {"renamed": 415, "empty": 422, "encrypted": 422, "bomb": 413, "no_pages": 422}
    for name, status in cases.items():
        path = bad[name]
        response = api.post("/api/documents", files=[("files", (path.name, path.read_bytes()))])
        assert response.status_code == status, (name, response.text)
        error = response.json()["error"]
        assert path.name in error["message"] and error["code"]
        assert error["detail"][0]["status"] == "failed" and error["detail"][0]["document_id"]
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 3_100_000)
    too_big = api.post("/api/documents", files=[("files", ("big.png", big.read_bytes()))])
    assert too_big.status_code == 413 and "over the limit" in too_big.json()["error"]["message"]
    long_pdf = documents.born_digital_pdf(tmp_path / "long.pdf", pages=3)
    sync = api.post("/api/classify/document", role="viewer", files=[("file", ("long.pdf", long_pdf.read_bytes()))])
    assert sync.status_code == 413 and "at most 2" in sync.json()["error"]["message"]
    invalid = api.post("/api/classify/text", role="viewer", json={"text": ""})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "validation_error"


def test_classify_endpoints(api: Api, tmp_path: Path) -> None:
    text = make_documents(1, seed=99)[0]["text"]
    result = api.post("/api/classify/text", role="viewer", json={"text": text}).json()
    assert set(result["tasks"]) == {"institution", "doc_type"}
    assert len(result["tasks"]["institution"]["top"]) == 3
    pdf = documents.born_digital_pdf(tmp_path / "one.pdf", pages=1)
    doc = api.post("/api/classify/document", role="viewer", files=[("file", ("one.pdf", pdf.read_bytes()))])
    assert doc.status_code == 200, doc.text
    body = doc.json()
    assert "국회는" in body["text"] and body["pages"][0]["source"] == "text-layer"
    assert body["prediction"]["model_version"] == result["model_version"]


def test_hot_reload_fails_no_request_in_flight(api: Api) -> None:
    versions = [m["version"] for m in api.get("/api/models").json()]
    active = next(m["version"] for m in api.get("/api/models").json() if m["active"])
    other = next(v for v in versions if v != active)
    text = make_documents(1, seed=5)[0]["text"]
    statuses: list[int] = []
    seen: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            r = api.post("/api/classify/text", role="viewer", json={"text": text})
            statuses.append(r.status_code)
            if r.status_code == 200:
                seen.add(r.json()["model_version"])

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    activated = api.post(f"/api/models/{other}/activate", role="admin")
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    assert activated.status_code == 200 and activated.json()["active"]
    assert statuses and set(statuses) == {200}
    assert seen == {active, other}
    after = api.post("/api/classify/text", role="viewer", json={"text": text}).json()
    assert after["model_version"] == other
    api.post(f"/api/models/{active}/activate", role="admin")


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


def test_search_ranks_documents_with_snippets_and_marks_the_words_on_their_pages(api: Api, tmp_path: Path) -> None:
    """A three-page born-digital bill: 도시철도 is on pages 2–3 only (SENTENCES[6]), 재난 on page 3
    only (SENTENCES[7]); 위원회 stands only inside longer words (정무위원회는, 교육위원회)."""
    pdf = documents.born_digital_pdf(tmp_path / "three.pdf", pages=3)
    answer = api.post("/api/documents", files=[("files", ("three.pdf", pdf.read_bytes()))], data={"client_ref": "s-1"})
    item = answer.json()["documents"][0]
    assert api.wait_for_job(item["job_url"])["status"] == "done"
    doc_id = item["document_id"]

    found = api.get("/api/search", params={"q": "위원회", "client_ref": "s-1"}).json()
    assert [d["id"] for d in found["items"]] == [doc_id] and found["total"] == 1
    hit = found["items"][0]
    assert hit["filename"] == "three.pdf" and hit["score"] > 0
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "위원회"

    late = api.get("/api/search", params={"q": "재난 대응", "client_ref": "s-1"}).json()["items"]
    assert [(d["id"], d["page"]) for d in late] == [(doc_id, 3)]
    hits = api.get(f"/api/documents/{doc_id}/hits", params={"q": "도시철도"}).json()
    assert [p["number"] for p in hits["pages"]] == [2, 3]
    assert all(p["boxes"] and all(len(b) == 4 for b in p["boxes"]) for p in hits["pages"])

    assert api.get("/api/search", params={"q": '"위원회 전문위원"', "client_ref": "s-1"}).json()["total"] == 1
    assert api.get("/api/search", params={"q": '"전문위원 위원회"', "client_ref": "s-1"}).json()["total"] == 0
    assert api.get("/api/search", params={"q": "위원회", "client_ref": "other"}).json()["total"] == 0
    assert api.client.get("/api/search", params={"q": "위원회"}).status_code == 401
    assert api.get("/api/search", params={"q": ""}).status_code == 422


def test_a_rescan_is_linked_to_the_earlier_document_with_its_reviewed_labels_as_suggestion(
    api: Api, tmp_path: Path
) -> None:
    """The same page scanned again (turned a little, noisier, JPEG) is linked to the first scan,
    which lists it; another page of the same kind is not linked; nothing is merged."""
    from munseo.evaluate.testpages import degrade, render_text_page

    page = render_text_page(seed=51, dpi=200, paragraphs=3)
    first, again, other = tmp_path / "first.png", tmp_path / "again.jpg", tmp_path / "other.png"
    page.image.save(first, dpi=(200, 200))
    degrade(page.image, seed=2, angle=0.8, noise=8, jpeg_quality=60).save(again, dpi=(200, 200))
    render_text_page(seed=52, dpi=200, paragraphs=3).image.save(other, dpi=(200, 200))
    ids = []
    for path in (first, again, other):
        answer = api.post("/api/documents", files=[("files", (path.name, path.read_bytes()))]).json()["documents"][0]
        assert api.wait_for_job(answer["job_url"])["status"] == "done"
        ids.append(answer["document_id"])
    first_id, again_id, other_id = ids
    correction = {"action": "correct", "labels": {"doc_type": "회의록"}}
    assert api.post(f"/api/documents/{first_id}/review", json=correction).status_code == 200

    rescan = api.get(f"/api/documents/{again_id}").json()
    assert rescan["near_duplicate_of"] == first_id and rescan["near_duplicate_similarity"] >= 0.5
    reviewed = api.get(f"/api/documents/{first_id}").json()["labels"]
    assert rescan["suggested_labels"] == {task: label["label"] for task, label in reviewed.items()}
    assert rescan["suggested_labels"]["doc_type"] == "회의록"
    assert rescan["status"] == "processed" and rescan["pages"]
    assert api.get(f"/api/documents/{first_id}").json()["near_duplicates"] == [again_id]
    assert api.get(f"/api/documents/{other_id}").json()["near_duplicate_of"] is None
    listed = {d["id"]: d for d in api.get("/api/documents", params={"page_size": 200}).json()["items"]}
    assert listed[again_id]["near_duplicate_of"] == first_id
