"""How much of a page a reading got, and how to compare two readings of the same page.

A reading that silently drops rows of a table still reports a high confidence for the words it
kept, so confidence alone cannot tell a page was lost. Coverage can: the share of the page's
glyph-sized ink that lies inside the boxes of the words read. Readings of one page are compared
by their *confident characters*: each character counts +1 at confidence 1 and −1 at 0, so a
reading that invents a screenful of noise (a speckled scan read as text) scores below one that
reads less but reads it right.
"""

from __future__ import annotations

import cv2
import numpy as np

from munseo.elements import Word
from munseo.ocr.preprocess import ink_mask

# Work on a copy about this wide: glyphs stay separate components, speckle fades away.
_WORK_WIDTH = 1200
# A glyph is at least this tall on the working copy (an 8-point syllable of an A4 page is about 16):
# the specks a heavily speckled blank page keeps after denoising are at most 3.
_MIN_GLYPH_HEIGHT = 4


def glyph_mask(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Centres of glyph-sized ink components on a shrunken copy, and the copy's scale.

    Components much larger than a line of text (figures, photos, solid bars) and dust much smaller
    than a glyph stroke are left out: they are not text a reader could have missed.
    """
    width = gray.shape[1]
    scale = min(1.0, _WORK_WIDTH / width)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    binary = ink_mask(small).astype(np.uint8)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(binary, connectivity=8)
    mask = np.zeros(binary.shape, dtype=np.float32)
    if count <= 1:
        return mask, scale
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    areas = stats[1:, cv2.CC_STAT_AREA]
    tall = heights >= _MIN_GLYPH_HEIGHT
    line = max(4.0, float(np.median(heights[tall])) if tall.any() else 4.0)
    glyph = (heights >= max(_MIN_GLYPH_HEIGHT, 0.3 * line)) & (heights <= 4 * line) & (areas >= 4)
    glyph &= stats[1:, cv2.CC_STAT_WIDTH] <= 0.5 * binary.shape[1]
    for (cx, cy), area, keep in zip(centroids[1:], areas, glyph, strict=True):
        if keep:
            mask[int(cy), int(cx)] += float(area)
    return mask, scale


def coverage(
    gray: np.ndarray, words: list[Word], pad: int = 6, glyphs: tuple[np.ndarray, float] | None = None
) -> float:
    """Share (by ink) of the glyph-sized components whose centre lies inside a word box (1.0 if none).

    ``glyphs``: the page's ``glyph_mask``, when the caller has it already.
    """
    mask, scale = glyphs if glyphs is not None else glyph_mask(gray)
    total = float(mask.sum())
    if total == 0:
        return 1.0
    inside = np.zeros(mask.shape, dtype=bool)
    for word in words:
        x0, y0, x1, y1 = word.bbox
        inside[
            max(0, int(y0 * scale) - pad) : int(y1 * scale) + pad + 1,
            max(0, int(x0 * scale) - pad) : int(x1 * scale) + pad + 1,
        ] = True
    return float(mask[inside].sum()) / total


def score(words: list[Word]) -> float:
    """Confident characters: Σ len(word) · (2·confidence − 1)."""
    return sum(len(w.text) * (2 * w.confidence - 1) for w in words)


def mean_confidence(words: list[Word]) -> float:
    """Character-weighted mean confidence: a long word counts for more than one stray mark."""
    chars = sum(len(w.text) for w in words)
    return sum(len(w.text) * w.confidence for w in words) / chars if chars else 0.0
