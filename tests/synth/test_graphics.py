"""Non-text marks: the seal is red ink in a square frame, transparent elsewhere, the same for the
same seed; pen marks are drawn in a pen's ink next to the lines they mark, by seed, and leave the
text readable, so the ground truth stays what is printed."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import FONT_DIR, SENTENCES
from munseo.ocr import TesseractEngine
from munseo.synth.graphics import _INKS, SEAL_RED, pen_marks, seal_image

DPI = 200


def test_a_seal_is_red_ink_in_a_square_frame_by_seed() -> None:
    seal = seal_image("국회사무처장인", 240, 3)
    assert seal.mode == "RGBA" and seal.size == (240, 240)
    pixels = np.asarray(seal)
    assert (pixels[..., :3] == SEAL_RED).all()
    alpha = pixels[..., 3].astype(int)
    assert alpha[:4].max() == alpha[:, :4].max() == alpha[-4:].max() == alpha[:, -4:].max() == 0
    assert 0.2 < (alpha > 60).mean() < 0.7
    # The frame: a band of ink a little inside every edge, across most of the side.
    band = alpha[12:40].max(axis=0) > 60
    assert band[30:-30].mean() > 0.9

    seal_image.cache_clear()
    assert np.array_equal(np.asarray(seal_image("국회사무처장인", 240, 3)), pixels)
    other = np.asarray(seal_image("국회사무처장인", 240, 4))[..., 3].astype(int)
    assert np.abs(other - alpha).mean() > 5


def _lines() -> tuple[np.ndarray, list[str], list[tuple[int, int, int, int]]]:
    """Three printed lines on a white colour page at 200 DPI, and their boxes."""
    font = ImageFont.truetype(str(FONT_DIR / "NanumMyeongjo.ttf"), round(11 * DPI / 72))
    image = Image.new("RGB", (1500, 500), "white")
    draw = ImageDraw.Draw(image)
    texts = [SENTENCES[1][:30], SENTENCES[6][:30], SENTENCES[10][:26]]
    boxes = []
    for number, text in enumerate(texts):
        origin = (200, 100 + number * 110)
        draw.text(origin, text, font=font, fill="black")
        x0, y0, x1, y1 = draw.textbbox(origin, text, font=font)
        boxes.append((int(x0), int(y0), int(x1), int(y1)))
    return np.asarray(image).copy(), texts, boxes


def test_pen_marks_are_drawn_next_to_the_lines_and_leave_them_readable() -> None:
    page, texts, boxes = _lines()
    marked = page.copy()
    pen_marks(marked, boxes, 4, np.random.default_rng(3), DPI)
    again = page.copy()
    pen_marks(again, boxes, 4, np.random.default_rng(3), DPI)
    assert np.array_equal(marked, again)
    changed = (marked != page).any(axis=2)
    assert changed.sum() > 1000
    near = np.zeros(changed.shape, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        dx, dy = round(2.5 * (y1 - y0)), round(1.2 * (y1 - y0))
        near[max(0, y0 - dy) : y1 + dy, max(0, x0 - dx) : x1 + dx] = True
    assert not (changed & ~near).any()
    # On white paper, the darkest mark pixel is one pen's ink.
    on_paper = marked[changed & (page == 255).all(axis=2)].astype(int)
    darkest = on_paper[np.argmin(on_paper.sum(axis=1))]
    assert min(np.abs(darkest - ink).max() for ink in _INKS) < 25

    grey = np.asarray(Image.fromarray(page).convert("L")).copy()
    pen_marks(grey, boxes, 4, np.random.default_rng(3), DPI)
    assert grey.ndim == 2 and (grey != np.asarray(Image.fromarray(page).convert("L"))).sum() > 1000
    reading = TesseractEngine().recognize(grey, DPI).text
    assert cer("\n".join(texts), reading) < 0.15

    untouched = page.copy()
    pen_marks(untouched, [], 4, np.random.default_rng(3), DPI)
    assert np.array_equal(untouched, page)
