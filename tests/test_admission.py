"""Admission, the one door of every entry point: the duplicate rule, the stored original, and
refusals recorded as failed documents with their kind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from munseo.admission import Admitted, admit
from munseo.config import Settings
from munseo.ingest import Refusal
from munseo.store.models import Job, JobStatus, utcnow
from munseo.store.repository import Store
from tests import documents


def test_the_same_bytes_are_one_document_while_it_is_live_or_processed(settings: Settings, store: Store) -> None:
    pdf = documents.born_digital_pdf(settings.data_dir.parent / "bill.pdf")
    first = admit(pdf, settings, store, client_ref="box-7")
    assert first.outcome is Admitted.QUEUED and first.job_id is not None and first.source is not None
    assert first.source.path != pdf and first.source.path.read_bytes() == pdf.read_bytes()  # the stored copy
    again = admit(pdf, settings, store, filename="renamed.pdf")
    assert (again.outcome, again.document_id) == (Admitted.DUPLICATE, first.document_id)

    # A job a dead worker left running (no heartbeat for longer than job_stale_seconds) is not live:
    # the file is admitted again and replaces the abandoned attempt.
    assert store.jobs.claim(first.job_id, "ocr", "host:1:gone")
    with store.sessions.begin() as session:
        session.get(Job, first.job_id).heartbeat_at = utcnow() - timedelta(seconds=settings.job_stale_seconds + 5)
    retried = admit(pdf, settings, store)
    assert (retried.outcome, retried.document_id) == (Admitted.QUEUED, first.document_id)
    assert store.jobs.many([first.job_id])[0].status == JobStatus.FAILED  # replaced, never run twice
    doc = store.documents.load(first.document_id or 0)
    assert doc.client_ref == "box-7"  # kept from the first admission

    store.jobs.finish(retried.job_id or 0, JobStatus.DONE)
    store.documents.finish(doc.id, [], "")
    assert admit(pdf, settings, store).outcome is Admitted.DUPLICATE


def test_a_refused_file_is_a_failed_document_with_its_kind(settings: Settings, store: Store, tmp_path: Path) -> None:
    broken = documents.truncated_pdf(tmp_path / "broken.pdf")
    refused = admit(broken, settings, store)
    assert refused.outcome is Admitted.FAILED and refused.refusal is Refusal.DAMAGED and refused.reason
    doc = store.documents.load(refused.document_id or 0)
    assert (doc.status, doc.error, doc.filename) == ("failed", refused.reason, "broken.pdf")
    missing = admit(tmp_path / "nowhere.pdf", settings, store)
    assert missing.outcome is Admitted.FAILED and missing.document_id is None
