"""Documents: upload, list, read, page images, review, and synchronous classification."""

from __future__ import annotations

import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from munseo.admission import Admission, Admitted, admit
from munseo.ingest import HTTP_STATUS, IngestError, Refusal, inspect_file
from munseo.pipeline import PageProcessor, limits_from, read_pages
from munseo.service.deps import ApiError, Reviewer, Viewer
from munseo.service.registry import LoadedModel
from munseo.service.schemas import (
    ClassifyDocumentResponse,
    ClassifyTextRequest,
    DocumentDetail,
    DocumentList,
    ErrorResponse,
    JobOut,
    PredictionOut,
    ReviewRequest,
    UploadItem,
    UploadResponse,
)
from munseo.service.views import detail, load, pending_of, summary, versions_of
from munseo.store.models import (
    Classification,
    ClassificationHistory,
    Document,
    DocumentStatus,
    Job,
    ModelVersion,
    Review,
    Role,
    utcnow,
)
from munseo.text import clean_page_text, merge_pages

router = APIRouter()
ERRORS = {code: {"model": ErrorResponse} for code in (401, 403, 404, 413, 415, 422)}


def _check_length(request: Request) -> None:
    settings = request.app.state.settings
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_file_bytes * 20:
        raise ApiError(413, f"the request is {int(length) / 2**20:.0f} MiB, over the upload limit")


async def _receive(upload: UploadFile, folder: Path, limit: int) -> Path:
    """Copy an upload to a file of its own, refusing it once it passes ``limit`` bytes."""
    target = folder / f"{uuid.uuid4().hex}-{Path(upload.filename or 'upload').name}"
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise ApiError(413, f"{upload.filename}: the file is over the limit of {limit / 2**20:.0f} MiB")
            out.write(chunk)
    return target


def _accept(request: Request, path: Path, filename: str, client_ref: str | None) -> tuple[UploadItem, Admission]:
    """Admit one received file for the executor, or record it as failed with the reason."""
    state = request.app.state
    admission = admit(path, state.settings, state.store, filename=filename, client_ref=client_ref)
    return _item(filename, admission), admission


def _item(filename: str, admission: Admission) -> UploadItem:
    doc_url = f"/api/documents/{admission.document_id}" if admission.document_id is not None else None
    if admission.outcome is Admitted.QUEUED:
        return UploadItem(
            filename=filename,
            status="queued",
            document_id=admission.document_id,
            job_id=admission.job_id,
            job_url=f"/api/jobs/{admission.job_id}",
            document_url=doc_url,
        )
    return UploadItem(
        filename=filename,
        status=admission.outcome.value,
        document_id=admission.document_id,
        error=admission.reason,
        document_url=doc_url,
    )


