"""Near-duplicates on SQLite and PostgreSQL: a rescan of a stored bill (OCR slips, other line
breaks) is linked to it; another bill on the same subject, or another copy of one form, is not;
nothing is merged or deleted."""

from __future__ import annotations

import random

from sqlalchemy import update

from munseo.store.documents import NewPage
from munseo.store.models import Document
from munseo.store.repository import Store
from munseo.text.minhash import LETTERS
from tests.store.test_search import _bills
from tests.text.test_minhash import FORM


def _rescan(text: str, seed: int, slips: float = 0.03) -> str:
    """The text as a second OCR reading might give it: a share of characters misread, lines broken
    elsewhere."""
    rng = random.Random(seed)
    chars = [rng.choice("가나다라마바사아") if c.strip() and rng.random() < slips else c for c in text]
    words, lines = "".join(chars).split(), []
    while words:
        cut = rng.randint(6, 12)
        lines.append(" ".join(words[:cut]))
        words = words[cut:]
    return "\n".join(lines)


def _store(store: Store, n: int, text: str) -> int:
    doc_id = store.documents.start(
        sha256=f"{n:064x}", filename=f"doc-{n}.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    page = NewPage(1, 1000, 1400, 300, "ocr", text, text, [], 0.9, None)
    store.documents.finish(doc_id, [page], text)
    return doc_id


def test_a_rescan_is_linked_to_the_earlier_document_and_another_bill_is_not(store: Store) -> None:
    bills = [b for b in _bills() if len(b) > 400][:12]
    first = [_store(store, n, text) for n, text in enumerate(bills)]
    rescans = [_store(store, 100 + n, _rescan(text, seed=n)) for n, text in enumerate(bills[:6])]
    for original, rescan in zip(first[:6], rescans, strict=True):
        doc = store.documents.load(rescan)
        assert doc.near_duplicate_of == original
        assert doc.near_duplicate_similarity is not None and 0.5 <= doc.near_duplicate_similarity < 1.0
        assert store.duplicates.copies_of(original) == [rescan]
    for original in first:
        assert store.documents.load(original).near_duplicate_of is None
    # Nothing merged or deleted: every document is still there, with its own pages.
    assert store.documents.count("processed") == len(first) + len(rescans)


def test_a_document_being_read_again_is_no_candidate_and_short_texts_never_match(store: Store) -> None:
    bill = next(b for b in _bills() if len(b) > 400)
    original = _store(store, 1, bill)
    rescan = _store(store, 2, _rescan(bill, seed=9))
    assert store.documents.load(rescan).near_duplicate_of == original
    # The original is being read again: until it is stored anew it is no candidate.
    store.documents.start(
        sha256=f"{1:064x}", filename="doc-1.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    again = _store(store, 3, _rescan(bill, seed=10))
    assert store.documents.load(again).near_duplicate_of == rescan
    assert (
        _store(store, 4, "별지 제1호서식")
        and store.documents.load(_store(store, 5, "별지 제1호서식 ")).near_duplicate_of is None
    )


def test_another_copy_of_one_form_is_no_rescan(store: Store) -> None:
    first = _store(store, 1, FORM.format(418, 12, 2024, 11, 15, 27))
    copy = _store(store, 2, FORM.format(421, 3, 2025, 2, 7, 9))
    rescan = _store(store, 3, _rescan(FORM.format(418, 12, 2024, 11, 15, 27), seed=4, slips=0.02))
    assert store.documents.load(copy).near_duplicate_of is None
    doc = store.documents.load(rescan)
    assert doc.near_duplicate_of == first and doc.near_duplicate_similarity is not None
    assert doc.near_duplicate_similarity >= LETTERS


def test_relinking_judges_old_links_again_by_the_current_rule(store: Store) -> None:
    first = _store(store, 1, FORM.format(418, 12, 2024, 11, 15, 27))
    copy = _store(store, 2, FORM.format(421, 3, 2025, 2, 7, 9))
    rescan = _store(store, 3, _rescan(FORM.format(418, 12, 2024, 11, 15, 27), seed=4, slips=0.02))
    # as a former rule left them: the other copy of the form linked, the rescan not
    with store.sessions.begin() as session:
        session.execute(update(Document).where(Document.id == copy).values(near_duplicate_of=first))
        session.execute(update(Document).where(Document.id == rescan).values(near_duplicate_of=None))
    seen: list[tuple[int, int]] = []
    assert store.duplicates.relink(lambda done, total: seen.append((done, total))) == 1
    assert store.documents.load(copy).near_duplicate_of is None
    assert store.documents.load(rescan).near_duplicate_of == first
    assert store.documents.load(first).near_duplicate_of is None  # never linked to a later document
    assert seen[-1] == (3, 3)
