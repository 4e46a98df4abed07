"""Reading real pages (real Korean legal text, real English office pages): tables, columns, turned
pages, the whole-page fallback, coverage."""

from __future__ import annotations

import random
import re

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from munseo.elements import BlockKind
from munseo.evaluate.metrics import cer, class_errors, table_rows_kept, word_recall
from munseo.evaluate.realpages import (
    RealText,
    apply_degradation,
    degradation_preset,
    find_font,
    hanja_paragraphs,
    render_real_page,
)
from munseo.evaluate.testpages import HEAVY_DAMAGE, degrade, render_text_page
from munseo.ocr import PreprocessOptions, ReadOptions, TesseractEngine, preprocess, read_page
from munseo.ocr import tesseract as tesseract_module
from munseo.ocr.layout import Region, find_regions
from munseo.ocr.preprocess import MIN_CORRECTION, binarize, estimate_skew
from munseo.ocr.quality import coverage


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "font", "dpi", "degradation", "bound"),
    [
        ("plain", "Noto Serif CJK KR", 300, "clean", 0.02),
        ("plain", "Baekmuk Gulim", 300, "degraded", 0.035),
        ("two-column", "Noto Sans CJK KR", 200, "clean", 0.03),
    ],
)
def test_real_text_is_read_under_a_cer_bound(
    engine: TesseractEngine, text: RealText, layout: str, font: str, dpi: int, degradation: str, bound: float
) -> None:
    page = render_real_page(text, find_font(font), dpi, layout, degradation, seed=11)
    result = read_page(engine, page.image, page.dpi).result
    assert cer(page.text, result.text) < bound
    assert result.engine is not None and result.engine.languages.startswith("Hangul")
    assert result.quality is not None and result.quality.coverage > 0.95 and not result.quality.needs_review


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "dpi", "degradation"),
    [("table", 300, "clean"), ("landscape", 300, "clean"), ("table", 150, "degraded")],
)
def test_ruled_tables_keep_every_row_cells_left_to_right(
    engine: TesseractEngine, text: RealText, layout: str, dpi: int, degradation: str
) -> None:
    """At 150 DPI the rules are a pixel wide: a 3x3 median denoiser erased them, and the grid."""
    page = render_real_page(text, find_font("Baekmuk Batang"), dpi, layout, degradation, seed=5)
    result = read_page(engine, page.image, page.dpi).result
    kept, rows = table_rows_kept(page.text, result.text)
    assert rows >= 10 and kept == rows
    tables = [b for b in result.blocks if b.kind is BlockKind.TABLE]
    assert tables, "the ruled grid was not read as a table"
    row = tables[0].lines[1]
    assert len(row.cells) >= 3 and " | " in row.text
    assert all(w.cell is not None and w.cell < len(row.cells) for w in row.words)
    cells = [row.cells[w.cell] for w in row.words if w.cell is not None]
    assert all(cell[0] <= (w.bbox[0] + w.bbox[2]) / 2 <= cell[2] for w, cell in zip(row.words, cells, strict=True))


@pytest.mark.slow
def test_dates_in_a_150_dpi_table_keep_their_dots(engine: TesseractEngine, bench_text: RealText) -> None:
    """The benchmark's table page that read 2020.8.11 as 2020811 (and lost the row by the benchmark's
    count): a cell read below confidence 0.8 is read again on its own, dots and all."""
    page = render_real_page(bench_text, find_font("Baekmuk Gulim"), 150, "table", "clean", seed=11066)
    result = read_page(engine, page.image, page.dpi).result
    kept, rows = table_rows_kept(page.text, result.text)
    assert rows >= 20 and kept == rows


