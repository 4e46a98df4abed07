"""Pages of real corpus text: the same seed draws the same page, the ground truth is exactly the
text drawn and in reading order (checked by line counts and by Tesseract), a degraded page is the
clean page scanned, and a page set is written as images with their ``gt.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from munseo.evaluate.metrics import cer
from munseo.evaluate.realpages import (
    HELD_OUT_FONTS,
    RealText,
    covers,
    find_font,
    korean_fonts,
    load_real_text,
    render_real_page,
    write_page_set,
)
from munseo.ocr import TesseractEngine
from munseo.ocr.preprocess import estimate_skew
from tests.corpus import CORPORA


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


def _bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Top and bottom of each run of rows holding ink: one per drawn line of text."""
    padded = np.concatenate(([False], ink.any(axis=1), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def test_the_same_seed_draws_the_same_text_and_page(dev_text: RealText) -> None:
    assert load_real_text(CORPORA, "dev", seed=3, documents=20) == dev_text
    other = load_real_text(CORPORA, "dev", seed=4, documents=20)
    assert other.documents != dev_text.documents
    # English tuning and report paragraphs never overlap.
    assert dev_text.english and not set(dev_text.english) & set(load_real_text(CORPORA, "train", 3, 5).english)

    font = find_font("Nanum Myeongjo")
    first = render_real_page(dev_text, font, 100, "table", "degraded", seed=6)
    again = render_real_page(dev_text, font, 100, "table", "degraded", seed=6)
    assert first.text == again.text and first.image.tobytes() == again.image.tobytes()
    assert first.meta() == again.meta()
    assert render_real_page(dev_text, font, 100, "table", "degraded", seed=7).text != first.text


def test_the_truth_is_the_text_drawn_in_reading_order(dev_text: RealText, engine: TesseractEngine) -> None:
    page = render_real_page(dev_text, find_font("Un Batang"), 200, "two-column", "clean", seed=2)
    gray = np.asarray(page.image.convert("L"))
    middle = gray.shape[1] // 2
    left, right = _bands(gray[:, :middle] < 160), _bands(gray[:, middle:] < 160)
    lines = page.text.split("\n")
    assert len(left) > 20 and len(right) > 20 and len(left) + len(right) == len(lines)
    # The left column is read top to bottom first, then the right one.
    top_left = gray[left[0][0] - 5 : left[2][1] + 5, :middle]
    top_right = gray[right[0][0] - 5 : right[2][1] + 5, middle:]
    assert cer("\n".join(lines[:3]), engine.recognize(top_left, page.dpi).text) < 0.1
    assert cer("\n".join(lines[len(left) : len(left) + 3]), engine.recognize(top_right, page.dpi).text) < 0.1

    # A paragraph a font has no glyph for is not drawn in it: no page shows a missing glyph.
    assert any(not covers(font, p) for font in HELD_OUT_FONTS for doc in dev_text.documents for p in doc)
    for font in korean_fonts():
        assert covers(font, render_real_page(dev_text, font, 72, "plain", "clean", seed=1).text), font.name


def test_a_degraded_page_is_the_clean_page_scanned(dev_text: RealText) -> None:
    font = find_font("Nanum Gothic")
    clean = render_real_page(dev_text, font, 150, "plain", "clean", seed=9)
    scanned = render_real_page(dev_text, font, 150, "plain", "degraded", seed=9)
    assert scanned.text == clean.text and scanned.image.size == clean.image.size
    assert clean.degradation.angle == clean.degradation.noise == 0.0 and clean.degradation.jpeg_quality is None
    damage = scanned.degradation
    assert damage.preset == "degraded" and 0.1 < abs(damage.angle) <= 2.0 and damage.noise >= 4.0
    assert damage.jpeg_quality is not None and 35 <= damage.jpeg_quality <= 60
    assert estimate_skew(np.asarray(clean.image.convert("L"))) == pytest.approx(0.0, abs=0.2)
    gray = np.asarray(scanned.image)
    assert scanned.image.mode == "L" and estimate_skew(gray) == pytest.approx(damage.angle, abs=0.3)
    # The paper is grainy, and shaded darkest in the bottom right corner.
    corner = gray[-40:, -40:].astype(float)
    assert corner.std() > 1.0 and corner.mean() == pytest.approx(255 * (1 - damage.shading), abs=8)


def test_a_page_set_is_written_with_its_ground_truth(dev_text: RealText, tmp_path: Path) -> None:
    pages = [
        render_real_page(dev_text, find_font("Noto Sans CJK KR"), 100, "bill", "clean", seed=3),
        render_real_page(dev_text, find_font("DejaVu Serif"), 120, "en-columns", "clean", seed=3, turn=90),
    ]
    gt = write_page_set(pages, tmp_path / "set")
    assert gt == tmp_path / "set" / "gt.jsonl"
    records = [json.loads(line) for line in gt.read_text(encoding="utf-8").splitlines()]
    assert [r["image"] for r in records] == ["p001.png", "p002.png"]
    for record, page in zip(records, pages, strict=True):
        assert record["text"] == page.text and {k: record[k] for k in page.meta()} == page.meta()
        with Image.open(gt.parent / record["image"]) as image:
            assert image.size == page.image.size and image.tobytes() == page.image.tobytes()
            assert tuple(round(v) for v in image.info["dpi"]) == (page.dpi, page.dpi)
    assert [r["language"] for r in records] == ["ko", "en"] and [r["turn"] for r in records] == [0, 90]
    turned = pages[1].image
    assert turned.width > turned.height  # an A4 page fed in sideways
