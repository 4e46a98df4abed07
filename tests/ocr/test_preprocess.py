"""Preprocessing: the skew estimate, denoise and binarisation recorded."""

from __future__ import annotations

import numpy as np
import pytest

from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import HEAVY_DAMAGE, degrade, render_text_page
from munseo.ocr import PreprocessOptions, TesseractEngine, preprocess
from munseo.ocr.preprocess import estimate_skew


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
