"""Circled paragraph numbers read from the glyph: the ring taken away, the digits inside read."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from munseo.elements import BBox
from munseo.evaluate.realpages import _load_font, find_font
from munseo.ocr import TesseractEngine
from munseo.ocr.circled import CIRCLED, DigitReader, circled_reader, inner_digits


def _word(text: str, font_name: str, size: int) -> tuple[np.ndarray, BBox]:
    """A line holding ``text`` in a real font, and the box of its first glyph as Tesseract gives it."""
    font = find_font(font_name)
    image = Image.new("L", (12 * size, 3 * size), 255)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=_load_font(font.path, font.index, size), fill=0)
    glyph = Image.new("L", image.size, 255)
    ImageDraw.Draw(glyph).text((size // 2, size // 2), text[0], font=_load_font(font.path, font.index, size), fill=0)
    ys, xs = np.nonzero(np.asarray(glyph) < 128)
    return np.asarray(image), (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def test_the_engine_reads_digits() -> None:
    assert isinstance(TesseractEngine(), DigitReader)


@pytest.mark.parametrize("font", ["Nanum Gothic", "Nanum Barun Gothic", "Nanum Myeongjo"])
@pytest.mark.parametrize("size", [28, 42])  # 10–15 pt at 200–300 DPI
def test_one_digit_circled_numbers_are_read_from_the_glyph(engine: TesseractEngine, font: str, size: int) -> None:
    """Most are read; none is read as another number (an unreadable one is None, and repair counts)."""
    read = {}
    for char in CIRCLED[:9]:
        gray, box = _word(f"{char} 위원회는", font, size)
        read[char] = circled_reader(gray, engine)(box)
    assert [(want, got) for want, got in read.items() if got not in (want, None)] == []
    assert sum(want == got for want, got in read.items()) >= 7, read


@pytest.mark.parametrize("text", ["○ 제안이유", "8 위원회", "영 제3조", "@ 주소", "◎ 표시"])
def test_a_glyph_that_is_no_circled_number_gives_none(engine: TesseractEngine, text: str) -> None:
    gray, box = _word(text, "Nanum Gothic", 42)
    assert circled_reader(gray, engine)(box) is None


def test_inner_digits_leaves_the_digit_alone_on_white(engine: TesseractEngine) -> None:
    gray, box = _word("⑦", "Nanum Gothic", 42)
    digits = inner_digits(gray, box)
    assert digits is not None
    assert digits[0].min() == 255 and digits[-1].min() == 255  # a white margin, the ring gone
    assert engine.read_digits(digits) == "7"
