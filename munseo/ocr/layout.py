"""Page segmentation into text regions that Tesseract reads best one at a time.

Tesseract's automatic layout analysis (PSM 3) scrambles the reading order of our pages; reading
the whole page as one uniform block (PSM 6) is accurate on single-column pages but runs the lines
of side-by-side columns together. So munseo cuts the page itself: horizontal bands split at wide
blank gaps, and a band split into columns only where a clear blank gutter runs its full height.
Each region is then read as one uniform block. ``benchmarks/bench_ingest.py`` measures the choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from munseo.elements import BBox
from munseo.ocr.preprocess import ink_mask

# Work on a copy about this wide: plenty to see gutters, cheap to scan.
_WORK_WIDTH = 600
# A gutter must be this share of the page width, blank from top to bottom of its band.
_MIN_GUTTER = 0.025
# A column is at least this share of the page width: a ragged right margin is not a column.
_MIN_COLUMN_WIDTH = 0.15
# Lines of a real column start within this share of the page width of each other …
_ALIGN_TOLERANCE = 0.006
# … for at least this share of its lines (paragraph indents and centred headings make the rest).
_MIN_ALIGNED_SHARE = 0.6
# Ink this close to an edge (share of the page size) is a scanner's shadow, not text.
_EDGE = 0.02
# A gutter whose darkest pixel column is dark over this share of its height holds a ruling line.
_RULE_SHARE = 0.5
# A band is split into columns only if it is this share of the page height (a few lines).
_MIN_COLUMN_BAND = 0.06
# Bands are separated by blank gaps of at least this share of the page height.
_MIN_BAND_GAP = 0.012
# Ink of fewer pixels than this on the working copy is a speck: the smallest glyph (8 pt at 300 DPI)
# is about 8 pixels tall there, and a speck a screen away from the text stretched its region over
# the blank page between, which Tesseract then read as a screenful of noise instead of the text.
_MIN_INK_AREA = 3


@dataclass(frozen=True)
class Region:
    bbox: BBox
    column: int
    columns: int


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/end (exclusive) of each run of True in a 1-D boolean array."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2], edges[1::2], strict=True))


def _internal_gutters(blank: np.ndarray, min_gutter: int, min_column: int) -> np.ndarray:
    """Blank x-runs at least ``min_gutter`` wide with a column at least ``min_column`` wide on each side."""
    mask = np.zeros_like(blank)
    ink_cols = np.flatnonzero(~blank)
    if len(ink_cols) == 0:
        return mask
    gutters = [
        (start, end)
        for start, end in _runs(blank)
        if start > ink_cols[0] and end <= ink_cols[-1] and end - start >= min_gutter
    ]
    edges = [ink_cols[0], *[x for g in gutters for x in g], ink_cols[-1] + 1]
    widths = [edges[i + 1] - edges[i] for i in range(0, len(edges), 2)]
    while gutters:
        narrow = min(range(len(widths)), key=widths.__getitem__)
        if widths[narrow] >= min_column:
            break
        # Remove the gutter beside the narrowest column, joining it to its neighbour.
        drop = narrow - 1 if narrow == len(gutters) else narrow
        gap = gutters.pop(drop)
        widths[drop : drop + 2] = [widths[drop] + widths[drop + 1] + gap[1] - gap[0]]
    for start, end in gutters:
        mask[start:end] = True
    return mask


def _wide_runs(mask: np.ndarray, min_gutter: int) -> np.ndarray:
    out = np.zeros_like(mask)
    for start, end in _runs(mask):
        if end - start >= min_gutter:
            out[start:end] = True
    return out


@dataclass
class _Section:
    top: int
    bottom: int
    gutters: np.ndarray  # boolean over x: blank from the section's top to its bottom


def find_regions(gray: np.ndarray) -> list[Region]:
    """Text regions of a page in reading order: sections top to bottom, columns left to right.

    A section is a run of bands (split at blank rows) that share a blank gutter; a band whose ink
    crosses the gutter (a full-width heading) ends it. Single-column sections next to each other
    become one region, so that Tesseract sees as much context as possible in one call.
    """
    height, width = gray.shape
    scale = min(1.0, _WORK_WIDTH / width)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = ink_mask(small)
    # Scanner shadows and punch holes hug the page edges; no text lives that close to them.
    mx, my = round(_EDGE * ink.shape[1]), round(_EDGE * ink.shape[0])
    ink[:my], ink[-my:], ink[:, :mx], ink[:, -mx:] = False, False, False, False
    ink = _without_specks(ink)
    sh, sw = ink.shape
    bands = _merge_runs(_runs(ink.any(axis=1)), max(1, round(_MIN_BAND_GAP * sh)))
    min_gutter = max(2, round(_MIN_GUTTER * sw))
    min_column = round(_MIN_COLUMN_WIDTH * sw)

    sections: list[_Section] = []
    for top, bottom in bands:
        blank = ~ink[top:bottom].any(axis=0)
        current = sections[-1] if sections else None
        if current is not None and current.gutters.any():
            shared = _wide_runs(current.gutters & blank, min_gutter)
            if shared.any():
                current.bottom, current.gutters = bottom, shared
                continue
        sections.append(_Section(top, bottom, _internal_gutters(blank, min_gutter, min_column)))

    regions: list[Region] = []
    pending: list[tuple[int, int, int, int]] = []  # single-column boxes waiting to be merged

    def flush() -> None:
        if pending:
            box = (min(p[0] for p in pending), pending[0][1], max(p[2] for p in pending), pending[-1][3])
            regions.append(Region(_to_full(box, scale, width, height), 0, 1))
            pending.clear()

    for section in sections:
        area = ink[section.top : section.bottom]
        gutters = section.gutters
        if section.bottom - section.top < _MIN_COLUMN_BAND * sh:
            gutters = np.zeros_like(gutters)
        gutters = _aligned_gutters(area, gutters, max(2, round(_ALIGN_TOLERANCE * sw)))
        gutters = _without_rules(gray, gutters, section.top, section.bottom, scale)
        spans = _runs(area.any(axis=0) & ~gutters)
        if not gutters.any():
            if spans:
                pending.append((spans[0][0], section.top, spans[-1][1], section.bottom))
            continue
        flush()
        columns = _columns_between(spans, gutters)
        for i, (left, right) in enumerate(columns):
            rows = np.flatnonzero(area[:, left:right].any(axis=1))
            box = (left, section.top + int(rows[0]), right, section.top + int(rows[-1]) + 1)
            regions.append(Region(_to_full(box, scale, width, height), i, len(columns)))
    flush()
    return regions


def _aligned_gutters(area: np.ndarray, gutters: np.ndarray, tolerance: int) -> np.ndarray:
    """Keep the gutters whose right-hand column is left-aligned, as real columns are.

    A "river" of word spaces that happens to line up over a few lines is blank from top to
    bottom too, but the words after it start wherever the sentence put them.
    """
    kept = np.zeros_like(gutters)
    for _start, end in _runs(gutters):
        right = area[:, end:]
        lines = _runs(right.any(axis=1))
        starts = [int(np.flatnonzero(right[a:b].any(axis=0))[0]) for a, b in lines]
        if len(starts) < 3:
            continue
        aligned = sum(1 for x in starts if x - min(starts) <= tolerance)
        if aligned >= _MIN_ALIGNED_SHARE * len(starts):
            kept[_start:end] = True
    return kept


def _without_rules(gray: np.ndarray, gutters: np.ndarray, top: int, bottom: int, scale: float) -> np.ndarray:
    """Drop the gutters that hold a vertical ruling line: they are a table's cell borders, and a
    table is read row by row (one uniform block), not column by column.

    Thin rules vanish in the shrunken work image, so they are looked for at full resolution.
    """
    kept = gutters.copy()
    y0, y1 = int(top / scale), int(bottom / scale)
    for start, end in _runs(gutters):
        x0, x1 = int(start / scale), int(end / scale) + 1
        dark = (gray[y0:y1, x0:x1] < 128).mean(axis=0)
        if dark.size and dark.max() > _RULE_SHARE:
            kept[start:end] = False
    return kept


def _columns_between(spans: list[tuple[int, int]], gutters: np.ndarray) -> list[tuple[int, int]]:
    """Group ink spans into columns: spans with no gutter between them share a column."""
    columns = [list(spans[0])]
    for start, end in spans[1:]:
        if gutters[columns[-1][1] : start].any():
            columns.append([start, end])
        else:
            columns[-1][1] = end
    return [(a, b) for a, b in columns]


def _without_specks(ink: np.ndarray) -> np.ndarray:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= _MIN_INK_AREA
    keep[0] = False  # the background
    return keep[labels]


def _merge_runs(runs: list[tuple[int, int]], min_gap: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] < min_gap:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _to_full(box: tuple[int, int, int, int], scale: float, width: int, height: int) -> BBox:
    """Scale a work-copy box back to the page, with a small margin so no glyph edge is cut."""
    pad = 4 / scale
    x0, y0, x1, y1 = (v / scale for v in box)
    return (
        max(0, int(x0 - pad)),
        max(0, int(y0 - pad)),
        min(width, int(x1 + pad)),
        min(height, int(y1 + pad)),
    )