@router.post("/api/documents", status_code=202, response_model=UploadResponse, responses=ERRORS, tags=["documents"])
async def upload_documents(
    request: Request,
    _: Reviewer,
    files: Annotated[list[UploadFile], File(description="One or more PDF, PNG, JPEG or TIFF files.")],
    client_ref: Annotated[str | None, Form(max_length=255)] = None,
) -> UploadResponse:
    """Queue documents for ingest → OCR → classification; answers at once with ids and job URLs."""
    _check_length(request)
    settings = request.app.state.settings
    incoming = settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    items, admissions = [], []
    with tempfile.TemporaryDirectory(dir=incoming) as tmp:
        for upload in files:
            path = await _receive(upload, Path(tmp), settings.max_file_bytes)
            item, admission = await run_in_threadpool(_accept, request, path, upload.filename or path.name, client_ref)
            items.append(item)
            admissions.append(admission)
    if all(item.status == "failed" for item in items):
        first = items[0].error or "refused"
        status = HTTP_STATUS[admissions[0].refusal or Refusal.DAMAGED]
        raise ApiError(status, f"{items[0].filename}: {first}", detail=[i.model_dump() for i in items])
    executor = request.app.state.executor
    if executor is not None:
        executor.notify()
    return UploadResponse(documents=items)


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
def list_documents(
    request: Request,
    _: Viewer,
    status: Annotated[str | None, Query(description="pending, processing, processed or failed")] = None,
    needs_review: bool | None = None,
    label: Annotated[list[str] | None, Query(description="TASK:LABEL, e.g. doc_type:심사보고서 (repeatable)")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(description="Words that must occur in the document's text")] = None,
    sort: Literal["date", "-date", "confidence", "-confidence"] = "-date",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentList:
    """Documents with filters, full-text search, sorting and pagination."""
    conditions = []
    if status:
        conditions.append(Document.status == status)
    if needs_review is not None:
        conditions.append(Document.needs_review.is_(needs_review))
    for item in label or []:
        task, sep, value = item.partition(":")
        if not sep:
            raise ApiError(422, f"label filter {item!r} must be TASK:LABEL")
        conditions.append(
            Document.id.in_(
                select(Classification.document_id).where(Classification.task == task, Classification.label == value)
            )
        )
    if created_from:
        conditions.append(Document.created_at >= created_from)
    if created_to:
        conditions.append(Document.created_at <= created_to)
    for word in (q or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Document.text.ilike(f"%{escaped}%", escape="\\"))
    where = and_(*conditions) if conditions else True
    order = {
        "date": Document.created_at.asc(),
        "-date": Document.created_at.desc(),
        "confidence": Document.min_confidence.asc().nulls_last(),
        "-confidence": Document.min_confidence.desc(),
    }[sort]
    with request.app.state.store.sessions() as session:
        total = session.scalar(select(func.count(Document.id)).where(where)) or 0
        docs = session.scalars(
            select(Document)
            .where(where)
            .order_by(order, Document.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
            .options(selectinload(Document.classifications))
        ).all()
        versions = versions_of(session)
        pending = pending_of(session, [d.id for d in docs])
        items = [summary(d, versions, pending=pending) for d in docs]
    return DocumentList(items=items, total=total, page=page, page_size=page_size)


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS, tags=["documents"])
def get_document(request: Request, _: Viewer, doc_id: int) -> DocumentDetail:
    """Metadata, per-page OCR (text, words with boxes and confidences), labels with probabilities, history."""
    with request.app.state.store.sessions() as session:
        return detail(session, doc_id)


@router.get(
    "/api/documents/{doc_id}/pages/{number}/image", responses=ERRORS, tags=["documents"], response_class=FileResponse
)
def page_image(request: Request, _: Viewer, doc_id: int, number: int) -> FileResponse:
    """The stored page image (JPEG), in the pixel coordinates of the page's word boxes."""
    with request.app.state.store.sessions() as session:
        doc = load(session, doc_id)
        page = next((p for p in doc.pages if p.number == number), None)
    if page is None or not page.image_path or not Path(page.image_path).is_file():
        raise ApiError(404, f"document {doc_id} has no image for page {number}")
    return FileResponse(page.image_path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/api/jobs/{job_id}", response_model=JobOut, responses=ERRORS, tags=["documents"])
def get_job(request: Request, _: Viewer, job_id: int) -> JobOut:
    """A processing job: queued or running (with its stage), done or failed (with the reason)."""
    with request.app.state.store.sessions() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise ApiError(404, f"no job with id {job_id}")
        version = session.get(ModelVersion, job.model_version_id) if job.model_version_id else None
        return JobOut(
            id=job.id,
            document_id=job.document_id,
            status=job.status,
            stage=job.stage,
            attempts=job.attempts,
            error=job.error,
            model_version=version.version if version else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


@router.get("/api/review/queue", response_model=DocumentList, responses=ERRORS, tags=["review"])
def review_queue(
    request: Request,
    _: Viewer,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentList:
    """Documents that need a reviewer, least confident first, with the top-3 labels of each task."""
    where = and_(Document.needs_review.is_(True), Document.status == DocumentStatus.PROCESSED)
    with request.app.state.store.sessions() as session:
        total = session.scalar(select(func.count(Document.id)).where(where)) or 0
        docs = session.scalars(
            select(Document)
            .where(where)
            .order_by(Document.min_confidence.asc(), Document.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .options(selectinload(Document.classifications))
        ).all()
        versions = versions_of(session)
        items = [summary(d, versions, full=True) for d in docs]
    return DocumentList(items=items, total=total, page=page, page_size=page_size)


@router.post("/api/documents/{doc_id}/review", response_model=DocumentDetail, responses=ERRORS, tags=["review"])
def review_document(request: Request, who: Reviewer, doc_id: int, body: ReviewRequest) -> DocumentDetail:
    """Accept the labels or correct some: kept in the history with who and when, and used as training data."""
    with request.app.state.store.sessions.begin() as session:
        doc = load(session, doc_id)
        current = {c.task: c for c in doc.classifications}
        if not current:
            raise ApiError(409, f"document {doc_id} has no labels to review yet")
        unknown = set(body.labels) - set(current)
        if unknown:
            raise ApiError(422, f"unknown task(s): {', '.join(sorted(unknown))}; tasks: {', '.join(sorted(current))}")
        for task, label in body.labels.items():
            if label not in current[task].probabilities:
                raise ApiError(422, f"{label!r} is not a label of task {task!r}")
        if body.action == "correct" and not body.labels:
            raise ApiError(422, "a correction needs labels: {task: label}")
        final = {task: body.labels.get(task, c.label) for task, c in current.items()}
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
                    reviewer=who.name,
                )
            )
        session.add(Review(document_id=doc_id, reviewer=who.name, action=body.action, labels=final, previous=previous))
        doc.needs_review, doc.reviewed_at, doc.reviewed_by = False, utcnow(), who.name
    with request.app.state.store.sessions() as session:
        return detail(session, doc_id)


@router.post("/api/documents/{doc_id}/review/undo", response_model=DocumentDetail, responses=ERRORS, tags=["review"])
def undo_review(request: Request, who: Reviewer, doc_id: int) -> DocumentDetail:
    """Take back the latest review of a document (yours, or anyone's for an admin): its labels and
    review flag return to what they were, the review no longer counts as training data, and the
    history records the undo."""
    with request.app.state.store.sessions.begin() as session:
        doc = load(session, doc_id)
        review = session.scalars(
            select(Review).where(Review.document_id == doc_id).order_by(Review.created_at.desc(), Review.id.desc())
        ).first()
        if review is None or review.previous is None:
            raise ApiError(409, f"document {doc_id} has no review to undo")
        if review.reviewer != who.name and who.role is not Role.ADMIN:
            raise ApiError(
                403, f"the latest review of document {doc_id} is {review.reviewer}'s; only they or an admin can undo it"
            )
        before = review.previous
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
                    reviewer=who.name,
                    model_version_id=old["model_version_id"],
                )
            )
        state = before["document"]
        doc.needs_review, doc.min_confidence = state["needs_review"], state["min_confidence"]
        doc.reviewed_at = datetime.fromisoformat(state["reviewed_at"]) if state["reviewed_at"] else None
        doc.reviewed_by = state["reviewed_by"]
        session.delete(review)
    with request.app.state.store.sessions() as session:
        return detail(session, doc_id)


def _model(request: Request) -> LoadedModel:
    model = request.app.state.services.models.get()
    if model is None:
        raise ApiError(503, "no model is active: register one with 'munseo models add' and activate it")
    return model


@router.post("/api/classify/text", response_model=PredictionOut, responses=ERRORS, tags=["classify"])
def classify_text(request: Request, _: Viewer, body: ClassifyTextRequest) -> PredictionOut:
    """Labels for a text, synchronously."""
    model = _model(request)
    return PredictionOut.model_validate(model.classifier.predict_one(clean_page_text(body.text)).to_dict())


@router.post("/api/classify/document", response_model=ClassifyDocumentResponse, responses=ERRORS, tags=["classify"])
async def classify_document(
    request: Request, _: Viewer, file: Annotated[UploadFile, File(description="A small document")]
) -> ClassifyDocumentResponse:
    """Upload a small document, get its OCR text and labels in the response (nothing is stored)."""
    settings = request.app.state.settings
    with tempfile.TemporaryDirectory() as tmp:
        path = await _receive(file, Path(tmp), settings.max_file_bytes)
        try:
            source = inspect_file(path, limits_from(settings), settings.dpi)
        except IngestError as exc:
            raise ApiError(HTTP_STATUS[exc.kind], f"{file.filename}: {exc.reason}") from exc
        if source.page_count > settings.sync_max_pages:
            raise ApiError(
                413,
                f"{file.filename}: {source.page_count} pages; this endpoint reads at most "
                f"{settings.sync_max_pages} (upload it to /api/documents instead)",
            )
        try:
            results = await run_in_threadpool(read_pages, source, settings, _sync_reader(request))
        except IngestError as exc:
            raise ApiError(HTTP_STATUS[exc.kind], f"{file.filename}: {exc.reason}") from exc
    text = merge_pages([o.clean_text for o in results])
    model = request.app.state.services.models.get()
    prediction = PredictionOut.model_validate(model.classifier.predict_one(text).to_dict()) if model else None
    pages = [
        {
            "number": o.result.number,
            "source": o.result.source.value,
            "text": o.clean_text,
            "mean_confidence": o.result.mean_confidence,
        }
        for o in results
        if o.result
    ]
    return ClassifyDocumentResponse(filename=file.filename or path.name, text=text, pages=pages, prediction=prediction)


def _sync_reader(request: Request) -> PageProcessor:
    state = request.app.state
    if getattr(state, "sync_reader", None) is None:
        state.sync_reader = PageProcessor(state.settings, workers=1)
    return state.sync_reader
