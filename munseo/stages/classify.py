"""The ``classify`` stage (document scope): batches of waiting documents classified with the
active model version; labels, history and the job's progress written in one transaction. Without
an active version the stage is not ready, and documents wait until one is activated."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from munseo.stages import Services
from munseo.store.models import JobStage, JobStatus

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
    jobs = {j.id: j.document_id for j in store.jobs.many(call.jobs)}
    texts = store.documents.texts([d for d in jobs.values() if d is not None])
    doc_ids = [jobs[j] for j in call.jobs]
    batch = [texts.get(d, "") if d is not None else "" for d in doc_ids]
    predictions = model.classifier.predict(batch)
    shadows = []
    for shadow in call.services.models.shadows():
        try:
            shadows.append((shadow, shadow.classifier.predict(batch)))
        except Exception:  # a shadow's failure never holds up the documents' labels
            log.exception("shadow version %s could not classify jobs %s", shadow.version, call.jobs)
    try:
        with store.transaction() as tx:
            for n, (job_id, doc_id, prediction) in enumerate(zip(call.jobs, doc_ids, predictions, strict=True)):
                if doc_id is not None:
                    store.labels.apply(doc_id, prediction.tasks, prediction.needs_review, model.record_id, tx)
                    for shadow, said in shadows:  # beside the active version, never instead of it
                        store.labels.record_shadow(doc_id, shadow.record_id, said[n].tasks, prediction.labels, tx)
                call.done(job_id, tx, model_version_id=model.record_id)
    except Exception:
        call.settled.difference_update(call.jobs)  # nothing was committed: all of them go again
        raise


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
    store = services.store
    jobs = store.jobs.many(ids)
    done = [j.document_id for j in jobs if j.status == JobStatus.DONE and j.document_id is not None]
    summary.waiting = sum(1 for j in jobs if j.status == JobStatus.QUEUED and j.stage == JobStage.CLASSIFY)
    for doc in store.documents.many(done).values():
        summary.documents += 1
        summary.review += bool(doc.needs_review)
    summary.labels.update(store.labels.counts(done))
    return summary
