"""Models, statistics, metrics and health."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from munseo.classify.backends import BACKENDS, UnknownBackend
from munseo.classify.registry import RegistryError, activate_model, list_models
from munseo.errors import http_status
from munseo.service.deps import Admin, ApiError, Viewer, audit
from munseo.service.routes_documents import ERRORS
from munseo.service.schemas import ModelOut, RetrainOut, RetrainRequest, ShadowRequest
from munseo.stages.retrain import drift, request_retrain
from munseo.store.models import utcnow
from munseo.store.repository import Store
from munseo.store.stats import ShadowAgreement

router = APIRouter()


def _model_out(record: Any, shadow: dict[int, ShadowAgreement] | None = None) -> ModelOut:
    stats = (shadow or {}).get(record.id)
    return ModelOut(
        version=record.version,
        backend=record.backend,
        active=record.active,
        shadow=record.shadow,
        shadow_stats=stats.to_dict() if stats else None,
        created_at=record.created_at,
        metrics=record.metrics,
        label_mappings=record.label_mappings,
    )


# The errors of an endpoint whose own answer is not JSON (the error answers still are).
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for code in ERRORS
}
READY_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: ERRORS[401],
    503: {"description": "Not ready: the checks say which failed (or the database cannot be reached)."},
}


@router.get("/api/models", response_model=list[ModelOut], responses=ERRORS, tags=["models"])
def get_models(request: Request, _: Viewer) -> list[ModelOut]:
    """Registered model versions with their metrics and training data counts, newest first."""
    store = request.app.state.store
    shadow = store.stats.shadow()
    return [_model_out(m, shadow) for m in list_models(store)]


@router.post("/api/models/{version}/activate", response_model=ModelOut, responses=ERRORS, tags=["models"])
async def activate(request: Request, who: Admin, version: str) -> ModelOut:
    """Make a version active: every API process and worker switches to it, without failing a request in flight."""
    state = request.app.state
    try:
        record = await run_in_threadpool(activate_model, state.store, version)
    except RegistryError as exc:
        raise ApiError(http_status(exc), str(exc)) from exc
    await run_in_threadpool(state.services.models.refresh)
    await run_in_threadpool(audit, request, who, "activate", f"model:{version}")
    return _model_out(record)


@router.post("/api/models/{version}/shadow", response_model=ModelOut, responses=ERRORS, tags=["models"])
def shadow(request: Request, who: Admin, version: str, body: ShadowRequest) -> ModelOut:
    """Let a version classify new documents beside the active one without touching their labels
    (``on: false`` stops it); the Models page and /api/stats compare the two."""
    state = request.app.state
    record = state.store.versions.set_shadow(version, body.on)
    if record is None:
        raise ApiError(404, f"no model version {version}")
    audit(request, who, "shadow" if body.on else "unshadow", f"model:{version}")
    state.services.models.refresh()
    return _model_out(record, state.store.stats.shadow())


def _run_out(run: Any) -> RetrainOut:
    return RetrainOut(
        id=run.id,
        reason=run.reason,
        backend=run.backend,
        status=run.status,
        candidate=run.candidate,
        promoted=run.promoted,
        decision=run.decision,
        report=run.report,
        created_at=run.created_at,
        finished_at=run.finished_at,
        job_url=f"/api/jobs/{run.job_id}" if run.job_id else None,
    )


@router.post("/api/models/retrain", status_code=202, response_model=RetrainOut, responses=ERRORS, tags=["models"])
def start_retrain(request: Request, who: Admin, body: RetrainRequest | None = None) -> RetrainOut:
    """Train a candidate on the training pool, compare it with the active version on the fixed
    evaluation set, promote it only if it is better. Runs as a job; one run at a time (409)."""
    services = request.app.state.services
    backend = (body.backend if body else None) or services.settings.retrain_backend
    if backend not in BACKENDS:
        raise ApiError(422, str(UnknownBackend(backend)))
    run_id = request_retrain(services, f"asked for by {who.name}", backend)
    if run_id is None:
        raise ApiError(409, "a retrain run is queued or running already; munseo retrains one at a time")
    audit(request, who, "retrain", f"retrain:{run_id}", {"backend": backend})
    run = services.store.learning.get(run_id)
    return _run_out(run)


@router.get("/api/models/retrains", response_model=list[RetrainOut], responses=ERRORS, tags=["models"])
def get_retrains(request: Request, _: Viewer) -> list[RetrainOut]:
    """Retrain runs, newest first: why each ran, its candidate, and whether (and why) it was promoted."""
    return [_run_out(r) for r in request.app.state.store.learning.runs()]


def compute_stats(store: Store) -> dict[str, Any]:
    now = utcnow()
    totals = store.stats.totals()
    recent = store.stats.processed_since(now - timedelta(hours=1))
    timings = store.stats.page_timings(2000)
    reviews = store.stats.review_counts()
    history = store.stats.history(50_000)
    by_status, pages_by_source = totals.documents_by_status, totals.pages_by_source

    minutes: dict[str, dict[str, int]] = {}
    for i in range(60, -1, -1):
        minutes[(now - timedelta(minutes=i)).strftime("%H:%M")] = {"documents": 0, "pages": 0}
    for processed_at, pages in recent:
        key = processed_at.strftime("%H:%M")
        if key in minutes:
            minutes[key]["documents"] += 1
            minutes[key]["pages"] += pages
    stages: dict[str, list[float]] = defaultdict(list)
    for t in timings:
        for stage, ms in t.items():
            stages[stage].append(float(ms))
    stage_stats = {
        stage: {
            "mean_ms": statistics.fmean(v),
            "p50_ms": statistics.median(v),
            "p95_ms": sorted(v)[int(0.95 * (len(v) - 1))],
            "pages": len(v),
        }
        for stage, v in sorted(stages.items())
    }

    # History rows newest first: the first model row seen for (doc, task) is its latest model decision.
    model_label: dict[tuple[int, str], str] = {}
    reviewer_label: dict[tuple[int, str], str] = {}
    confidences: dict[str, list[float]] = defaultdict(list)
    for row in history:
        key, label, confidence, source = (row.document_id, row.task), row.label, row.confidence, row.source
        if source == "model":
            model_label.setdefault(key, label)
            if confidence is not None:
                confidences[row.task].append(confidence)
        else:  # the newest reviewer or undo row decides; an undone review counts for nothing
            reviewer_label.setdefault(key, label if source == "reviewer" else "")
    histograms = {
        task: {
            "bins": [round(i / 10, 1) for i in range(11)],
            "counts": [
                sum(1 for v in values if i / 10 <= v < (i + 1) / 10 or (i == 9 and v == 1.0)) for i in range(10)
            ],
        }
        for task, values in sorted(confidences.items())
    }
    review_accuracy: dict[str, Any] = {}
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, truth in reviewer_label.items():
        if truth and key in model_label:
            pairs[key[1]].append((model_label[key], truth))
    for task, items in sorted(pairs.items()):
        per_class: dict[str, dict[str, float]] = {}
        for label in sorted({t for _, t in items}):
            of_class = [m for m, t in items if t == label]
            hits = sum(m == label for m in of_class)
            per_class[label] = {"documents": len(of_class), "accuracy": hits / len(of_class)}
        labels = sorted({x for pair in items for x in pair})
        counts = Counter(items)
        review_accuracy[task] = {
            "documents": len(items),
            "accuracy": sum(m == t for m, t in items) / len(items),
            "per_class": per_class,
            "confusion": {
                "labels": labels,
                "matrix": [[counts[(m, t)] for m in labels] for t in labels],
                "rows": "reviewer label",
                "columns": "model label",
            },
        }
    total_docs = sum(by_status.values())
    last_hour_docs = sum(m["documents"] for m in minutes.values())
    last_hour_pages = sum(m["pages"] for m in minutes.values())
    return {
        "generated_at": now.isoformat(),
        "documents": {"total": total_docs, "by_status": by_status},
        "pages": {"total": sum(pages_by_source.values()), "by_source": pages_by_source},
        "queue": {"queued": totals.queued_by_stage, "running": totals.running_jobs},
        "throughput": {
            "last_hour": {"documents_per_minute": last_hour_docs / 60, "pages_per_minute": last_hour_pages / 60},
            "per_minute": [{"minute": k, **v} for k, v in minutes.items()],
        },
        "stage_timings": stage_stats,
        "confidence_histograms": histograms,
        "review": {
            "classified": reviews.classified,
            "waiting": reviews.waiting,
            "reviewed": reviews.reviewed,
            "share": reviews.waiting / reviews.classified if reviews.classified else 0.0,
        },
        "reviewed_accuracy": review_accuracy,
    }


@router.get("/api/stats", responses=ERRORS, tags=["ops"])
def get_stats(request: Request, _: Viewer) -> dict[str, Any]:
    """Counts, throughput, stage timings, confidence histograms, review share, accuracy of reviewed
    documents, the drift alarm and the latest retrain run."""
    state = request.app.state
    stats = compute_stats(state.store)
    try:
        stats["drift"] = drift(state.services).to_dict()
    except Exception as exc:  # the rest of the dashboard still answers
        stats["drift"] = {"alarm": False, "error": f"{type(exc).__name__}: {exc}"}
    names = state.store.versions.names()
    stats["shadow"] = {names.get(v, str(v)): a.to_dict() for v, a in state.store.stats.shadow().items()}
    latest = state.store.learning.runs(limit=1)
    stats["retrain"] = _run_out(latest[0]).model_dump(mode="json", exclude={"report"}) if latest else None
    return stats


@router.get("/metrics", response_class=PlainTextResponse, responses=JSON_ERRORS, tags=["ops"])
def metrics(request: Request, _: Viewer) -> PlainTextResponse:
    """Prometheus text format."""
    state = request.app.state
    return PlainTextResponse(state.metrics.render(state.services), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", tags=["ops"])
def healthz() -> dict[str, str]:
    """The process is alive (no token needed)."""
    return {"status": "ok"}


@router.get("/readyz", responses=READY_ANSWERS, tags=["ops"])
def readyz(request: Request, _: Viewer) -> JSONResponse:
    """Database reachable, the executor's checks (Celery: the broker reachable), a model loaded."""
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        state.store.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {exc}"
    if state.executor is not None:
        checks.update(state.executor.checks())
    try:
        model = state.services.models.refresh()  # looked at now, not up to a second ago
        problem = state.services.models.problem
        checks["model"] = problem or (f"ok: {model.version}" if model else "no model is active")
    except Exception as exc:
        checks["model"] = f"cannot be loaded: {exc}"
    ready = all(v == "ok" or v.startswith("ok:") for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
