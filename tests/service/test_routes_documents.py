"""The documents, review and classify routes against a real PostgreSQL, with the embedded worker
doing real OCR: uploads processed in the background and corrected by a reviewer, refusals that say
why, synchronous classification."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.classify.data import read_database
from munseo.service.routes_documents import INLINE_TEXT_CHARS
from munseo.text import document_text
from tests import documents
from tests.corpus import make_documents
from tests.service.common import Api, upload_pair

pytestmark = pytest.mark.postgres


@pytest.mark.slow
def test_upload_processes_in_background_and_review_corrects(api: Api, tmp_path: Path) -> None:
    items = upload_pair(api, tmp_path)
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
    # a text over INLINE_TEXT_CHARS is classified in the thread pool: the same answer as the model's own
    long_text = (text + "\n") * (INLINE_TEXT_CHARS // len(text) + 2)
    assert len(long_text) > INLINE_TEXT_CHARS
    long = api.post("/api/classify/text", role="viewer", json={"text": long_text})
    assert long.status_code == 200, long.text
    expected = api.client.app.state.services.models.get().classifier.predict_one(document_text([long_text])).to_dict()
    assert long.json()["tasks"]["doc_type"]["label"] == expected["tasks"]["doc_type"]["label"]
    pdf = documents.born_digital_pdf(tmp_path / "one.pdf", pages=1)
    doc = api.post("/api/classify/document", role="viewer", files=[("file", ("one.pdf", pdf.read_bytes()))])
    assert doc.status_code == 200, doc.text
    body = doc.json()
    assert "국회는" in body["text"] and body["pages"][0]["source"] == "text-layer"
    assert body["prediction"]["model_version"] == result["model_version"]