@pytest.mark.parametrize("font", ["Un Batang", "Baekmuk Batang"])
def test_straight_two_column_pages_are_not_deskewed(text: RealText, font: str) -> None:
    """Two columns whose lines sit at different heights: the whole page's profile peaks where one
    column's lines line up with the other's (these pages read as tilted by 1.4° and lost their
    gutter); the page is straight and a tilted copy is measured at its own angle."""
    page = render_real_page(text, find_font(font), 300, "two-column", "clean", seed=19)
    gray = np.asarray(page.image.convert("L"))
    assert abs(estimate_skew(gray)) < MIN_CORRECTION
    assert {r.columns for r in find_regions(preprocess(gray, PreprocessOptions())[0])} == {2}
    assert estimate_skew(np.asarray(degrade(page.image, angle=-1.2))) == pytest.approx(-1.2, abs=0.2)


@pytest.mark.slow
def test_a_straight_three_column_page_is_not_deskewed_and_reads_column_by_column(
    engine: TesseractEngine, bench_text: RealText
) -> None:
    """The page of the benchmark whose whole-page profile (and each half's) peaked at -1.95°: its
    three columns' lines line up across the gutters at that angle. Deskewed by it, the gutters
    closed and the page read across the columns (CER 81%)."""
    page = render_real_page(bench_text, find_font("DejaVu Sans"), 150, "en-columns", "clean", seed=11082)
    assert abs(estimate_skew(np.asarray(page.image.convert("L")))) < MIN_CORRECTION
    result = read_page(engine, page.image, page.dpi).result
    assert cer(page.text, result.text) < 0.01 and word_recall(page.text, result.text) > 0.98


@pytest.mark.slow
def test_english_price_list_keeps_every_row(engine: TesseractEngine, text: RealText) -> None:
    page = render_real_page(text, find_font("DejaVu Serif"), 300, "en-table", "clean", seed=2)
    result = read_page(engine, page.image, page.dpi).result
    kept, rows = table_rows_kept(page.text, result.text)
    assert rows >= 30 and kept == rows
    assert word_recall(page.text, result.text) > 0.95
    assert result.engine is not None and result.engine.languages == "eng"


@pytest.mark.slow
def test_bill_comparison_table_fillers_do_not_become_text(engine: TesseractEngine, text: RealText) -> None:
    page = render_real_page(text, find_font("Noto Serif CJK KR"), 300, "bill", "clean", seed=4)
    result = read_page(engine, page.image, page.dpi).result
    assert cer(page.text, result.text) < 0.05
    words = [w.text for w in result.words]
    assert not [w for w in words if len(w) >= 4 and len(set(w)) <= 2 and not w.isdigit()], "filler read as text"
    # Each row reads the 현행 cell, then the 개정안 cell.
    assert any(line.startswith("현") and "|" in line for line in result.text.splitlines())


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180])
def test_turned_pages_are_read_upright(engine: TesseractEngine, text: RealText, turn: int) -> None:
    page = render_real_page(text, find_font("Un Batang"), 200, "plain", "clean", seed=8, turn=turn)
    reading = read_page(engine, page.image, page.dpi)
    assert reading.result.quality is not None and reading.result.quality.rotation == turn
    assert cer(page.text, reading.result.text) < 0.03
    # The image kept is the upright one, the one the word boxes refer to.
    assert reading.image.shape == (reading.result.height, reading.result.width)
    assert reading.result.height > reading.result.width


class _CountingEngine(TesseractEngine):
    """The real engine, counting the pages it reads."""

    readings = 0

    def recognize(self, image, dpi, number=1):  # type: ignore[no-untyped-def]
        self.readings += 1
        return super().recognize(image, dpi, number)


@pytest.mark.slow
def test_an_upside_down_page_is_turned_before_it_is_read(text: RealText) -> None:
    """Read as it lies, an upside-down page costs four to six upright readings: it is read once, upright."""
    engine = _CountingEngine()
    page = render_real_page(text, find_font("Nanum Myeongjo"), 300, "plain", "clean", seed=2, turn=180)
    reading = read_page(engine, page.image, page.dpi)
    assert reading.result.quality is not None and reading.result.quality.rotation == 180
    assert engine.readings == 1
    assert cer(page.text, reading.result.text) < 0.03


