"""The number inside a circled paragraph number (①–⑳), read from the glyph itself.

No Korean model Debian ships can write ①–⑳: Tesseract reads them as ``@``, ``®``, ``©``, ``0`` or a
bare digit, the same look-alike for ① as for ④. Counting paragraphs from the article heading
(``repair``'s fallback) goes wrong whenever a page, a column or a table cell starts in the middle
of an article. The glyph says which number it is: a ring with the digits inside. ``inner_digits``
takes the ring away and leaves the digits on white paper, for an engine's digit reader
(``DigitReader``) to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from munseo.elements import BBox

# The glyph is about as wide as it is high; a little more is cut in case the box is tight.
_GLYPH_WIDTH = 1.5
# The ring spans most of the word's height and is round: width within this share of its height.
_RING_MIN_HEIGHT = 0.6
_RING_ROUNDNESS = 0.35
# How far from the ring's centre the marks inside may lie, as a share of the ring.
_OFF_CENTRE = 0.1
# The digits are read at about the height Tesseract's models were trained on.
_DIGIT_HEIGHT = 64
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@runtime_checkable
class DigitReader(Protocol):
    """An engine that can read a short run of digits from a small clean image."""

    def read_digits(self, image: np.ndarray) -> str:
        """The digits in ``image`` (dark on white), "" when it reads none."""
        ...


def inner_digits(gray: np.ndarray, bbox: BBox) -> np.ndarray | None:
    """The marks inside the ring of a circled glyph at the left of ``bbox``, dark on white with a
    margin; None when the left of the box is not a ring with marks inside it."""
    x0, y0, x1, y1 = (max(0, v) for v in bbox)
    height = y1 - y0
    crop = gray[y0:y1, x0 : min(x1, x0 + int(height * _GLYPH_WIDTH) + 1)]
    if height < 8 or crop.size == 0:
        return None
    _, binary = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 2:  # a ring alone (○) or a single mark: no number inside
        return None
    boxes = stats[1:, :4]
    ring = int(np.argmax(boxes[:, 2] * boxes[:, 3]))
    rx, ry, rw, rh = (int(v) for v in boxes[ring])
    if rh < _RING_MIN_HEIGHT * height or abs(rw - rh) > _RING_ROUNDNESS * rh:
        return None
    inside = np.zeros_like(binary)
    for i, (x, y, w, h) in enumerate(boxes):
        if i != ring and x > rx and y > ry and x + w < rx + rw and y + h < ry + rh:
            inside[labels == i + 1] = 255
    if not inside.any():
        return None
    ys, xs = np.nonzero(inside)
    marks = inside[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    if marks.shape[0] < 0.3 * rh:  # a dot or a dash inside a ring, not a digit
        return None
    # The number sits in the middle of its ring: marks off to one side are part of it (a digit of ⑫
    # touching the ring is not inside it) and would be read as another number.
    off_x = abs((xs.min() + xs.max()) / 2 - (rx + rw / 2)) / rw
    off_y = abs((ys.min() + ys.max()) / 2 - (ry + rh / 2)) / rh
    if max(off_x, off_y) > _OFF_CENTRE:
        return None
    scale = _DIGIT_HEIGHT / marks.shape[0]
    marks = cv2.resize(marks, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = _DIGIT_HEIGHT // 2
    return cv2.copyMakeBorder(255 - marks, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def circled_reader(gray: np.ndarray, reader: DigitReader) -> Callable[[BBox], str | None]:
    """For ``repair``: the circled number (①–⑳) whose glyph starts at a word box on this page, or
    None when the glyph there is not one or its digits cannot be read."""

    def read(bbox: BBox) -> str | None:
        image = inner_digits(gray, bbox)
        if image is None:
            return None
        digits = reader.read_digits(image)
        number = int(digits) if digits.isdigit() else 0
        return CIRCLED[number - 1] if 1 <= number <= len(CIRCLED) else None

    return read
