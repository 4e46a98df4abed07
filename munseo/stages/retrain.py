"""The ``retrain`` stage (outside the document chain): the learning loop.

A run trains a candidate on the **training pool** — the documents reviewers accepted or corrected
(their labels), the training data the active version was trained on (its manifest names the
sources), and data added with ``munseo pool add`` — and compares it with the active version on the
**fixed evaluation set**: the reviewed documents whose content hash falls in the first
``fixed_set_percent`` of 100 buckets. That slice never enters training and stays the same for
every version (it grows as reviews arrive), so versions are compared on the same documents.

The candidate is registered either way; it becomes active (through the registry, so every process
hot-swaps it and no request in flight fails) only if no task's macro-F1 on the fixed set is lower
than the active version's by more than ``promotion_margin`` and one is higher. The decision and
both versions' figures are kept on the run and on the candidate's registry entry.

Runs start from ``munseo retrain``, ``POST /api/models/retrain``, or by themselves (``trigger``)
after ``retrain_after_corrections`` corrections, or when the rolling accuracy of the last
``drift_window`` reviews falls ``drift_drop`` below the active version's accuracy on the fixed
set (the drift alarm). One run at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from munseo import __version__
from munseo.classify import (
    Classifier,
    ClassifyError,
    Dataset,
    Example,
    LabelSchema,
    TrainOptions,
    load_schema,
    train,
)
from munseo.classify.data import check_examples, read_source
from munseo.classify.evaluate import evaluate
from munseo.classify.package import DATA_MANIFEST_FILE
from munseo.classify.registry import LoadedModel, activate_model, register_model
from munseo.classify.tracking import track_retrain, tracking_for
from munseo.stages import Services
from munseo.store.audit import Actor
from munseo.store.models import Document, utcnow

if TYPE_CHECKING:
    from munseo.stages import StageCall

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0
FIXED_SET = "fixed evaluation set"
REVIEWED = "reviewed documents"  # the pool's own source, named so in a candidate's manifest
RETRAINER = Actor("retrain", "admin")  # promotions a retrain run makes are audited under this name


def in_fixed_set(sha256: str | None, document_id: int, percent: int) -> bool:
    """Whether a reviewed document belongs to the fixed evaluation set: by its content hash, so the
    choice never changes and a rescan of the same bytes falls on the same side."""
    key = sha256 or hashlib.sha256(str(document_id).encode()).hexdigest()
    return int(key[:8], 16) % 100 < percent


def known_labels(labels: dict[str, str], schema: LabelSchema) -> dict[str, str]:
    """The labels of ``labels`` that the schema has (tasks it lacks, and labels new to it, left out)."""
    return {task: label for task, label in labels.items() if task in schema.tasks and label in schema.labels(task)}


@dataclass
class Pool:
    train: list[Example]
    fixed: list[Example]
    sources: dict[str, int]  # where the training examples came from → how many
    skipped: dict[str, str] = field(default_factory=dict)  # a source that could not be read → why


def _active_sources(services: Services) -> list[str]:
    loaded = services.models.get()
    if loaded is None:
        return []
    manifest = loaded.classifier.folder / DATA_MANIFEST_FILE
    if not manifest.is_file():
        return []
    sources = json.loads(manifest.read_text(encoding="utf-8")).get("sources", [])
    return [s for s in sources if s not in ("db", REVIEWED) and "://" not in s]


def gather_pool(services: Services, schema: LabelSchema) -> Pool:
    """The training pool and the fixed evaluation set. Unreviewed documents are never in either."""
    percent = services.settings.fixed_set_percent
    pool = Pool([], [], {})
    for doc_id, text, labels, sha in services.store.labels.reviewed():  # oldest document first
        kept = known_labels(labels, schema)
        if not kept:
            continue
        example = Example(text, kept, f"database document {doc_id}")
        (pool.fixed if in_fixed_set(sha, doc_id, percent) else pool.train).append(example)
    pool.sources[REVIEWED] = len(pool.train)
    fixed_texts = {e.text for e in pool.fixed}  # the fixed set never enters training, whatever the source
    added = [row.source for row in services.store.learning.sources()]
    for source in dict.fromkeys([*_active_sources(services), *added]):
        try:
            examples = [e for e in read_source(source) if not e.synthetic_unknown]
            checked = [e for e in check_examples(examples, schema, [source]).examples if e.text not in fixed_texts]
        except ClassifyError as exc:
            pool.skipped[source] = str(exc)
            continue
        pool.train.extend(checked)
        pool.sources[source] = len(checked)
    return pool


def _figures(classifier: Classifier, fixed: Sequence[Example]) -> dict[str, Any]:
    result = evaluate(classifier, Dataset(list(fixed), [FIXED_SET]))
    return {
        task: {
            "accuracy": m.accuracy,
            "macro_f1": m.macro_f1,
            "ece": m.ece,
            "f1": {label: c.f1 for label, c in m.per_class.items()},
        }
        for task, m in result.tasks.items()
    }


def extend_schema(schema: LabelSchema, confirmed: dict[str, list[str]]) -> tuple[LabelSchema, dict[str, list[str]]]:
    """The schema with the confirmed new labels appended to their tasks, and which labels are new."""
    added = {
        task: [label for label in labels if label not in schema.labels(task)]
        for task, labels in confirmed.items()
        if task in schema.tasks
    }
    added = {task: labels for task, labels in added.items() if labels}
    tasks = {task: schema.labels(task) + tuple(added.get(task, ())) for task in schema.task_names}
    return LabelSchema(tasks), added


def decide(
    candidate: dict[str, Any], active: dict[str, Any] | None, margin: float, adds: dict[str, list[str]] | None = None
) -> tuple[bool, str]:
    """Promote only a better model: no task's macro-F1 lower by more than ``margin``, and one
    higher — or, for a candidate that learned confirmed new labels (``adds``), none lower by more
    than ``margin``."""
    if active is None:
        return True, "no version was active"
    worse = [t for t in candidate if candidate[t]["macro_f1"] < active.get(t, {}).get("macro_f1", 0.0) - margin]
    if worse:
        detail = ", ".join(f"{t} {candidate[t]['macro_f1']:.3f} < {active[t]['macro_f1']:.3f}" for t in worse)
        return False, f"worse on the fixed set beyond the margin of {margin:.3f}: macro-F1 {detail}"
    better = [t for t in candidate if candidate[t]["macro_f1"] > active.get(t, {}).get("macro_f1", 0.0)]
    if not better and adds:
        labels = ", ".join(f"{t}: {', '.join(new)}" for t, new in adds.items())
        return True, f"learns the confirmed new labels ({labels}) and is no worse on the fixed set"
    if not better:
        return False, "no better than the active version on any task of the fixed set"
    detail = ", ".join(f"{t} {active[t]['macro_f1']:.3f} → {candidate[t]['macro_f1']:.3f}" for t in better)
    return True, f"better on the fixed set (macro-F1 {detail}) and no worse elsewhere"


SUPERSEDED = "the active version changed while this run trained: compare again"


def _active_changed(services: Services, active: LoadedModel | None) -> bool:
    """Whether another version was activated since ``active`` was read."""
    now = services.store.versions.active()
    return (now.id if now else None) != (active.record_id if active else None)


@dataclass
class RetrainOutcome:
    candidate: str
    promoted: bool
    decision: str
    report: dict[str, Any]


def retrain_once(services: Services, run_id: int, backend: str, say: Callable[[str], None]) -> RetrainOutcome:
    """Train a candidate on the pool, compare it with the active version on the fixed set,
    register it, and activate it if it is better. Raises ``ClassifyError`` when it cannot train."""
    settings, store = services.settings, services.store
    active = services.models.get()
    known = active.classifier.schema if active else load_schema()
    schema, added = extend_schema(known, store.learning.confirmed_labels())
    pool = gather_pool(services, schema)
    trained_on = {(t, v) for e in pool.train for t, v in e.labels.items()}
    added = {t: [v for v in labels if (t, v) in trained_on] for t, labels in added.items()}  # learnable only
    added = {t: labels for t, labels in added.items() if labels}
    say(f"training pool: {len(pool.train)} examples ({pool.sources}); fixed set: {len(pool.fixed)} documents")
    if not pool.train:
        raise ClassifyError("the training pool is empty: review documents or add data with 'munseo pool add'")
    # a folder of this attempt's own: a second attempt at the same run never deletes this one's files
    attempt = settings.data_dir / "retrain" / uuid.uuid4().hex
    out = attempt / f"retrain{run_id}"
    options = TrainOptions(backend=backend)
    try:
        result = train(Dataset(pool.train, list(pool.sources)), schema, out, options, log=say)
        candidate = Classifier(out)
        report: dict[str, Any] = {
            "pool": {"examples": len(pool.train), "sources": pool.sources, "skipped": pool.skipped},
            "fixed_set": {"documents": len(pool.fixed), "percent": settings.fixed_set_percent},
            "options": {"backend": backend, "seed": options.seed},
            "code_version": __version__,
            "train_seconds": result.seconds,
        }
        # both versions are compared on the documents whose labels the active version knows;
        # documents with a new label are measured for the candidate alone
        common = [e for e in pool.fixed if known_labels(e.labels, known) == e.labels]
        report["new_labels"] = added
        if added and len(common) < len(pool.fixed):
            report["candidate_with_new_labels"] = _figures(candidate, pool.fixed)
        if common:
            report["candidate"] = _figures(candidate, common)
            report["active"] = _figures(active.classifier, common) if active else None
            promoted, decision = decide(report["candidate"], report["active"], settings.promotion_margin, added)
            # a second view of current traffic: the fixed set's newest documents
            recent = common[-settings.drift_window :]
            report["recent"] = {
                "documents": len(recent),
                "candidate": _figures(candidate, recent),
                "active": _figures(active.classifier, recent) if active else None,
            }
            if active and report["active"]:
                report["f1_change"] = {
                    task: {
                        label: f1 - report["active"][task]["f1"].get(label, 0.0) for label, f1 in figures["f1"].items()
                    }
                    for task, figures in report["candidate"].items()
                }
        elif active is None:
            promoted, decision = True, "no version was active"
        else:
            promoted, decision = False, "the fixed evaluation set is empty: no review has fallen in it yet"
        record = register_model(store, settings.data_dir, out)
        if promoted and _active_changed(services, active):
            promoted, decision = False, SUPERSEDED
        try:
            tracking = tracking_for(settings.mlflow_uri, settings.data_dir)
        except OSError as exc:  # tracking must not fail the retrain: reported on the run instead
            tracking, report["mlflow"] = None, {"error": f"MUNSEO_MLFLOW_URI cannot be used: {exc}"}
        tracked = track_retrain(tracking, run_id, record.version, Path(record.path), promoted, decision, report)
        if tracked is not None:
            report["mlflow"] = tracked
        if active and report.get("active"):
            # the active version's own entry keeps how it measured on the fixed set in the latest run
            fixed = {"run": run_id, "documents": len(common), "figures": report["active"]}
            store.versions.annotate(active.classifier.version, {"fixed_set": fixed})
        if promoted and _active_changed(services, active):  # once more: tracking took time
            promoted, decision = False, SUPERSEDED
        store.versions.annotate(
            record.version,
            {"retrain": {"run": run_id, "promoted": promoted, "decision": decision, **report}},
        )
        if promoted:
            activate_model(store, record.version)
            store.audit.record(RETRAINER, "activate", f"model:{record.version}", {"run": run_id, "decision": decision})
            services.models.refresh()
        return RetrainOutcome(record.version, promoted, decision, report)
    finally:
        shutil.rmtree(attempt, ignore_errors=True)


def _keep_alive(services: Services, job_id: int, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            services.store.jobs.heartbeat([job_id])
        except Exception:  # the database is away for a moment: beat again at the next tick
            log.exception("heartbeat of retrain job %s failed", job_id)


def retrain(call: StageCall) -> None:
    store = call.services.store
    for job_id in call.jobs:
        run = store.learning.run_of_job(job_id)
        if run is None:
            call.fail(job_id, "the retrain job has no run")
            continue
        store.learning.started(run.id)
        stop = threading.Event()
        beat = threading.Thread(target=_keep_alive, args=(call.services, job_id, stop), daemon=True)
        beat.start()
        try:
            outcome = retrain_once(call.services, run.id, run.backend, lambda line: log.info("retrain: %s", line))
        except ClassifyError as exc:  # the pool cannot be trained on: trying again will not help
            store.learning.finish(run.id, failed=True, decision=str(exc))
            call.fail(job_id, str(exc))
            continue
        except Exception as exc:  # the job is retried by the stage machinery; the run says why it stopped
            store.learning.finish(run.id, failed=True, decision=f"{type(exc).__name__}: {exc}", release=False)
            raise
        finally:
            stop.set()
            beat.join()
        store.learning.finish(
            run.id,
            decision=outcome.decision,
            candidate=outcome.candidate,
            promoted=outcome.promoted,
            report=outcome.report,
        )
        log.info("retrain run %d (%s): %s", run.id, run.reason, outcome.decision)
        call.done(job_id)


@dataclass(frozen=True)
class Drift:
    reviewed: int  # reviews in the window
    rolling_accuracy: float | None  # of the model's labels among them, over tasks
    reference: float | None  # the active version's accuracy on the fixed set
    drop: float
    alarm: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviewed": self.reviewed,
            "rolling_accuracy": self.rolling_accuracy,
            "fixed_set_accuracy": self.reference,
            "drop": self.drop,
            "alarm": self.alarm,
        }


_reference_cache: dict[tuple[str, int, int], float | None] = {}


def _reference(services: Services) -> float | None:
    """The active version's accuracy on the fixed set, over tasks; computed again only when a
    review arrives or another version becomes active."""
    active = services.models.get()
    if active is None:
        return None
    newest, keys = services.store.labels.reviewed_keys()
    percent = services.settings.fixed_set_percent
    fixed = [(i, labels) for i, sha, labels in keys if in_fixed_set(sha, i, percent)]
    key = (active.version, newest, len(fixed))
    if key not in _reference_cache:
        schema = active.classifier.schema
        texts = services.store.documents.texts([i for i, _ in fixed])
        examples = [Example(texts.get(i, ""), known_labels(labels, schema), f"document {i}") for i, labels in fixed]
        examples = [e for e in examples if e.labels]
        figures = _figures(active.classifier, examples) if examples else {}
        values = [f["accuracy"] for f in figures.values()]
        _reference_cache.clear()  # one entry: the newest state is the only one asked for
        _reference_cache[key] = sum(values) / len(values) if values else None
    return _reference_cache[key]


def drift(services: Services) -> Drift:
    """The drift alarm: the model's accuracy on the latest reviews against its fixed-set accuracy."""
    settings = services.settings
    reviews = services.store.learning.recent_reviews(settings.drift_window)
    pairs = [(r.model[t], r.final.get(t)) for r in reviews for t in r.model]
    rolling = sum(m == f for m, f in pairs) / len(pairs) if pairs else None
    reference = _reference(services)
    enough = len(reviews) >= min(settings.drift_window, 50)
    alarm = bool(enough and rolling is not None and reference is not None and rolling < reference - settings.drift_drop)
    return Drift(len(reviews), rolling, reference, settings.drift_drop, alarm)


