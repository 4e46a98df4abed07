"""Tesseract through tesserocr: accuracy on known pages, deskewed pages, columns, the element tree."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import degrade, render_text_page
from munseo.ingest import Limits
from munseo.ingest.source import inspect_file, load_page
from munseo.ocr import Layout, PreprocessOptions, TesseractEngine, preprocess
from munseo.ocr.layout import find_regions
from munseo.ocr.page import read_page
from munseo.synth.unknown import unknown_page


@pytest.mark.parametrize("seed", [1, 2])
def test_clean_page_cer_below_5_percent(engine: TesseractEngine, seed: int) -> None:
    page = render_text_page(seed=seed, dpi=300)
    result = engine.recognize(page.image, page.dpi)
    assert cer(page.text, result.text) < 0.05
    # Korean words come back whole, not one syllable per word (Tesseract reports syllables).
    assert cer(page.text, result.text, ignore_whitespace=False) < 0.05


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_rotated_page_after_deskew_cer_below_8_percent(engine: TesseractEngine, angle: float) -> None:
    page = render_text_page(seed=4, dpi=300)
    gray, record = preprocess(degrade(page.image, angle=angle), PreprocessOptions(deskew=True))
    assert record.deskewed
    assert record.skew_angle == pytest.approx(angle, abs=0.3)
    assert cer(page.text, engine.recognize(gray, page.dpi).text) < 0.08


def test_two_column_page_is_read_column_by_column(engine: TesseractEngine) -> None:
    page = render_text_page(seed=6, dpi=300, columns=2)
    regions = find_regions(np.asarray(page.image))
    assert {r.columns for r in regions} == {2}
    result = engine.recognize(page.image, page.dpi)
    assert result.engine is not None and result.engine.layout == "columns:2"
    assert cer(page.text, result.text) < 0.05
    # Reading the page as one block runs the columns' lines together.
    whole = TesseractEngine(layout=Layout.SINGLE_BLOCK).recognize(page.image, page.dpi)
    assert cer(page.text, whole.text) > 0.3


def test_element_tree_geometry_and_confidence(engine: TesseractEngine) -> None:
    page = render_text_page(seed=8, dpi=300, paragraphs=2)
    result = engine.recognize(page.image, page.dpi, number=3)
    assert result.number == 3 and result.source == "ocr"
    assert (result.width, result.height) == page.image.size
    assert result.engine is not None and result.engine.languages == "Hangul+eng"
    assert result.engine.version.startswith("5.")
    words = result.words
    assert len(words) > 20
    for block in result.blocks:
        for line in block.lines:
            for word in line.words:
                x0, y0, x1, y1 = word.bbox
                assert 0 <= x0 < x1 <= result.width and 0 <= y0 < y1 <= result.height
                assert line.bbox[0] <= x0 and x1 <= line.bbox[2]
                assert 0.0 <= word.confidence <= 1.0
    assert 0.8 < result.mean_confidence <= 1.0
    # A blank page reads as nothing, with no confidence claimed.
    blank = engine.recognize(page.image.point(lambda _: 255), page.dpi)
    assert blank.text == "" and blank.mean_confidence == 0.0


def test_a_photo_without_text_reads_as_an_empty_page(engine: TesseractEngine, tmp_path: Path) -> None:
    # a phone photo whose script-probe strip fell between two blank rows at one height: the empty
    # crop made Tesseract's image conversion fail, and the page with it
    photo = unknown_page("photo", random.Random(3), np.random.default_rng(3), 0.5)
    path = tmp_path / "photo.jpg"
    Image.fromarray(photo.image).save(path, quality=85)
    loaded = load_page(inspect_file(path, Limits(10**9, 10**10, 10**4), 300), 0, 300, 100)
    result = read_page(engine, loaded.image, loaded.dpi).result
    assert len(result.text.strip()) < 40 and result.mean_confidence < 0.5
