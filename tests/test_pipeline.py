"""The chain over many files: text layers, mixed PDFs, OCR of scans, duplicates, bad files failing alone."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pypdfium2 as pdfium
import pytest

from munseo.config import Settings
from munseo.evaluate.metrics import cer
from munseo.pipeline import Outcome, ingest
from munseo.store.repository import Store
from tests import documents
from tests.ocr_plugin import Slow


def _text_layer(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(pdf))]
    finally:
        pdf.close()


def test_born_digital_pdf_uses_text_layer_without_ocr(tmp_path: Path, settings: Settings, store: Store) -> None:
    pdf = documents.born_digital_pdf(tmp_path / "bill.pdf", pages=2)
    report = ingest([pdf], settings, store)
    [file] = report.files
    assert file.outcome is Outcome.STORED and file.text_layer_pages == 2 and file.ocr_pages == 0
    doc = store.documents.get(file.document_id or 0)
    assert doc is not None and doc.status == "processed" and doc.mime == "application/pdf"
    expected = _text_layer(pdf)
    assert [p.raw_text for p in doc.pages] == expected
    for page in doc.pages:
        assert page.source == "text-layer" and page.engine is None and page.preprocessing is None
        assert "ocr" not in page.timings_ms and page.mean_confidence == 1.0
        assert page.blocks and Path(page.image_path or "").is_file()
    assert "국회는" in (doc.text or "")
    # The original is kept, content-addressed, in the data directory.
    assert Path(doc.original_path or "").read_bytes() == pdf.read_bytes()


@pytest.mark.slow
def test_mixed_pdf_is_decided_page_by_page(tmp_path: Path, settings: Settings, store: Store) -> None:
    pdf = documents.mixed_pdf(tmp_path / "mixed.pdf")
    [file] = ingest([pdf], settings, store).files
    assert (file.text_layer_pages, file.ocr_pages) == (1, 1)
    doc = store.documents.get(file.document_id or 0)
    assert doc is not None
    first, second = doc.pages
    assert first.source == "text-layer" and second.source == "ocr"
    assert second.engine is not None and second.engine["languages"] == "Hangul+eng"
    assert second.quality is not None and second.quality["reading"] == "regions"
    assert second.quality["coverage"] > 0.9 and not second.needs_review
    assert second.preprocessing is not None and "ocr" in second.timings_ms
    expected = documents.render_text_page(seed=7, dpi=200).text
    assert cer(expected, second.raw_text) < 0.05


@pytest.mark.slow
def test_scanned_images_ocr_and_dedup(tmp_path: Path, settings: Settings, store: Store) -> None:
    png, truth = documents.png_page(tmp_path / "page.png")
    tiff = documents.multi_frame_tiff(tmp_path / "two.tiff")
    # The two-page file is given first and usually finishes last: files are reported as given.
    first = ingest([tiff, png], settings, store)
    assert [f.path for f in first.files] == [tiff, png]
    assert [f.outcome for f in first.files] == [Outcome.STORED, Outcome.STORED]
    doc = store.documents.get(first.files[1].document_id or 0)
    assert doc is not None and doc.pages[0].source == "ocr"
    assert cer(truth, doc.pages[0].raw_text) < 0.05
    assert 0.8 < doc.pages[0].mean_confidence <= 1.0
    assert doc.pages[0].blocks[0]["lines"][0]["words"][0]["bbox"]
    tiff_doc = store.documents.get(first.files[0].document_id or 0)
    assert tiff_doc is not None and tiff_doc.page_count == 2 and len(tiff_doc.pages) == 2

    # The same content again, under another name and path, is the same document.
    copy = tmp_path / "again" / "renamed.png"
    copy.parent.mkdir()
    copy.write_bytes(png.read_bytes())
    second = ingest([copy, png], settings, store)
    assert [f.outcome for f in second.files] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert {f.document_id for f in second.files} == {doc.id}
    assert store.documents.count() == 2


@pytest.mark.slow
def test_bad_inputs_fail_alone_and_stored_documents_stay(tmp_path: Path, settings: Settings, store: Store) -> None:
    good = documents.born_digital_pdf(tmp_path / "good.pdf", pages=1)
    [stored] = ingest([good], settings, store).files
    before = store.documents.get(stored.document_id or 0)
    assert before is not None

    bad = documents.write_bad_inputs(tmp_path / "bad")
    documents.png_page(tmp_path / "bad" / "scan.png", dpi=200)
    report = ingest([tmp_path / "bad", good, tmp_path / "missing.pdf"], settings, store)

    by_name = {f.path.name: f for f in report.files}
    assert by_name["scan.png"].outcome is Outcome.STORED
    assert by_name["good.pdf"].outcome is Outcome.DUPLICATE
    assert by_name["missing.pdf"].outcome is Outcome.FAILED and by_name["missing.pdf"].reason == "no such file"
    for path in bad.values():
        file = by_name[path.name]
        assert file.outcome is Outcome.FAILED and file.reason, path.name
        doc = store.documents.get(file.document_id or 0)
        assert doc is not None and doc.status == "failed" and doc.error == file.reason
    after = store.documents.get(before.id)
    assert after is not None and after.status == "processed" and after.text == before.text
    assert [p.raw_text for p in after.pages] == [p.raw_text for p in before.pages]


@pytest.mark.slow
def test_a_documents_time_limit_starts_with_its_pages_not_with_the_batch(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    """Each page takes at least a second (the engine waits), so the batch outlasts one document's
    time limit; no document does, and none may fail for the time the batch took before it."""
    limit, count = 10.0, 12
    assert count * Slow.SLOW_SECONDS > limit  # the last documents start after the limit
    pages = []
    for seed in range(count):
        path = tmp_path / f"page-{seed}.png"
        documents.render_text_page(seed=seed, dpi=150, paragraphs=1).image.save(path, dpi=(150, 150))
        pages.append(path)
    one_worker = settings.model_copy(
        update={"workers": 1, "ocr_engine": "tests.ocr_plugin:slow", "document_time_limit": limit}
    )
    report = ingest(pages, one_worker, store)
    assert report.seconds > limit
    assert [(f.outcome, f.reason) for f in report.files] == [(Outcome.STORED, None)] * count


@pytest.mark.slow
def test_ocr_workers_end_with_a_killed_command(tmp_path: Path) -> None:
    """Killing only the command (SIGKILL runs none of its clean-up) leaves no OCR worker reading on."""
    tiff = documents.multi_frame_tiff(tmp_path / "pages.tiff", frames=8)
    env = {**os.environ, "MUNSEO_WORKERS": "2", "MUNSEO_DATA_DIR": str(tmp_path / "data")}
    command = subprocess.Popen(
        [sys.executable, "-m", "munseo", "ocr", str(tiff)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    helpers: list[psutil.Process] = []
    try:
        parent = psutil.Process(command.pid)
        deadline = time.monotonic() + 120
        workers: list[psutil.Process] = []
        while len(workers) < 2 and command.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            helpers = parent.children(recursive=True)
            workers = [p for p in helpers if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 2, command.stderr.read() if command.stderr else ""
        command.send_signal(signal.SIGKILL)
        command.wait()
        _, alive = psutil.wait_procs(helpers, timeout=60)
        assert not alive, f"still running after the command was killed: {[p.cmdline() for p in alive]}"
    finally:
        command.kill()
        for process in helpers:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
