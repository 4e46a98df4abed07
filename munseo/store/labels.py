"""Labels: what the model decided for each task of a document, what reviewers accepted or
corrected (with what it replaced, so a review can be undone), and the history of both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from munseo.store.base import Repository, Transaction
from munseo.store.documents import DocumentNotFound
from munseo.store.models import (
    Classification,
    ClassificationHistory,
    Document,
    DocumentStatus,
    ProposedLabel,
    Review,
    ShadowLabel,
    utcnow,
)


class TaskLabel(Protocol):
    """One task's decision, as a classifier gives it."""

    @property
    def label(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def probabilities(self) -> dict[str, float]: ...

    @property
    def needs_review(self) -> bool: ...


class ReviewProblem(StrEnum):
    NOTHING_TO_REVIEW = "nothing_to_review"  # the document has no labels yet
    UNKNOWN_TASK = "unknown_task"
    UNKNOWN_LABEL = "unknown_label"
    NO_LABELS = "no_labels"  # a correction that corrects nothing
    NOTHING_TO_UNDO = "nothing_to_undo"
    NOT_YOURS = "not_yours"  # someone else's review, and the caller is not an admin


class ReviewRefused(Exception):
    """A review or undo that cannot be applied; ``kind`` says why, the message says it to a person."""

    def __init__(self, kind: ReviewProblem, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def _load(session: Session, doc_id: int) -> Document:
    doc = session.scalars(
        select(Document).where(Document.id == doc_id).options(selectinload(Document.classifications))
    ).first()
    if doc is None:
        raise DocumentNotFound(doc_id)
    return doc


class Labels(Repository):
    def apply(
        self,
        doc_id: int,
        tasks: Mapping[str, TaskLabel],
        needs_review: bool,
        model_version_id: int,
        tx: Transaction | None = None,
    ) -> None:
        """A model's labels: current labels replaced, history appended, the document's review flag set."""
        with self._write(tx) as session:
            query = select(Classification).where(Classification.document_id == doc_id)
            current = {c.task: c for c in session.scalars(query)}
            for task, result in tasks.items():
                row = current.get(task) or Classification(document_id=doc_id, task=task)
                row.label, row.confidence, row.probabilities = result.label, result.confidence, result.probabilities
                row.needs_review, row.model_version_id, row.source = result.needs_review, model_version_id, "model"
                session.add(row)
                session.add(
                    ClassificationHistory(
                        document_id=doc_id,
                        task=task,
                        label=result.label,
                        confidence=result.confidence,
                        probabilities=result.probabilities,
                        source="model",
                        model_version_id=model_version_id,
                    )
                )
            doc = session.get(Document, doc_id)
            if doc is None:
                return
            doc.needs_review = needs_review
            doc.min_confidence = min(t.confidence for t in tasks.values())

    def record_shadow(
        self,
        doc_id: int,
        model_version_id: int,
        tasks: Mapping[str, TaskLabel],
        active: Mapping[str, str],
        tx: Transaction | None = None,
    ) -> None:
        """What a shadow version would have labelled the document, beside the active version's
        labels (``active``, task → label); the document's labels are not touched."""
        with self._write(tx) as session:
            for task, result in tasks.items():
                session.add(
                    ShadowLabel(
                        document_id=doc_id,
                        model_version_id=model_version_id,
                        task=task,
                        label=result.label,
                        confidence=result.confidence,
                        active_label=active.get(task, ""),
                    )
                )

    def review(
        self, doc_id: int, reviewer: str, action: str, labels: Mapping[str, str], new_labels: bool = False
    ) -> None:
        """A reviewer accepts the labels (``labels`` empty) or corrects some; kept in the history
        with who and when, with what it replaced. ``new_labels``: a label the task does not have
        is proposed as a new label (``ProposedLabel``, for an admin to confirm) instead of refused."""
        with self.sessions.begin() as session:
            doc = _load(session, doc_id)
            current = {c.task: c for c in doc.classifications}
            if not current:
                raise ReviewRefused(ReviewProblem.NOTHING_TO_REVIEW, f"document {doc_id} has no labels to review yet")
            unknown = set(labels) - set(current)
            if unknown:
                raise ReviewRefused(
                    ReviewProblem.UNKNOWN_TASK,
                    f"unknown task(s): {', '.join(sorted(unknown))}; tasks: {', '.join(sorted(current))}",
                )
            for task, label in labels.items():
                if label in current[task].probabilities:
                    continue
                if not new_labels:
                    raise ReviewRefused(
                        ReviewProblem.UNKNOWN_LABEL,
                        f"{label!r} is not a label of task {task!r} (propose it as a new label with new_labels)",
                    )
                known = select(ProposedLabel.id).where(ProposedLabel.task == task, ProposedLabel.label == label)
                if session.scalars(known).first() is None:
                    session.add(ProposedLabel(task=task, label=label, proposed_by=reviewer, document_id=doc_id))
            if action == "correct" and not labels:
                raise ReviewRefused(ReviewProblem.NO_LABELS, "a correction needs labels: {task: label}")
            final = {task: labels.get(task, c.label) for task, c in current.items()}
            previous = {
                "document": {
                    "needs_review": doc.needs_review,
                    "min_confidence": doc.min_confidence,
                    "reviewed_at": doc.reviewed_at.isoformat() if doc.reviewed_at else None,
                    "reviewed_by": doc.reviewed_by,
                },
                "tasks": {
                    t: {
                        "label": c.label,
                        "confidence": c.confidence,
                        "needs_review": c.needs_review,
                        "source": c.source,
                        "model_version_id": c.model_version_id,
                    }
                    for t, c in current.items()
                },
            }
            for task, row in current.items():
                row.label, row.confidence, row.needs_review, row.source = final[task], 1.0, False, "reviewer"
                session.add(
                    ClassificationHistory(
                        document_id=doc_id,
                        task=task,
                        label=final[task],
                        confidence=1.0,
                        source="reviewer",
                        reviewer=reviewer,
                    )
                )
            session.add(Review(document_id=doc_id, reviewer=reviewer, action=action, labels=final, previous=previous))
            doc.needs_review, doc.reviewed_at, doc.reviewed_by = False, utcnow(), reviewer

    def undo_review(self, doc_id: int, who: str, may_undo_others: bool) -> None:
        """Take back the latest review of a document: its labels and review flag return to what they
        were, the review no longer counts as training data, and the history records the undo."""
        with self.sessions.begin() as session:
            doc = _load(session, doc_id)
            review = session.scalars(
                select(Review).where(Review.document_id == doc_id).order_by(Review.created_at.desc(), Review.id.desc())
            ).first()
            if review is None or review.previous is None:
                raise ReviewRefused(ReviewProblem.NOTHING_TO_UNDO, f"document {doc_id} has no review to undo")
            if review.reviewer != who and not may_undo_others:
                raise ReviewRefused(
                    ReviewProblem.NOT_YOURS,
                    f"the latest review of document {doc_id} is {review.reviewer}'s; only they or an admin can undo it",
                )
            before: dict[str, Any] = review.previous
            for row in doc.classifications:
                old = before["tasks"].get(row.task)
                if old is None:
                    continue
                row.label, row.confidence, row.needs_review = old["label"], old["confidence"], old["needs_review"]
                row.source, row.model_version_id = old["source"], old["model_version_id"]
                session.add(
                    ClassificationHistory(
                        document_id=doc_id,
                        task=row.task,
                        label=old["label"],
                        confidence=old["confidence"],
                        source="undo",
                        reviewer=who,
                        model_version_id=old["model_version_id"],
                    )
                )
            state = before["document"]
            doc.needs_review, doc.min_confidence = state["needs_review"], state["min_confidence"]
            doc.reviewed_at = datetime.fromisoformat(state["reviewed_at"]) if state["reviewed_at"] else None
            doc.reviewed_by = state["reviewed_by"]
            session.delete(review)

    def counts(self, doc_ids: Sequence[int]) -> Counter[tuple[str, str]]:
        """How many of these documents carry each (task, label)."""
        found: Counter[tuple[str, str]] = Counter()
        if doc_ids:
            with self.sessions() as session:
                query = select(Classification.task, Classification.label).where(
                    Classification.document_id.in_(list(doc_ids))
                )
                found.update((task, label) for task, label in session.execute(query))
        return found

    def reviewed_keys(self) -> tuple[int, list[tuple[int, str | None, dict[str, str]]]]:
        """Like ``reviewed`` without the texts: (latest review id, [(document id, content hash, labels)])."""
        newest, rows = self._reviewed(with_text=False)
        return newest, [(doc_id, sha, labels) for doc_id, _, labels, sha in rows]

    def reviewed(self) -> list[tuple[int, str, dict[str, str], str | None]]:
        """Processed documents with a review: (id, text, the latest review's labels, content hash), by id."""
        return self._reviewed(with_text=True)[1]

    def _reviewed(self, with_text: bool) -> tuple[int, list[tuple[int, str, dict[str, str], str | None]]]:
        with self.sessions() as session:
            latest: dict[int, dict[str, str]] = {}
            newest = 0
            reviews = select(Review.id, Review.document_id, Review.labels).order_by(Review.created_at, Review.id)
            for review_id, doc_id, labels in session.execute(reviews):
                latest[doc_id] = labels
                newest = max(newest, review_id)
            columns = [Document.id, Document.sha256] + ([Document.text] if with_text else [])
            query = select(*columns).where(
                Document.status == DocumentStatus.PROCESSED, Document.id.in_(select(Review.document_id))
            )
            rows = [
                (row[0], (row[2] or "") if with_text else "", latest[row[0]], row[1])
                for row in session.execute(query.order_by(Document.id))
            ]
            return newest, rows
