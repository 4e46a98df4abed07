"""Reading quality of a page: coverage of the glyph ink by the words read (what tells a reading
that silently lost rows), confident characters and mean confidence weighted by characters."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from munseo.elements import BBox, Word
from munseo.ocr.quality import coverage, mean_confidence, score

FONT = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"


def _page() -> tuple[np.ndarray, list[BBox]]:
    """A white page with four lines of text, and each line's box."""
    image = Image.new("L", (1000, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 32)
    boxes = []
    for n in range(4):
        line, origin = f"제{n + 1}조 이 법은 국민의 권리를 정한다", (60, 60 + n * 120)
        draw.text(origin, line, font=font, fill=0)
        x0, y0, x1, y1 = draw.textbbox(origin, line, font=font)
        boxes.append((int(x0), int(y0), int(x1), int(y1)))
    return np.asarray(image), boxes


def test_coverage_falls_with_the_lines_a_reading_lost() -> None:
    gray, boxes = _page()
    words = [Word(text="줄", bbox=box, confidence=0.95) for box in boxes]
    assert coverage(gray, words) > 0.95
    half = coverage(gray, words[:2])
    assert 0.35 < half < 0.65
    assert coverage(gray, []) == 0.0
    assert coverage(np.full((300, 300), 255, dtype=np.uint8), []) == 1.0  # a blank page lost nothing


def test_invented_noise_scores_below_a_shorter_right_reading() -> None:
    right = [Word(text="국민의", bbox=(0, 0, 10, 10), confidence=0.95)]
    noise = [Word(text="ㅣ:;'.,", bbox=(0, 0, 10, 10), confidence=0.3) for _ in range(5)]
    assert score(right) > 0 > score(noise)
    assert score(right + noise) < score(right)


def test_mean_confidence_weighs_words_by_their_characters() -> None:
    box = (0, 0, 1, 1)
    words = [Word(text="대한민국헌법", bbox=box, confidence=0.9), Word(text=".", bbox=box, confidence=0.0)]
    assert mean_confidence(words) == pytest.approx(6 * 0.9 / 7)
    assert mean_confidence([]) == 0.0
