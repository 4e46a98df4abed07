"""The ``ocr`` stage (page scope): every page of the document read (text layer or OCR), cleaned and
stored with the document's text, in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from munseo.ingest import FileKind, SourceFile
from munseo.pipeline import page_jobs, save_document
from munseo.store.models import Document

if TYPE_CHECKING:
    from munseo.stages import StageCall


def _source_of(doc: Document) -> SourceFile:
    if not doc.original_path or not doc.sha256 or not doc.mime:
        raise ValueError(f"document {doc.id} has no stored original")
    return SourceFile(Path(doc.original_path), doc.sha256, doc.size_bytes, FileKind(doc.mime), doc.page_count)


def read(call: StageCall) -> None:
    store = call.services.store
    assert call.read_pages is not None  # page stages always run with a page reader
    for job_id in call.jobs:
        doc = store.documents.of_job(job_id)
        if doc is None:
            call.fail(job_id, "the job's document no longer exists")
            continue
        source = _source_of(doc)
        store.documents.start(
            sha256=source.sha256,
            filename=doc.filename,
            mime=source.kind.value,
            size=source.size,
            page_count=source.page_count,
            original_path=str(source.path),
        )
        outcomes = []
        for outcome in call.read_pages(page_jobs(source, call.services.settings, call.services.data)):
            outcomes.append(outcome)
            call.heartbeat(job_id)
        crashed = [o.error for o in outcomes if o.crashed and o.error]
        if crashed:
            call.retry(job_id, crashed[0])
            continue
        saved = save_document(store, doc.id, doc.filename, source, outcomes)
        if saved.error:
            call.fail(job_id, saved.error)
        else:
            call.done(job_id)
