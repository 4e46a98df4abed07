"""Documents and pages: writes are all or nothing, and a failure never overwrites what is stored."""

from __future__ import annotations

from munseo.store.documents import DocumentFilter, NewPage
from munseo.store.repository import Store


def _page(number: int, text: str) -> NewPage:
    return NewPage(
        number=number,
        width=100,
        height=200,
        dpi=300,
        source="ocr",
        raw_text=text,
        text=text,
        blocks=[{"bbox": [0, 0, 10, 10], "lines": []}],
        mean_confidence=0.9,
        image_path=None,
        engine={"name": "tesseract"},
        timings_ms={"ocr": 12.5},
    )


def test_document_lifecycle_and_failure_never_overwrites_processed(store: Store) -> None:
    sha = "b" * 64
    doc_id = store.documents.start(
        sha256=sha, filename="a.pdf", mime="application/pdf", size=10, page_count=2, original_path="/x"
    )
    store.documents.finish(doc_id, [_page(2, "둘"), _page(1, "하나")], "하나\n\f\n둘")
    doc = store.documents.get(doc_id)
    assert doc is not None and doc.status == "processed"
    assert [p.number for p in doc.pages] == [1, 2] and doc.pages[1].text == "둘"
    assert doc.pages[0].timings_ms == {"ocr": 12.5} and doc.pages[0].blocks[0]["bbox"] == [0, 0, 10, 10]

    # A later failing attempt at the same content must not destroy what is stored.
    assert store.documents.record_failure(filename="a.pdf", reason="boom", sha256=sha, size=10) == doc_id
    doc = store.documents.get(doc_id)
    assert doc is not None and doc.status == "processed" and len(doc.pages) == 2 and doc.error is None

    # Re-processing (e.g. after a crash) replaces the pages in one go.
    store.documents.start(
        sha256=sha, filename="a.pdf", mime="application/pdf", size=10, page_count=1, original_path="/x"
    )
    store.documents.finish(doc_id, [_page(1, "새")], "새")
    doc = store.documents.get(doc_id)
    assert doc is not None and [p.text for p in doc.pages] == ["새"] and store.documents.count() == 1
    assert store.documents.count("processed") == 1 and store.documents.latest(status="failed") == []


def test_filters_combine_and_words_are_found_through_the_index(store: Store) -> None:
    ids = []
    for n, text in enumerate(["전세사기 피해 지원", "100% 정무위원회 안건", "전세 제도 개선"]):
        doc_id = store.documents.start(
            sha256=f"{n}" * 64, filename=f"{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
        )
        store.documents.finish(doc_id, [_page(1, text)], text)
        ids.append(doc_id)
    failed = store.documents.record_failure(filename="bad.pdf", reason="broken", sha256="f" * 64, size=1)

    def found(**where: object) -> list[int]:
        total, docs = store.documents.find(DocumentFilter(**where), sort="date")  # type: ignore[arg-type]
        assert total == len(docs)
        return [d.id for d in docs]

    assert found() == [*ids, failed]
    assert found(status="processed") == ids
    # Words are found through the search index: 위원회 inside 정무위원회, every word must match.
    assert found(query="전세") == [ids[0], ids[2]]
    assert found(query="전세 지원") == [ids[0]]
    assert found(query="위원회 100") == [ids[1]]
    assert found(query="1_0") == found(query="%") == []  # no LIKE wildcards
    assert found(query="!!") == []  # a query with no terms finds nothing
    assert found(status="failed", query="전세") == []
    assert store.documents.finished([*ids, failed]) == {ids[0]: None, ids[1]: None, ids[2]: None, failed: "broken"}
    total, page = store.documents.find(DocumentFilter(), sort="-date", offset=1, limit=2)
    assert total == 4 and [d.id for d in page] == [ids[2], ids[1]]