@pytest.mark.slow
def test_the_deskew_pathology_page_reads_well(engine: TesseractEngine) -> None:
    """Skewed, speckled, shaded, JPEG'd: deskewed without denoising it read at 1454% CER."""
    page = render_text_page(seed=200, dpi=300, paragraphs=4)
    rng = random.Random(7)
    scan = degrade(
        page.image,
        seed=0,
        angle=rng.choice([-1, 1]) * rng.uniform(2.0, 4.0),
        **HEAVY_DAMAGE,
    )
    result = read_page(engine, scan, page.dpi).result
    assert cer(page.text, result.text) < 0.05
    assert result.preprocessing is not None and result.preprocessing.denoised and result.preprocessing.deskewed
    assert result.quality is not None and result.quality.treatment == "denoised"


@pytest.mark.slow
@pytest.mark.parametrize(("font", "degradation"), [("Nanum Gothic", "clean"), ("Un Dotum", "degraded")])
def test_hanja_glosses_are_read_by_the_hanja_model_only_where_a_page_carries_them(
    engine: TesseractEngine, text: RealText, font: str, degradation: str
) -> None:
    """The Korean models cannot write Hanja: 선지급(先支給) came back as 선지급(쑥흑%)."""
    without = TesseractEngine(hanja_languages=None)
    page = render_real_page(hanja_paragraphs(text), find_font(font), 300, "plain", degradation, seed=4)
    assert len(re.findall(r"[\u4e00-\u9fff]", page.text)) >= 30
    read = read_page(engine, page.image, page.dpi).result
    plain = read_page(without, page.image, page.dpi).result
    assert read.engine is not None and read.engine.languages.endswith("+HanT")
    hanja, before = class_errors(page.text, read.text), class_errors(page.text, plain.text)
    assert before.rate("hanja") == 1.0
    assert hanja.rate("hanja") is not None and hanja.rate("hanja") < 0.7
    assert cer(page.text, read.text) < cer(page.text, plain.text)
    # Only words that now hold Hanja changed: every other line reads exactly as before.
    lines = list(zip(plain.text.splitlines(), read.text.splitlines(), strict=True))
    assert all(old == new for old, new in lines if not re.search(r"[\u4e00-\u9fff]", new))
    assert sum(old != new for old, new in lines) >= 5
    # A page without Hanja is read as before, and says so.
    other = render_real_page(text, find_font(font), 300, "plain", degradation, seed=5)
    assert not re.search(r"[\u4e00-\u9fff]", other.text)
    again, alone = read_page(engine, other.image, other.dpi).result, read_page(without, other.image, other.dpi).result
    assert again.engine is not None and "HanT" not in again.engine.languages
    assert again.text == alone.text


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("damage", ["scanner", "heavy"])
def test_a_speckled_blank_page_reads_as_blank_and_a_lone_line_on_one_is_kept(
    engine: TesseractEngine, dpi: int, damage: str
) -> None:
    """The blank back of a scanned sheet: its speckle was read for a minute (past the page's time
    limit at 300 DPI) as a screenful of garbage, and a speck far from a page's only line stretched
    the line's region over the blank page, where the line was lost in the noise."""

    def scan(sheet: Image.Image, seed: int) -> Image.Image:
        if damage == "heavy":
            return degrade(sheet, seed=seed, angle=1.5, **HEAVY_DAMAGE)
        return apply_degradation(sheet, degradation_preset("degraded", dpi, seed), seed)

    sheet = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    line = sheet.copy()
    font = find_font("Nanum Gothic").load(round(dpi * 11 / 72))
    ImageDraw.Draw(line).text((dpi, dpi * 10), "첨부 서류 없음", font=font, fill=0)
    for seed in range(3):
        blank = read_page(engine, scan(sheet, seed), dpi).result
        assert blank.quality is not None and blank.quality.reading == "blank"
        assert not blank.words and not blank.quality.needs_review
        kept = read_page(engine, scan(line, seed), dpi).result
        assert word_recall("첨부 서류 없음", kept.text) >= 2 / 3  # one word misread at most


