"""The ``classify`` stage (document scope): batches of waiting documents classified with the
active model version; labels, history and the job's progress written in one transaction. Without
an active version the stage is not ready, and documents wait until one is activated."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from munseo.classify import Prediction
from munseo.service.jobs import Services
from munseo.service.registry import LoadedModel
from munseo.store.models import Classification, ClassificationHistory, Document, Job, JobStage, JobStatus

if TYPE_CHECKING:
    from munseo.stages import StageCall

log = logging.getLogger(__name__)
CLASSIFY_BATCH = 32


def model_is_active(services: Services) -> bool:
    return services.models.get() is not None


def classify(call: StageCall) -> None:
    store = call.services.store
    model = call.services.models.get()
    if model is None:  # deactivated since the stage was found ready
        for job_id in call.jobs:
            call.retry(job_id, "no model is active")
        return
    with store.sessions() as session:
        jobs = {j.id: j.document_id for j in session.scalars(select(Job).where(Job.id.in_(call.jobs)))}
        texts = {d.id: d.text or "" for d in session.scalars(select(Document).where(Document.id.in_(jobs.values())))}
    doc_ids = [jobs[j] for j in call.jobs]
    predictions = model.classifier.predict([texts.get(d, "") for d in doc_ids])
    try:
        with store.sessions.begin() as session:
            for job_id, doc_id, prediction in zip(call.jobs, doc_ids, predictions, strict=True):
                apply_prediction(session, doc_id, prediction, model)
                call.done(job_id, session, model_version_id=model.record_id)
    except Exception:
        call.settled.difference_update(call.jobs)  # nothing was committed: all of them go again
        raise


def apply_prediction(session: Session, doc_id: int, prediction: Prediction, model: LoadedModel) -> None:
    """Current labels replaced, history appended, the document's review flag set."""
    current = {c.task: c for c in session.scalars(select(Classification).where(Classification.document_id == doc_id))}
    for task, result in prediction.tasks.items():
        row = current.get(task) or Classification(document_id=doc_id, task=task)
        row.label, row.confidence, row.probabilities = result.label, result.confidence, result.probabilities
        row.needs_review, row.model_version_id, row.source = result.needs_review, model.record_id, "model"
        session.add(row)
        session.add(
            ClassificationHistory(
                document_id=doc_id,
                task=task,
                label=result.label,
                confidence=result.confidence,
                probabilities=result.probabilities,
                source="model",
                model_version_id=model.record_id,
            )
        )
    doc = session.get(Document, doc_id)
    if doc is None:
        return
    doc.needs_review = prediction.needs_review
    doc.min_confidence = min(t.confidence for t in prediction.tasks.values())


@dataclass
class ClassifySummary:
    """What classifying a set of documents did: for ``munseo ingest`` and ``munseo watch``."""

    model: str | None = None  # the version that classified them; None: no version is active
    documents: int = 0
    review: int = 0  # documents sent to review
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (task, label) → documents
    waiting: int = 0  # documents waiting for a model


def summarise(services: Services, job_ids: Sequence[int]) -> ClassifySummary:
    """What became of the documents of ``job_ids`` in the classify stage."""
    ids = list(job_ids)
    summary = ClassifySummary()
    loaded = services.models.get()
    summary.model = loaded.version if loaded else None
    with services.store.sessions() as session:
        jobs = list(session.scalars(select(Job).where(Job.id.in_(ids)))) if ids else []
        done = [j.document_id for j in jobs if j.status == JobStatus.DONE and j.document_id is not None]
        summary.waiting = sum(1 for j in jobs if j.status == JobStatus.QUEUED and j.stage == JobStage.CLASSIFY)
        if done:
            for doc in session.scalars(select(Document).where(Document.id.in_(done))):
                summary.documents += 1
                summary.review += bool(doc.needs_review)
            for row in session.scalars(select(Classification).where(Classification.document_id.in_(done))):
                summary.labels[(row.task, row.label)] += 1
    return summary
