"""The learning loop's records: retrain runs (one in flight at a time), the training data added to
the pool, and the reviews the triggers count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from munseo.store.base import Repository
from munseo.store.jobs import new_job
from munseo.store.models import Job, JobStatus, PoolSource, ProposedLabel, RetrainRun, Review, utcnow

RETRAIN_STAGE = "retrain"


@dataclass(frozen=True)
class ReviewedLabels:
    """One review: the labels the model had given (task → label; tasks a person had set are left
    out) and the labels the reviewer settled on."""

    document_id: int
    model: dict[str, str]
    final: dict[str, str]


class Learning(Repository):
    def request_retrain(self, reason: str, backend: str, worker: str | None = None) -> tuple[int, int] | None:
        """A retrain run and its job (queued, or running already when ``worker`` takes it at once),
        as (run id, job id); None when a run is queued or running already: runs never overlap,
        whichever process asks (the run holds the one ``in_flight`` slot, a unique column)."""
        try:
            with self.sessions.begin() as session:
                # a run whose job ended without the run being told (a crash) gives its slot back
                holder = session.scalars(select(RetrainRun).where(RetrainRun.in_flight.is_not(None))).first()
                if holder is not None:
                    job = session.get(Job, holder.job_id) if holder.job_id else None
                    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
                        return None
                    holder.in_flight = None
                    session.flush()
                job = new_job(RETRAIN_STAGE, RETRAIN_STAGE, worker)
                session.add(job)
                session.flush()
                run = RetrainRun(job_id=job.id, reason=reason, backend=backend, status=job.status, in_flight=1)
                session.add(run)
                session.flush()
                return run.id, job.id
        except IntegrityError:  # another process took the slot between our read and our write
            return None

    def run_of_job(self, job_id: int) -> RetrainRun | None:
        with self.sessions() as session:
            return session.scalars(select(RetrainRun).where(RetrainRun.job_id == job_id)).first()

    def get(self, run_id: int) -> RetrainRun | None:
        with self.sessions() as session:
            return session.get(RetrainRun, run_id)

    def started(self, run_id: int) -> None:
        with self.sessions.begin() as session:
            run = session.get(RetrainRun, run_id)
            if run is not None:
                run.status = JobStatus.RUNNING

    def finish(
        self,
        run_id: int,
        *,
        failed: bool = False,
        decision: str,
        candidate: str | None = None,
        promoted: bool | None = None,
        report: dict[str, Any] | None = None,
        release: bool = True,
    ) -> None:
        """The run's outcome; ``release=False`` keeps its in-flight slot (its job will be tried again)."""
        with self.sessions.begin() as session:
            run = session.get(RetrainRun, run_id)
            if run is None:
                return
            run.status = JobStatus.FAILED if failed else JobStatus.DONE
            run.decision, run.candidate, run.promoted, run.report = decision, candidate, promoted, report
            if release:
                run.in_flight = None
            run.finished_at = utcnow()

    def runs(self, limit: int = 50) -> list[RetrainRun]:
        """Newest first."""
        with self.sessions() as session:
            query = select(RetrainRun).order_by(RetrainRun.created_at.desc(), RetrainRun.id.desc()).limit(limit)
            return list(session.scalars(query))

    def last_requested(self) -> datetime | None:
        """When the latest retrain run was asked for (None before the first)."""
        with self.sessions() as session:
            return session.scalar(select(func.max(RetrainRun.created_at)))

    def corrections_since_last_run(self) -> int:
        """Reviews that changed a label since the latest retrain run was asked for (all, before the first)."""
        last = self.last_requested()
        with self.sessions() as session:
            query = select(func.count()).select_from(Review).where(Review.action == "correct")
            if last is not None:
                query = query.where(Review.created_at > last)
            return session.scalar(query) or 0

    def recent_reviews(self, limit: int) -> list[ReviewedLabels]:
        """The latest ``limit`` reviews, newest first, with the labels the model had given."""
        with self.sessions() as session:
            query = select(Review).order_by(Review.created_at.desc(), Review.id.desc()).limit(limit)
            found = []
            for review in session.scalars(query):
                tasks = (review.previous or {}).get("tasks", {})
                model = {t: v["label"] for t, v in tasks.items() if v.get("source") == "model"}
                found.append(ReviewedLabels(review.document_id, model, dict(review.labels)))
            return found

    def add_source(self, source: str, examples: int) -> None:
        """Add (or count again) training data of the pool."""
        with self.sessions.begin() as session:
            row = session.scalars(select(PoolSource).where(PoolSource.source == source)).first()
            if row is None:
                session.add(PoolSource(source=source, examples=examples))
            else:
                row.examples, row.added_at = examples, utcnow()

    def sources(self) -> list[PoolSource]:
        with self.sessions() as session:
            return list(session.scalars(select(PoolSource).order_by(PoolSource.id)))

    def proposed(self) -> list[ProposedLabel]:
        """Labels reviewers proposed, confirmed or not, oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(ProposedLabel).order_by(ProposedLabel.id)))

    def confirm(self, proposal_id: int, admin: str) -> ProposedLabel | None:
        """An admin accepts a proposed label: the next retrain learns it. None if there is no such proposal."""
        with self.sessions.begin() as session:
            row = session.get(ProposedLabel, proposal_id)
            if row is not None and row.confirmed_at is None:
                row.confirmed_by, row.confirmed_at = admin, utcnow()
            return row

    def confirmed_labels(self) -> dict[str, list[str]]:
        """Task → the confirmed new labels, in the order they were proposed."""
        found: dict[str, list[str]] = {}
        for row in self.proposed():
            if row.confirmed_at is not None:
                found.setdefault(row.task, []).append(row.label)
        return found
