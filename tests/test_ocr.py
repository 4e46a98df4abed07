"""OCR on real Tesseract: accuracy on known pages, deskew, page segmentation, the element tree."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import ImageDraw

from munseo.config import Settings
from munseo.evaluate.metrics import cer
from munseo.evaluate.testpages import HEAVY_DAMAGE, degrade, render_text_page
from munseo.ocr import Layout, OcrError, PreprocessOptions, TesseractEngine, make_engine, preprocess
from munseo.ocr.layout import find_regions
from munseo.ocr.preprocess import estimate_skew
from munseo.pipeline import PageProcessor, read_file
from tests.documents import png_page


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


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


@pytest.mark.parametrize("angle", [-10.0, -5.0, -1.0, 0.0, 2.5, 5.0, 12.0])
def test_skew_estimate(angle: float) -> None:
    page = render_text_page(seed=5, dpi=150)
    assert estimate_skew(np.asarray(degrade(page.image, angle=angle))) == pytest.approx(angle, abs=0.3)


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


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize("degraded", [False, True])
def test_columns_found_on_clean_and_degraded_pages(columns: int, degraded: bool) -> None:
    """Ragged margins and word-space rivers are not gutters; noise and shading hide no gutter."""
    for seed in range(300, 306):
        image = render_text_page(seed=seed, dpi=300, columns=columns).image
        if degraded:
            image = degrade(image, seed=seed, **HEAVY_DAMAGE)
        assert {r.columns for r in find_regions(np.asarray(image))} == {columns}, seed


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


def test_denoise_and_binarize_are_recorded(engine: TesseractEngine) -> None:
    page = render_text_page(seed=9, dpi=300, paragraphs=2)
    noisy = degrade(page.image, seed=1, noise=40, blur=1.0, jpeg_quality=40)
    gray, record = preprocess(noisy, PreprocessOptions(deskew=True, denoise=True, binarize=True))
    assert record.denoised and record.binarized
    assert set(np.unique(gray)) <= {0, 255}
    assert cer(page.text, engine.recognize(gray, page.dpi).text) < 0.08


def test_ruled_table_and_edge_shadow_are_not_columns() -> None:
    table = render_text_page(seed=7, dpi=200, columns=2).image
    middle = table.width // 2
    ImageDraw.Draw(table).line([(middle, 150), (middle, table.height - 150)], fill=0, width=3)
    assert [r.columns for r in find_regions(np.asarray(table))] == [1]

    shadowed = render_text_page(seed=8, dpi=200).image
    ImageDraw.Draw(shadowed).rectangle([0, 0, 25, shadowed.height], fill=70)
    assert [r.columns for r in find_regions(np.asarray(shadowed))] == [1]


@pytest.mark.parametrize("angle", [-3.5, 2.5])
def test_skew_estimate_on_a_shaded_noisy_scan(angle: float) -> None:
    """A dark corner is not a block of ink: the estimate follows the text lines."""
    page = render_text_page(seed=201, dpi=300, paragraphs=4)
    scan = degrade(page.image, seed=1, angle=angle, **HEAVY_DAMAGE)
    assert estimate_skew(np.asarray(scan)) == pytest.approx(angle, abs=0.3)


def test_the_engine_is_chosen_by_name_from_the_settings(tmp_path: Path) -> None:
    path, _ = png_page(tmp_path / "page.png")
    default = read_file(path, Settings(data_dir=tmp_path))
    assert default.pages[0].engine is not None and default.pages[0].engine.name == "tesseract"
    plugin = read_file(path, Settings(data_dir=tmp_path, ocr_engine="tests.ocr_plugin:make"))
    engine = plugin.pages[0].engine
    assert engine is not None and (engine.name, engine.languages, engine.layout) == (
        "whole-page-english",
        "eng",
        "single-block",
    )
    assert plugin.text.strip() and plugin.text != default.text


@pytest.mark.parametrize("name", ["abbyy", "tests.ocr_plugin:missing", "no_such_module:make"])
def test_an_engine_that_does_not_exist_is_an_ocr_error_naming_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(OcrError, match=re.escape(repr(name))):
        make_engine(Settings(data_dir=tmp_path, ocr_engine=name))
    with pytest.raises(OcrError):
        PageProcessor(Settings(data_dir=tmp_path, ocr_engine=name))
