"""The read stage on its own, on SQLite and PostgreSQL: a queued document's pages are read and
stored with its text and its job moves on to classification; a document whose stored original has
gone fails with the reason, and nothing stored before is lost."""

from __future__ import annotations

from pathlib import Path

from munseo.admission import Admitted, admit
from munseo.classify.registry import ModelHolder
from munseo.config import Settings
from munseo.pipeline import PageProcessor
from munseo.stages import Services, run_due, stages
from munseo.store.models import JobStatus
from munseo.store.repository import Store
from tests import documents


def test_a_queued_document_is_read_and_moves_on_and_a_lost_original_fails(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    services = Services(settings, store, ModelHolder(store))
    all_stages = stages(settings)
    read = all_stages[0]
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=2)
    png, _ = documents.png_page(tmp_path / "scan.png", seed=31, dpi=200)
    admitted = [admit(path, settings, store) for path in (pdf, png)]
    assert [a.outcome for a in admitted] == [Admitted.QUEUED, Admitted.QUEUED]
    # the scan's stored original disappears before it is read
    lost = store.documents.get(admitted[1].document_id or 0)
    assert lost is not None and lost.original_path
    Path(lost.original_path).unlink()

    with PageProcessor(settings, workers=1) as processor:
        taken = run_due(services, all_stages, read, "test-reader", processor.run)
        taken += run_due(services, all_stages, read, "test-reader", processor.run)
    assert taken == 2

    doc = store.documents.get(admitted[0].document_id or 0)
    assert doc is not None and doc.status == "processed" and len(doc.pages) == 2
    assert "국회는" in (doc.text or "") and doc.pages[0].source == "text-layer"
    job = store.jobs.get(admitted[0].job_id or 0)
    assert job is not None and job[0].stage == all_stages[1].name and job[0].status == JobStatus.QUEUED

    failed = store.documents.get(admitted[1].document_id or 0)
    assert failed is not None and failed.status == "failed" and failed.error
    failed_job = store.jobs.get(admitted[1].job_id or 0)
    assert failed_job is not None and failed_job[0].status == JobStatus.FAILED
    assert store.documents.get(admitted[0].document_id or 0) is not None  # the other document is untouched