def usefulness(
    doc: Document, train_counts: dict[str, dict[str, int]], pair_counts: dict[str, dict[str, int]] | None = None
) -> float:
    """How much a reviewer's answer on this document teaches the next model: low confidence, a
    small margin between the two likeliest labels, several tasks in doubt, tasks that disagree (two
    labels the training data hardly ever had together: 정무위원회 on a bill its schema never saw it
    issue) and labels the model saw rarely in training each add to it."""
    rows = doc.classifications
    if not rows:
        return 0.0
    margins = []
    for row in rows:
        top = sorted(row.probabilities.values(), reverse=True)
        margins.append(top[0] - (top[1] if len(top) > 1 else 0.0))
    rarity = max(1 / math.sqrt(1 + train_counts.get(r.task, {}).get(r.label, 0)) for r in rows)
    doubtful = sum(r.needs_review for r in rows) / len(rows)
    labels = {r.task: r.label for r in rows}
    disagreement = max(
        (
            1 / math.sqrt(1 + counts.get(f"{labels[first]}\t{labels[second]}", 0))
            for key, counts in (pair_counts or {}).items()
            for first, second in [key.split("\t", 1)]
            if first in labels and second in labels
        ),
        default=0.0,
    )
    return (1 - min(r.confidence for r in rows)) + (1 - min(margins)) + doubtful + disagreement + rarity