def test_a_nearly_blank_grainy_page_is_read_in_a_second_not_minutes(engine: TesseractEngine) -> None:
    """The last page of a scanned report, one line and a page number on grainy paper: flattened, its
    grain was the page's darkest mass, Tesseract's own threshold split it into some 80,000 specks,
    and the page ran past its time limit with nothing read. Paper too light to be ink is cleared."""
    from munseo.synth.degrade import sample_effects
    from munseo.synth.degrade import scan as scan_page

    dpi = 240
    sheet = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    font = find_font("Nanum Myeongjo").load(round(dpi * 11 / 72))
    draw = ImageDraw.Draw(sheet)
    draw.text((296, 237), "있음.", font=font, fill=0)
    draw.text((979, 2688), "- 3 -", font=font, fill=0)
    rng = np.random.default_rng(0)
    scanned, _ = scan_page(np.asarray(sheet), sample_effects(rng, 0.3, dpi), rng)
    cleaned, record = preprocess(scanned, PreprocessOptions())
    assert record.paper_cleared
    specks = cv2.connectedComponents((binarize(cleaned) == 0).astype(np.uint8))[0] - 1
    assert specks < 20  # the glyphs' strokes, not the grain
    reading = read_page(engine, scanned, dpi).result
    # its two lines (a syllable may be misread), not a screenful of speck-glyphs or nothing
    assert reading.text.startswith("있") and "-3-" in reading.text.replace(" ", "") and len(reading.text) < 20
    # a page of print keeps every pixel, however damaged, and so does faint print on grainy paper,
    # whose darkest mass also sits within a few dozen levels of the paper
    page = render_text_page(seed=1, dpi=dpi).image
    faint = Image.fromarray((255 - (255 - np.asarray(page, dtype=np.float32)) * 0.15).astype(np.uint8))
    for printed in (page, degrade(page, seed=1, **HEAVY_DAMAGE), degrade(faint, seed=1, noise=3)):
        assert not preprocess(printed, PreprocessOptions())[1].paper_cleared


@pytest.mark.slow
def test_a_region_reading_that_loses_text_falls_back_to_the_whole_page(
    engine: TesseractEngine, text: RealText, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = render_real_page(text, find_font("Baekmuk Dotum"), 200, "plain", "clean", seed=9)
    width, height = page.image.size
    # A segmentation that sees only the top fifth of the page.
    monkeypatch.setattr(tesseract_module, "find_regions", lambda gray: [Region((0, 0, width, height // 5), 0, 1)])
    result = engine.recognize(page.image, page.dpi)
    assert result.quality is not None and result.quality.reading != "regions"
    assert set(result.quality.candidates) >= {"regions", "whole-page", "tesseract-layout"}
    assert cer(page.text, result.text) < 0.05


@pytest.mark.slow
def test_coverage_falls_with_missing_text_and_low_confidence_flags_review(
    engine: TesseractEngine, text: RealText
) -> None:
    page = render_real_page(text, find_font("Noto Sans CJK KR"), 200, "plain", "clean", seed=12)
    reading = read_page(engine, page.image, page.dpi)
    result = reading.result
    assert result.quality is not None and not result.quality.needs_review
    words = result.words
    assert coverage(reading.image, words) > 0.95
    # A reading that lost the lower half of the page covers about half of its text.
    top = [w for w in words if w.bbox[3] < result.height // 2]
    assert coverage(reading.image, top) < 0.7
    strict = read_page(engine, page.image, page.dpi, options=ReadOptions(review_below=0.99)).result
    assert strict.quality is not None and strict.quality.needs_review and strict.quality.reasons
