"""Inputs of no known class: a receipt whose lines are the text at their boxes (read back by
Tesseract) and whose sums add up, a staff card on a scanner bed whose boxes follow its skew, a blank
page and a photo without text lines; each the same for the same seeds."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from munseo.evaluate.metrics import cer
from munseo.ocr import TesseractEngine
from munseo.synth.unknown import _ITEMS, PHOTO_DPI, UNKNOWN_KINDS, UnknownPage, unknown_page


def _page(kind: str, seed: int, strength: float = 0.3) -> UnknownPage:
    return unknown_page(kind, random.Random(seed), np.random.default_rng(seed), strength)


def test_receipt_lines_are_the_text_at_their_boxes_and_add_up() -> None:
    receipt = _page("receipt", 5)
    height, width = receipt.image.shape
    assert receipt.dpi in (150, 200) and width < height
    texts = [text for text, _ in receipt.lines]
    for _, (x0, y0, x1, y1) in receipt.lines:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert (receipt.image[y0:y1, x0:x1] < 128).sum() > 10  # each box holds ink
    engine = TesseractEngine()
    readings = [
        engine.recognize(receipt.image[max(0, y0 - 4) : y1 + 4, max(0, x0 - 4) : x1 + 4], receipt.dpi).text
        for _, (x0, y0, x1, y1) in receipt.lines[:5]
    ]
    assert cer("\n".join(texts[:5]), "\n".join(readings)) < 0.1

    # Item rows (name, quantity, amount) between the header and the totals; the totals add up.
    items = texts[texts.index("금액") + 1 : texts.index("합계 금액")]
    prices = dict(_ITEMS)
    rows = [items[i : i + 3] for i in range(0, len(items), 3)]
    assert 3 <= len(rows) <= 9
    assert all(int(amount.replace(",", "")) == prices[name] * int(qty) for name, qty, amount in rows)

    def after(label: str) -> int:
        return int(texts[texts.index(label) + 1].replace(",", ""))

    total = sum(int(amount.replace(",", "")) for _, _, amount in rows)
    assert after("합계 금액") == after("신용카드") == total
    assert after("부 가 세") == round(total / 11) and after("과세물품가액") == total - after("부 가 세")


def test_a_staff_card_lies_on_a_scanner_bed_with_its_boxes_following_the_skew() -> None:
    card = _page("card", 6, strength=0.5)
    height, width = card.image.shape
    assert (width, height) == (round(595.28 * card.dpi / 72), round(841.89 * card.dpi / 72))  # an A4 bed
    assert abs(card.skew) > 0.5
    assert [text for text, _ in card.lines][1] == "사  원  증"
    assert any(text.startswith("성명  ") for text, _ in card.lines)
    x0 = min(box[0] for _, box in card.lines)
    x1 = max(box[2] for _, box in card.lines)
    y0 = min(box[1] for _, box in card.lines)
    y1 = max(box[3] for _, box in card.lines)
    assert x1 - x0 < 242.6 * card.dpi / 72 and y1 - y0 < 153.0 * card.dpi / 72  # all on the card
    dark = cv2.medianBlur(card.image, 3) < 128  # ink, not the scanner's specks
    covered = np.zeros(dark.shape, dtype=bool)
    for _, (bx0, by0, bx1, by1) in card.lines:
        covered[by0:by1, bx0:bx1] = True
    assert dark.sum() > 1000 and (dark & ~covered).sum() < 0.01 * dark.sum()


@pytest.mark.parametrize("kind", UNKNOWN_KINDS)
def test_each_kind_is_the_same_for_the_same_seeds(kind: str) -> None:
    page, again, other = _page(kind, 7, 1.0), _page(kind, 7, 1.0), _page(kind, 8, 1.0)
    assert np.array_equal(page.image, again.image) and page.lines == again.lines and page.skew == again.skew
    assert not np.array_equal(page.image, other.image)
    assert abs(page.skew) <= 3.0
    if kind == "blank":
        ink = cv2.medianBlur(page.image, 5) < 0.6 * np.median(page.image)  # specks and shading aside
        assert not page.lines and ink.mean() < 0.001
    if kind == "photo":
        assert not page.lines and page.dpi == PHOTO_DPI and page.image.ndim == 3 and page.skew == 0.0
        assert page.image.std() > 20  # a scene, not an empty frame
