"""Counts behind the dashboard (``/api/stats``) and the Prometheus metrics, read at request time so
every process reports the same totals."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from munseo.store.base import Repository, Transaction
from munseo.store.models import (
    ClassificationHistory,
    Document,
    DocumentStatus,
    Job,
    JobStatus,
    Page,
    Review,
    ShadowLabel,
    StageTiming,
)

# upper bounds (seconds) of the stage-latency histogram's buckets; ``stage_timings`` counts by index,
# so changing them takes a migration that counts the stored pages again
STAGE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, float("inf"))


@dataclass(frozen=True)
class Totals:
    documents_by_status: dict[str, int]
    pages_by_source: dict[str, int]
    queued_by_stage: dict[str, int]
    running_jobs: int
    failed_jobs: int


@dataclass(frozen=True)
class HistoryRow:
    document_id: int
    task: str
    label: str
    confidence: float | None
    source: str  # model, reviewer or undo


@dataclass(frozen=True)
class ReviewCounts:
    classified: int  # documents with labels
    waiting: int  # processed documents that need a reviewer
    reviewed: int


@dataclass(frozen=True)
class ShadowAgreement:
    """A shadow version against the active one: on every (document, task) it labelled, and on
    those a reviewer settled later."""

    documents: int
    decisions: int  # (document, task) pairs
    agreed: int  # the shadow's label equals the active version's
    reviewed: int  # pairs a reviewer settled afterwards
    shadow_right: int
    active_right: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "decisions": self.decisions,
            "agreement": self.agreed / self.decisions if self.decisions else None,
            "reviewed": self.reviewed,
            "shadow_right": self.shadow_right,
            "active_right": self.active_right,
        }


class Stats(Repository):
    def totals(self) -> Totals:
        with self.sessions() as session:

            def grouped(column: Any, *where: Any) -> dict[str, int]:
                query = select(column, func.count()).where(*where).group_by(column)
                return {key: count for key, count in session.execute(query)}

            def count(*where: Any) -> int:
                return session.scalar(select(func.count()).select_from(Job).where(*where)) or 0

            return Totals(
                documents_by_status=grouped(Document.status),
                pages_by_source=grouped(Page.source),
                queued_by_stage=grouped(Job.stage, Job.status == JobStatus.QUEUED),
                running_jobs=count(Job.status == JobStatus.RUNNING),
                failed_jobs=count(Job.status == JobStatus.FAILED),
            )

    def processed_since(self, since: datetime) -> list[tuple[datetime, int]]:
        """(when, pages) of each document processed since ``since``."""
        with self.sessions() as session:
            query = select(Document.processed_at, Document.page_count).where(
                Document.status == DocumentStatus.PROCESSED, Document.processed_at >= since
            )
            return [(when, pages) for when, pages in session.execute(query)]

    def record_timings(self, timings: Iterable[dict[str, float]], tx: Transaction | None = None) -> None:
        """Count stored pages' stage timings (ms) into the latency histogram, in the caller's
        transaction when given: one statement that adds to the counts in place (rows in one order,
        so that two writers never wait on each other's rows crosswise)."""
        counts: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0.0])
        for page in timings:
            for stage, ms in page.items():
                seconds = ms / 1000
                bucket = bisect_left(STAGE_BUCKETS, seconds)  # the first bound at or above it
                counts[(stage, bucket)][0] += 1
                counts[(stage, bucket)][1] += seconds
        if not counts:
            return
        rows = [{"stage": s, "bucket": b, "count": int(c), "seconds": t} for (s, b), (c, t) in sorted(counts.items())]
        with self._write(tx) as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = dialect.insert(StageTiming).values(rows)
            statement = statement.on_conflict_do_update(
                index_elements=[StageTiming.stage, StageTiming.bucket],
                set_={
                    "count": StageTiming.count + statement.excluded.count,
                    "seconds": StageTiming.seconds + statement.excluded.seconds,
                },
            )
            session.execute(statement)

    def stage_histogram(self) -> dict[str, tuple[list[int], float]]:
        """Per stage, how many timings fell at or below each of ``STAGE_BUCKETS`` (cumulative, as
        Prometheus wants them) and their sum in seconds, over every page ever stored."""
        counts: dict[str, list[int]] = {}
        seconds: dict[str, float] = defaultdict(float)
        with self.sessions() as session:
            for row in session.scalars(select(StageTiming)):
                counts.setdefault(row.stage, [0] * len(STAGE_BUCKETS))[row.bucket] = row.count
                seconds[row.stage] += row.seconds
        return {stage: (list(accumulate(per_bucket)), seconds[stage]) for stage, per_bucket in counts.items()}

    def page_timings(self, latest: int) -> list[dict[str, float]]:
        """The stage timings (ms) of the ``latest`` pages stored."""
        with self.sessions() as session:
            query = select(Page.timings_ms).order_by(Page.id.desc()).limit(latest)
            return [t or {} for (t,) in session.execute(query)]

    def review_counts(self) -> ReviewCounts:
        with self.sessions() as session:

            def count(*where: Any) -> int:
                return session.scalar(select(func.count()).select_from(Document).where(*where)) or 0

            return ReviewCounts(
                classified=count(Document.min_confidence.is_not(None)),
                waiting=count(Document.needs_review.is_(True), Document.status == DocumentStatus.PROCESSED),
                reviewed=count(Document.reviewed_at.is_not(None)),
            )

    def history(self, latest: int) -> list[HistoryRow]:
        """The ``latest`` label decisions (model, reviewer, undo), newest first."""
        with self.sessions() as session:
            query = (
                select(
                    ClassificationHistory.document_id,
                    ClassificationHistory.task,
                    ClassificationHistory.label,
                    ClassificationHistory.confidence,
                    ClassificationHistory.source,
                )
                .order_by(ClassificationHistory.id.desc())
                .limit(latest)
            )
            return [HistoryRow(*row) for row in session.execute(query)]

    def shadow(self, latest: int = 50_000) -> dict[int, ShadowAgreement]:
        """Per shadow version (record id), how it compares with the active version."""
        with self.sessions() as session:
            rows = session.execute(
                select(
                    ShadowLabel.model_version_id,
                    ShadowLabel.document_id,
                    ShadowLabel.task,
                    ShadowLabel.label,
                    ShadowLabel.active_label,
                )
                .order_by(ShadowLabel.id.desc())
                .limit(latest)
            ).all()
            docs = {row[1] for row in rows}
            truth: dict[int, dict[str, str]] = {}
            if docs:
                query = select(Review.document_id, Review.labels).where(Review.document_id.in_(list(docs)))
                for doc_id, labels in session.execute(query.order_by(Review.created_at, Review.id)):
                    truth[doc_id] = labels
        counts: dict[int, dict[str, Any]] = {}
        for version, doc_id, task, label, active in rows:
            c = counts.setdefault(
                version, {"docs": set(), "n": 0, "agreed": 0, "reviewed": 0, "shadow": 0, "active": 0}
            )
            c["docs"].add(doc_id)
            c["n"] += 1
            c["agreed"] += label == active
            settled = truth.get(doc_id, {}).get(task)
            if settled is not None:
                c["reviewed"] += 1
                c["shadow"] += label == settled
                c["active"] += active == settled
        return {
            v: ShadowAgreement(len(c["docs"]), c["n"], c["agreed"], c["reviewed"], c["shadow"], c["active"])
            for v, c in counts.items()
        }
