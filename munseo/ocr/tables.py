"""Ruling lines, filler runs and the tables they draw.

Tesseract reads a page badly where ruling lines cross it: a rule next to a line of text is taken
for part of it, and a ruled grid can make it lose every row but the first. So munseo finds the
long straight strokes of a page (horizontal and vertical rules, far longer than any glyph stroke),
erases them before the page is read, and keeps their positions: where rules make a grid, the words
read inside it are put back into rows and cells (``group_table``).

Filler runs (``------``, ``·······`` in the unchanged cells of a 신·구조문대비표, dot leaders in a
table of contents) are not text either: Tesseract reads them as strings of garbage letters. A run
of six or more dot- or dash-sized marks, evenly spaced along one baseline, is erased the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from munseo.elements import BBox, Block, BlockKind, Line, Word, union_bbox

# A horizontal rule is at least this share of the page width, a vertical one this share of the
# page height, and both at least this many glyph parts long (the median height of the marks on the
# page; a Hangul syllable is one to four such parts): longer than any stroke of a glyph, even in a
# heading and even on a small crop of a page, where a share of the image is a few pixels.
_MIN_HRULE = 1 / 25
_MIN_VRULE = 1 / 40
_MIN_RULE_PARTS = 6
# A rule position counts across a grid when its rule spans this share of the grid.
_RULE_SPAN = 0.3
# Filler marks: at most this share of a text line's height tall, and at least this many in a row.
_FILLER_HEIGHT = 0.45
_FILLER_RUN = 6
# Filler marks may stand this many line heights apart when evenly spaced.
_FILLER_GAP = 2.5
# A dash run blurred into one bar is this many glyph parts wide: wider than the ㅡ of a heading.
_FILLER_BAR = 8


@dataclass(frozen=True)
class Grid:
    """A table drawn with rules: its box, and the rules' positions (page pixels, sorted)."""

    bbox: BBox
    rows: tuple[int, ...]  # y of each horizontal rule
    columns: tuple[int, ...]  # x of each vertical rule

    def cell_of(self, box: BBox) -> tuple[int, int] | None:
        """(row, column) of the cell holding the centre of ``box``; None outside the ruled rows."""
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        x0, _, x1, _ = self.bbox
        if not (x0 <= cx <= x1 and self.rows[0] <= cy <= self.rows[-1]):
            return None
        row = int(np.searchsorted(self.rows, cy, side="right")) - 1
        edges = self.edges
        column = int(np.searchsorted(edges, cx, side="right")) - 1
        return min(row, len(self.rows) - 2), min(max(0, column), len(edges) - 2)

    @property
    def edges(self) -> list[int]:
        """Left and right ends of the columns: the grid's sides and its vertical rules."""
        x0, _, x1, _ = self.bbox
        inner = [c for c in self.columns if x0 + 10 < c < x1 - 10]
        return [x0, *inner, x1]


@dataclass(frozen=True)
class Rules:
    """The page's rules as pixel masks, and the grids they make."""

    mask: np.ndarray  # True on rule pixels (slightly widened)
    grids: tuple[Grid, ...]

    @property
    def any(self) -> bool:
        return bool(self.grids) or bool(self.mask.any())


