"""Preprocessing: the skew estimate, denoise and binarisation recorded."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import HEAVY_DAMAGE, degrade, render_text_page
from munseo.ocr import PreprocessOptions, TesseractEngine, preprocess
from munseo.ocr.preprocess import estimate_skew, flatten, median_plus


@pytest.mark.parametrize("angle", [-10.0, -5.0, -1.0, 0.0, 2.5, 5.0, 12.0])
def test_skew_estimate(angle: float) -> None:
    page = render_text_page(seed=5, dpi=150)
    assert estimate_skew(np.asarray(degrade(page.image, angle=angle))) == pytest.approx(angle, abs=0.3)


def test_denoise_and_binarize_are_recorded(engine: TesseractEngine) -> None:
    page = render_text_page(seed=9, dpi=300, paragraphs=2)
    noisy = degrade(page.image, seed=1, noise=40, blur=1.0, jpeg_quality=40)
    gray, record = preprocess(noisy, PreprocessOptions(deskew=True, denoise=True, binarize=True))
    assert record.denoised and record.binarized
    assert set(np.unique(gray)) <= {0, 255}
    assert cer(page.text, engine.recognize(gray, page.dpi).text) < 0.08


@pytest.mark.parametrize("angle", [-3.5, 2.5])
def test_skew_estimate_on_a_shaded_noisy_scan(angle: float) -> None:
    """A dark corner is not a block of ink: the estimate follows the text lines."""
    page = render_text_page(seed=201, dpi=300, paragraphs=4)
    scan = degrade(page.image, seed=1, angle=angle, **HEAVY_DAMAGE)
    assert estimate_skew(np.asarray(scan)) == pytest.approx(angle, abs=0.3)


def test_the_denoiser_keeps_one_pixel_rules_and_removes_specks() -> None:
    """A 150-DPI table's rules are one pixel wide: a 3x3 median erases them, and with them the grid."""
    page = np.full((200, 300), 235, np.uint8)
    page[100, 20:280] = 30  # a rule
    page[20:180, 150] = 30  # a vertical rule
    specks = [(40, 40), (60, 220), (160, 60)]
    for y, x in specks:
        page[y, x] = 20
    page[170, 240:242] = 20  # a speck of two pixels
    clean = median_plus(page)
    assert (clean[100, 25:275] < 100).all() and (clean[25:175, 150] < 100).all()
    assert all(clean[y, x] > 200 for y, x in specks) and (clean[170, 240:242] > 200).all()
    assert (cv2.medianBlur(page, 3)[100, 25:140] > 200).all()  # what the 3x3 median did


def test_flattening_turns_a_shaded_row_into_paper_and_keeps_its_text() -> None:
    page = np.full((1754, 1240), 240, np.uint8)  # A4 at 150 DPI
    page[300:360, :] = 190  # a shaded table row
    page[320:340, 100:104] = 40  # a stroke on it
    page[520:540, 100:104] = 40  # a stroke on white
    flat = flatten(page)
    assert abs(int(flat[310, 600]) - int(flat[700, 600])) < 10
    assert flat[330, 102] < 80 and flat[530, 102] < 80
