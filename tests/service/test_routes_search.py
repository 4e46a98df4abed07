"""The search routes: ranked documents with snippets and the words marked on their pages; a rescan
linked to the earlier document with its reviewed labels as the suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import documents
from tests.service.common import Api

pytestmark = pytest.mark.postgres


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
