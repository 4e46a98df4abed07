"""File types are detected from content."""

from __future__ import annotations

from pathlib import Path

from munseo.ingest import FileKind, detect_kind
from tests import documents


def test_type_is_detected_from_content_not_name(tmp_path: Path) -> None:
    png, _ = documents.png_page(tmp_path / "scan.pdf", dpi=100)  # a PNG named .pdf
    assert detect_kind(png.read_bytes()[:64]) is FileKind.PNG
    pdf = documents.born_digital_pdf(tmp_path / "letter.png", pages=1)
    assert detect_kind(pdf.read_bytes()[:64]) is FileKind.PDF
