"""Pages of known text: a seed draws the same page, its text is exactly the lines drawn (counted on
the image and read back by Tesseract), lines are wrapped to fit, and each kind of scanner damage
does what it says, by seed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import FONT_DIR, SENTENCES, _wrap, degrade, render_text_page
from munseo.ocr import TesseractEngine
from munseo.ocr.preprocess import estimate_skew


def _bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Top and bottom of each run of rows holding ink: one per drawn line of text."""
    padded = np.concatenate(([False], ink.any(axis=1), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def test_the_text_is_the_lines_drawn_column_by_column() -> None:
    page = render_text_page(seed=5, dpi=150, columns=2, paragraphs=3)
    again = render_text_page(seed=5, dpi=150, columns=2, paragraphs=3)
    assert page.text == again.text and page.image.tobytes() == again.image.tobytes()
    assert render_text_page(seed=6, dpi=150, columns=2, paragraphs=3).text != page.text
    gray = np.asarray(page.image)
    middle = gray.shape[1] // 2
    left, right = _bands(gray[:, :middle] < 160), _bands(gray[:, middle:] < 160)
    lines = page.text.split("\n")
    assert len(left) >= 6 and len(right) >= 6 and len(left) + len(right) == len(lines)
    assert set(" ".join(lines).split()) <= {word for sentence in SENTENCES for word in sentence.split()}
    engine = TesseractEngine()
    top_right = gray[right[0][0] - 5 : right[1][1] + 5, middle:]
    assert cer("\n".join(lines[len(left) : len(left) + 2]), engine.recognize(top_right, page.dpi).text) < 0.1


def test_lines_break_at_spaces_and_an_overlong_word_between_syllables() -> None:
    draw = ImageDraw.Draw(Image.new("L", (10, 10)))
    font = ImageFont.truetype(str(FONT_DIR / "NanumGothic.ttf"), 30)
    long = "대한민국국회사무처입법조사처법제실"  # wider than a line
    text = f"{SENTENCES[0]} {long} {SENTENCES[5]}"
    width = 300
    lines = _wrap(draw, text, font, width)
    assert len(lines) > 5 and all(0 < draw.textlength(line, font=font) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost, nothing added
    pieces = [w for line in lines for w in line.split() if w not in text.split()]
    assert len(pieces) >= 2 and all(piece in long for piece in pieces)


def test_each_kind_of_damage_does_what_it_says() -> None:
    grey = Image.new("L", (600, 400), 128)
    noisy = np.asarray(degrade(grey, seed=1, noise=12.0), dtype=float)
    assert noisy.std() == pytest.approx(12.0, rel=0.1) and noisy.mean() == pytest.approx(128, abs=1)
    assert np.array_equal(noisy, np.asarray(degrade(grey, seed=1, noise=12.0), dtype=float))
    assert not np.array_equal(noisy, np.asarray(degrade(grey, seed=2, noise=12.0), dtype=float))
    specks = np.asarray(degrade(grey, seed=1, salt_pepper=0.02))
    assert (specks == 0).mean() == pytest.approx(0.01, rel=0.2) and (specks == 255).mean() == pytest.approx(
        0.01, rel=0.2
    )
    shaded = np.asarray(degrade(Image.new("L", (600, 400), 255), shading=0.4), dtype=float)
    assert shaded[0, 0] == 255 and shaded[-1, -1] == pytest.approx(255 * 0.6, abs=2)

    page = render_text_page(seed=4, dpi=150)
    for angle in (-2.5, 1.2):
        assert estimate_skew(np.asarray(degrade(page.image, angle=angle))) == pytest.approx(angle, abs=0.2)
    clean = np.asarray(page.image, dtype=float)
    blurred = np.asarray(degrade(page.image, blur=2.0), dtype=float)
    jpeg = np.asarray(degrade(page.image, jpeg_quality=30), dtype=float)
    assert 0 < np.abs(jpeg - clean).mean() < np.abs(blurred - clean).mean()
    assert np.array_equal(np.asarray(degrade(page.image)), clean)  # no damage asked, none done
