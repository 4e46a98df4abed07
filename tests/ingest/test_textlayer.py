"""A PDF page's own text layer: kept only when it is real text, and turned into the same element
tree OCR gives (lines in reading order, word boxes on the page, scaled to the render DPI)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from munseo.elements import PageResult, PageSource
from munseo.evaluate.testpages import text_pdf
from munseo.ingest.textlayer import MIN_TEXT_CHARS, extract_text_layer, is_usable_text

TEXT = (
    "제1조(목적) 이 법은 국민의 권리와 의무를 정함을 목적으로 한다. "
    "제2조(정의) 이 법에서 사용하는 용어의 뜻은 다음과 같다."
)


def test_only_a_layer_of_real_text_is_kept() -> None:
    assert is_usable_text(TEXT)
    assert not is_usable_text("  3  ")  # a scanner's stray page number
    assert not is_usable_text("가" * (MIN_TEXT_CHARS - 1))
    assert not is_usable_text("\ue000\ue001\ue002" * 10 + "정상적인 글자들")  # private-use glyphs, no ToUnicode
    assert is_usable_text("정상적인 글자가 대부분인 페이지입니다" * 3 + "\ufffd")  # one bad glyph is tolerated


def test_the_layer_becomes_lines_with_boxes_at_the_render_dpi(tmp_path: Path) -> None:
    pdf = pdfium.PdfDocument(str(text_pdf(tmp_path / "law.pdf", TEXT)))
    page = pdf[0]
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    result = extract_text_layer(page, textpage, text, number=1, dpi=144)
    assert result.source is PageSource.TEXT_LAYER and result.mean_confidence == 1.0
    width_pt, height_pt = page.get_size()
    assert (result.width, result.height) == (round(width_pt * 2), round(height_pt * 2))
    lines = [line for block in result.blocks for line in block.lines]
    assert len(lines) >= 2
    assert [line.bbox[1] for line in lines] == sorted(line.bbox[1] for line in lines)  # top to bottom
    words = [word for line in lines for word in line.words]
    assert "".join(w.text for w in words).replace(" ", "") in "".join(TEXT.split())
    for word in words:
        x0, y0, x1, y1 = word.bbox
        assert 0 <= x0 < x1 <= result.width and 0 <= y0 < y1 <= result.height
    assert "".join(result.text.split()) == "".join(TEXT.split())


def test_each_words_box_covers_its_own_ink(tmp_path: Path) -> None:
    """A word after Korean words sits where it is printed: a box drawn from character counts alone
    lands a syllable or more to the left (Hangul is about twice as wide as a space or a digit)."""
    import numpy as np

    text = "국토교통위원회는 도시철도 건설 사업의 예산 2024년 집행 현황을 점검하였다."
    pdf = pdfium.PdfDocument(str(text_pdf(tmp_path / "one.pdf", text)))
    page = pdf[0]
    textpage = page.get_textpage()
    result = extract_text_layer(page, textpage, textpage.get_text_range(), number=1, dpi=144)
    ink = np.asarray(page.render(scale=2).to_pil().convert("L")) < 128
    words = [w for block in result.blocks for line in block.lines for w in line.words]
    assert [w.text for w in words][:3] == ["국토교통위원회는", "도시철도", "건설"]
    for word in words:
        x0, y0, x1, y1 = word.bbox
        columns = ink[y0:y1].any(axis=0)
        inside = columns[x0:x1].sum()
        # the word's own ink fills its box, and the gap before it is blank
        assert inside >= 0.6 * (x1 - x0), (word.text, word.bbox)
        assert not columns[max(0, x0 - 3) : x0 - 1].any() or word is words[0], (word.text, word.bbox)


def _changed(tmp_path: Path, text: str, change: Callable[[pdfium.PdfPage], None]) -> tuple[pdfium.PdfPage, PageResult]:
    """A one-page PDF of ``text`` changed by ``change`` and saved, opened again, and its layer at 144 DPI."""
    source = pdfium.PdfDocument(str(text_pdf(tmp_path / "original.pdf", text)))
    change(source[0])
    source.save(str(tmp_path / "changed.pdf"))
    page = pdfium.PdfDocument(str(tmp_path / "changed.pdf"))[0]
    textpage = page.get_textpage()
    return page, extract_text_layer(page, textpage, textpage.get_text_range(), number=1, dpi=144)


def test_boxes_follow_a_cropbox_whose_corner_is_not_the_origin(tmp_path: Path) -> None:
    """A page cropped away from its origin (scanners' and imposition tools' PDFs): the rendered
    image shows the CropBox, and every word's box still covers its own ink there."""
    import numpy as np

    text = "국토교통위원회는 도시철도 건설 사업의 예산 2024년 집행 현황을 점검하였다."

    def crop(page: pdfium.PdfPage) -> None:
        width_pt, height_pt = page.get_size()
        page.set_cropbox(25, 300, width_pt - 30, height_pt - 22)  # the text starts at (40, 800)

    page, result = _changed(tmp_path, text, crop)
    ink = np.asarray(page.render(scale=2).to_pil().convert("L")) < 128
    assert ink.shape == (result.height, result.width)
    words = [w for block in result.blocks for line in block.lines for w in line.words]
    assert [w.text for w in words][:3] == ["국토교통위원회는", "도시철도", "건설"]
    for word in words:
        x0, y0, x1, y1 = word.bbox
        assert ink[y0:y1, x0:x1].any(axis=0).sum() >= 0.6 * (x1 - x0), (word.text, word.bbox)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_boxes_are_turned_with_a_page_that_pdf_rotate_turns(tmp_path: Path, rotation: int) -> None:
    """A page turned by /Rotate (scanners turn sideways pages so): the image shows it turned, and
    every word's box lies on the turned ink, which the boxes cover between them."""
    import numpy as np

    text = "국토교통위원회는 도시철도 건설 사업의 예산 2024년 집행 현황을 점검하였다."
    page, result = _changed(tmp_path, text, lambda page: page.set_rotation(rotation))
    ink = np.asarray(page.render(scale=2).to_pil().convert("L")) < 128
    assert ink.shape == (result.height, result.width)
    covered = np.zeros_like(ink)
    words = [w for block in result.blocks for line in block.lines for w in line.words]
    assert len(words) >= 8
    for word in words:
        x0, y0, x1, y1 = word.bbox
        assert 0 <= x0 < x1 <= result.width and 0 <= y0 < y1 <= result.height, (word.text, word.bbox)
        assert ink[y0:y1, x0:x1].mean() > 0.05, (word.text, word.bbox)
        covered[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = True
    assert (ink & covered).sum() >= 0.95 * ink.sum()