def request_retrain(services: Services, reason: str, backend: str | None = None) -> int | None:
    """Queue a retrain run (None when one is queued or running already)."""
    made = services.store.learning.request_retrain(reason, backend or services.settings.retrain_backend)
    if made is None:
        return None
    log.info("retrain run %d requested: %s", made[0], reason)
    return made[0]


def trigger(services: Services) -> int | None:
    """Start a run by itself when it is due: enough corrections since the last run, or the drift
    alarm (with some corrections since the last run, so one alarm starts one run)."""
    every = services.settings.retrain_after_corrections
    if not every:
        return None
    corrections = services.store.learning.corrections_since_last_run()
    if corrections >= every:
        return request_retrain(services, f"{corrections} corrections since the last run")
    if corrections >= max(1, every // 5):
        state = drift(services)
        if state.alarm:
            reason = (
                f"drift alarm: accuracy {state.rolling_accuracy:.3f} on the last {state.reviewed} reviews, "
                f"{state.reference:.3f} on the fixed set"
            )
            return request_retrain(services, reason)
    return None


def scheduled(services: Services) -> None:
    """The retrain stage's tick: a run on ``retrain_every_hours``, counted from the last run asked for."""
    hours = services.settings.retrain_every_hours
    if not hours:
        return
    last = services.store.learning.last_requested()
    if last is not None and last.tzinfo is None:  # SQLite gives datetimes back without their zone
        last = last.replace(tzinfo=UTC)
    if last is None or utcnow() - last >= timedelta(hours=hours):
        request_retrain(services, f"schedule: every {hours:g} hours")
