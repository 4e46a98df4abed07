"""PDF rendering: a born-digital page's text layer equals its ground truth, and every drawn line
lies inside its manifest box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from munseo.synth import (
    ManifestRecord,
    text_layer_matches,
)
from munseo.synth.degrade import pixel_box, rasterize
from munseo.synth.render_pdf import pdf_bytes
from tests.synth.common import one_of_each, pages_of


def test_born_digital_text_layer_equals_ground_truth(born_digital: tuple[Path, list[ManifestRecord]]) -> None:
    out, records = born_digital
    assert all(r.born_digital and r.format == "pdf" and r.dpi == 150 for r in records)
    for record in records:
        document = pdfium.PdfDocument(out / record.file)
        assert len(document) == record.page_count
        for page, truth in zip(document, record.pages, strict=True):
            extracted = page.get_textpage().get_text_range()
            assert text_layer_matches(extracted, truth.text), (record.id, truth.number)
            bitmap = page.render(scale=record.dpi / 72)
            assert (bitmap.width, bitmap.height) == (truth.width, truth.height)


@pytest.mark.parametrize(("doc_type", "institution", "seed"), one_of_each())
def test_line_boxes_cover_the_drawn_text(doc_type: str, institution: str, seed: int) -> None:
    pages = pages_of(doc_type, institution, seed)
    dpi = 150
    for page, image in zip(pages, rasterize(pdf_bytes(pages, text_only=True), dpi, color=False), strict=True):
        height, width = image.shape
        covered = np.zeros((height, width), dtype=bool)
        for line in page.lines:
            x0, y0, x1, y1 = pixel_box(line.bbox, dpi, width, height)
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
            covered[y0:y1, x0:x1] = True
        dark = image < 160
        assert dark.any()
        assert int((dark & ~covered).sum()) <= 2, f"{doc_type} page text outside its line boxes"