def _dark(gray: np.ndarray) -> np.ndarray:
    """Dark strokes against their surroundings, so that a rule on a shaded row is still found."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15) > 0


def find_rules(gray: np.ndarray) -> Rules:
    height, width = gray.shape
    dark = _dark(gray).astype(np.uint8)
    marks = cv2.connectedComponentsWithStats(dark, connectivity=8)[2][1:, :4]
    tall = marks[marks[:, 3] >= 8, 3]
    part = float(np.median(tall)) if len(tall) else 0.0
    shortest = max(20, round(_MIN_RULE_PARTS * part))
    hlen, vlen = max(shortest, round(width * _MIN_HRULE)), max(shortest, round(height * _MIN_VRULE))
    horizontal = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hlen, 1)))
    vertical = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vlen)))
    both = (horizontal | vertical).astype(np.uint8)
    fillers = find_fillers(dark.shape, marks, part)
    if not both.any():
        return Rules(fillers, ())
    mask = (cv2.dilate(both, np.ones((5, 5), np.uint8)) > 0) | fillers
    grids = []
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        grid = _grid(horizontal[y : y + h, x : x + w], vertical[y : y + h, x : x + w], x, y)
        if grid is not None:
            grids.append(grid)
    return Rules(mask, tuple(sorted(grids, key=lambda g: (g.bbox[1], g.bbox[0]))))


def find_fillers(shape: tuple[int, ...], marks: np.ndarray, line: float) -> np.ndarray:
    """Pixels of filler runs: six or more small marks on one baseline, evenly spaced.

    ``marks`` are the page's dark marks (x, y, width, height rows); ``line`` their median height.
    """
    mask = np.zeros(shape, dtype=bool)
    if len(marks) < _FILLER_RUN or not line:
        return mask
    x, y, w, h = (marks[:, i] for i in range(4))
    thin = (h <= _FILLER_HEIGHT * line) & (w * h >= 2)
    # A dash run blurred into one bar is wider than any stroke of a glyph: erased by itself.
    for i in np.flatnonzero(thin & (w > _FILLER_BAR * line)):
        mask[y[i] : y[i] + h[i], x[i] : x[i] + w[i]] = True
    small = np.flatnonzero(thin & (w <= 2.5 * line))
    if len(small) < _FILLER_RUN:
        return cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    bottoms = y[small] + h[small]
    order = small[np.lexsort((x[small], bottoms // max(2, int(line * 0.15))))]
    run = [order[0]]
    for index in [*order[1:], -1]:
        prev = run[-1]
        same_line = index >= 0 and abs(int(y[index] + h[index]) - int(y[prev] + h[prev])) <= max(2, line * 0.15)
        gap = int(x[index] - (x[prev] + w[prev])) if index >= 0 else -1
        if same_line and (0 <= gap <= line or _even_step(x, w, run, gap, line)):
            run.append(index)
            continue
        if len(run) >= _FILLER_RUN:
            for i in run:
                mask[y[i] : y[i] + h[i], x[i] : x[i] + w[i]] = True
        run = [index]
    return cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def _even_step(x: np.ndarray, w: np.ndarray, run: list[int], gap: int, line: float) -> bool:
    """Whether a wider ``gap`` (up to ``_FILLER_GAP`` lines) continues the run's spacing: the dot
    leaders of some fonts stand a full syllable apart. The run's first gap sets the step; every
    later one must repeat it, which the periods and commas of running text never do."""
    if not 0 <= gap <= _FILLER_GAP * line:
        return False
    if len(run) < 2:
        return True
    step = int(x[run[-1]] - (x[run[-2]] + w[run[-2]]))
    return abs(gap - step) <= max(3, 0.15 * step)


def _positions(profile: np.ndarray, length: int) -> list[int]:
    """Centres of the runs where a rule spans enough of the grid."""
    on = profile > _RULE_SPAN * length
    padded = np.concatenate(([False], on, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [int((a + b - 1) // 2) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _grid(horizontal: np.ndarray, vertical: np.ndarray, x: int, y: int) -> Grid | None:
    """A grid needs two horizontal rules with room for a row of text between them."""
    h, w = horizontal.shape
    rows = _positions(horizontal.sum(axis=1), w)
    columns = _positions(vertical.sum(axis=0), h)
    if len(rows) < 2 or rows[-1] - rows[0] < 20:
        return None
    return Grid((x, y, x + w, y + h), tuple(y + r for r in rows), tuple(x + c for c in columns))


def erase_rules(gray: np.ndarray, rules: Rules) -> np.ndarray:
    """The page with its rules painted in the paper's colour."""
    if not rules.mask.any():
        return gray
    out = gray.copy()
    paper = int(np.percentile(gray, 90))
    out[rules.mask] = paper
    return out


def group_table(grid: Grid, words: list[Word]) -> tuple[Block | None, list[Word]]:
    """Put the words inside ``grid`` into rows (one ``Line`` each) of cells left to right.

    ``words`` come in reading order; a cell's words keep that order. Returns the table block (None
    if no word fell inside) and the words outside the grid.
    """
    rows: dict[int, dict[int, list[Word]]] = {}
    outside = []
    for word in words:
        place = grid.cell_of(word.bbox)
        if place is None:
            outside.append(word)
            continue
        rows.setdefault(place[0], {}).setdefault(place[1], []).append(word)
    if not rows:
        return None, outside
    edges = grid.edges
    lines = []
    for row in sorted(rows):
        top, bottom = grid.rows[row], grid.rows[row + 1]
        boxes: list[BBox] = [(edges[c], top, edges[c + 1], bottom) for c in range(len(edges) - 1)]
        row_words = [
            word.model_copy(update={"cell": column}) for column in sorted(rows[row]) for word in rows[row][column]
        ]
        lines.append(Line(bbox=union_bbox([w.bbox for w in row_words]), words=row_words, cells=boxes))
    return Block(bbox=union_bbox([ln.bbox for ln in lines]), lines=lines, kind=BlockKind.TABLE), outside
