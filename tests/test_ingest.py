"""Ingest end to end on real files, real Tesseract and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from munseo.config import Settings
from munseo.evaluate.metrics import cer
from munseo.ingest import FileKind, IngestError, detect_kind, inspect_file
from munseo.pipeline import Outcome, ingest, limits_from
from munseo.store.repository import Store
from tests import documents


def _text_layer(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(pdf))]
    finally:
        pdf.close()


def test_type_is_detected_from_content_not_name(tmp_path: Path) -> None:
    png, _ = documents.png_page(tmp_path / "scan.pdf", dpi=100)  # a PNG named .pdf
    assert detect_kind(png.read_bytes()[:64]) is FileKind.PNG
    pdf = documents.born_digital_pdf(tmp_path / "letter.png", pages=1)
    assert detect_kind(pdf.read_bytes()[:64]) is FileKind.PDF


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


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "the file is empty (0 bytes)"),
        ("truncated", "damaged or truncated"),
        ("encrypted", "encrypted with a password"),
        ("bomb", "over the limit of"),
        ("renamed", "unsupported file type: the content is a ZIP archive"),
        ("no_pages", "the PDF has no pages"),
        ("corrupt_image", "damaged or truncated"),
    ],
)
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, name: str, reason: str) -> None:
    path = documents.write_bad_inputs(tmp_path)[name]
    with pytest.raises(IngestError) as caught:
        inspect_file(path, limits_from(Settings()), dpi=300)
    assert reason in caught.value.reason
    assert path.name in str(caught.value)


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


def test_pixel_limit_applies_to_pdf_pages_at_render_dpi(tmp_path: Path) -> None:
    pdf = documents.born_digital_pdf(tmp_path / "a4.pdf", pages=1)
    tight = Settings(max_pixels=2_000_000)
    inspect_file(pdf, limits_from(tight), dpi=100)  # 827×1169 px: fine
    with pytest.raises(IngestError, match="page 1 rendered at 300 DPI"):
        inspect_file(pdf, limits_from(tight), dpi=300)


def test_refusals_carry_their_kind_and_one_table_maps_it_to_http(tmp_path: Path) -> None:
    from munseo.ingest import HTTP_STATUS, Refusal

    cases = {
        "empty.pdf": (b"", Refusal.EMPTY, 422),
        "letter.docx": (b"PK\x03\x04" + b"\x00" * 40, Refusal.UNSUPPORTED, 415),
        "broken.pdf": (b"%PDF-1.4\n1 0 obj\n<<", Refusal.DAMAGED, 422),
    }
    for name, (content, kind, status) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(IngestError) as refused:
            inspect_file(path, limits_from(Settings()), dpi=300)
        assert refused.value.kind is kind and HTTP_STATUS[kind] == status, name
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\x00" * 2000)
    with pytest.raises(IngestError) as refused:
        inspect_file(big, limits_from(Settings(max_file_bytes=1000)), dpi=300)
    assert refused.value.kind is Refusal.TOO_LARGE and HTTP_STATUS[Refusal.TOO_LARGE] == 413
    assert set(HTTP_STATUS) == set(Refusal)
