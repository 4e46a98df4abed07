"""Labels on SQLite and PostgreSQL: model labels with history, reviews that can be undone, refusals
by kind, and reviews as training examples."""

from __future__ import annotations

import pytest

from munseo.store.documents import DocumentNotFound
from munseo.store.labels import ReviewProblem, ReviewRefused
from munseo.store.repository import Store
from tests.labels import Decision


def _labelled(store: Store, sha: str = "c" * 64) -> int:
    doc_id = store.documents.start(
        sha256=sha, filename="a.pdf", mime="application/pdf", size=10, page_count=1, original_path="/x"
    )
    store.documents.finish(doc_id, [], "본문")
    version = store.versions.add(version="v1", backend="linear", path="/m", label_mappings={}, metrics={})
    tasks = {
        "doc_type": Decision("법률안", 0.55, {"법률안": 0.55, "보고서": 0.45}, True),
        "institution": Decision("국회", 0.9, {"국회": 0.9, "정부": 0.1}, False),
    }
    store.labels.apply(doc_id, tasks, needs_review=True, model_version_id=version.id)
    return doc_id


def test_a_review_corrects_labels_and_an_undo_puts_back_what_it_replaced(store: Store) -> None:
    doc_id = _labelled(store)
    assert store.documents.review_queue()[0] == 1
    store.labels.review(doc_id, "kim", "correct", {"doc_type": "보고서"})
    doc = store.documents.load(doc_id)
    assert {c.task: (c.label, c.source) for c in doc.classifications} == {
        "doc_type": ("보고서", "reviewer"),
        "institution": ("국회", "reviewer"),
    }
    assert (doc.needs_review, doc.reviewed_by) == (False, "kim")
    assert store.documents.review_queue()[0] == 0
    assert store.labels.reviewed() == [(doc_id, "본문", {"doc_type": "보고서", "institution": "국회"}, "c" * 64)]

    with pytest.raises(ReviewRefused) as refused:
        store.labels.undo_review(doc_id, "lee", may_undo_others=False)
    assert refused.value.kind is ReviewProblem.NOT_YOURS
    store.labels.undo_review(doc_id, "lee", may_undo_others=True)
    doc = store.documents.load(doc_id)
    labels = {c.task: (c.label, c.confidence, c.source) for c in doc.classifications}
    assert labels == {"doc_type": ("법률안", 0.55, "model"), "institution": ("국회", 0.9, "model")}
    assert (doc.needs_review, doc.reviewed_by, doc.reviewed_at) == (True, None, None)
    assert store.labels.reviewed() == []
    sources = [h.source for h in store.documents.history(doc_id)]
    assert sources == ["model", "model", "reviewer", "reviewer", "undo", "undo"]


@pytest.mark.parametrize(
    ("action", "labels", "kind"),
    [
        ("correct", {"topic": "x"}, ReviewProblem.UNKNOWN_TASK),
        ("correct", {"doc_type": "소설"}, ReviewProblem.UNKNOWN_LABEL),
        ("correct", {}, ReviewProblem.NO_LABELS),
    ],
)
def test_a_review_that_cannot_apply_is_refused_by_kind_and_changes_nothing(
    store: Store, action: str, labels: dict[str, str], kind: ReviewProblem
) -> None:
    doc_id = _labelled(store)
    with pytest.raises(ReviewRefused) as refused:
        store.labels.review(doc_id, "kim", action, labels)
    assert refused.value.kind is kind
    doc = store.documents.load(doc_id)
    assert doc.needs_review and doc.reviewed_at is None
    assert {c.task: c.source for c in doc.classifications} == {"doc_type": "model", "institution": "model"}


def test_nothing_to_review_or_undo_and_unknown_documents(store: Store) -> None:
    bare = store.documents.start(
        sha256="d" * 64, filename="b.pdf", mime="application/pdf", size=1, page_count=1, original_path="/y"
    )
    with pytest.raises(ReviewRefused) as refused:
        store.labels.review(bare, "kim", "accept", {})
    assert refused.value.kind is ReviewProblem.NOTHING_TO_REVIEW
    with pytest.raises(ReviewRefused) as refused:
        store.labels.undo_review(_labelled(store), "kim", may_undo_others=False)
    assert refused.value.kind is ReviewProblem.NOTHING_TO_UNDO
    with pytest.raises(DocumentNotFound):
        store.labels.review(9999, "kim", "accept", {})
