"""A PDF page's own text layer, as the same element tree OCR produces."""

from __future__ import annotations

import bisect
import itertools
import unicodedata

import pypdfium2 as pdfium

from munseo.elements import BBox, Block, Line, PageResult, PageSource, Word, union_bbox

# A page whose text layer has fewer readable characters than this is treated as a scan: scanners
# often leave a stray page number or nothing at all in the layer.
MIN_TEXT_CHARS = 16
# Above this share of unreadable characters (U+FFFD, private-use glyphs from fonts without a
# ToUnicode map), the text layer is garbage and the page is OCR'd instead.
MAX_GARBAGE_SHARE = 0.10


def is_usable_text(text: str) -> bool:
    """Whether a page's extracted text layer is worth keeping instead of OCR."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < MIN_TEXT_CHARS:
        return False
    garbage = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cn"))
    return garbage / len(chars) <= MAX_GARBAGE_SHARE


def extract_text_layer(
    page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, text: str, number: int, dpi: int
) -> PageResult:
    """Build the page's tree from PDFium's text runs; the page text is the layer's text, exactly.
    PDFium gives text positions in the page's own space and renders its CropBox, whose corner need
    not be the origin, turned clockwise by the page's /Rotate: boxes are placed relative to the
    CropBox's top left and turned with it, as on the image."""
    width_pt, height_pt = page.get_size()  # as displayed: turned by /Rotate
    crop_left, crop_bottom, crop_right, crop_top = page.get_cropbox()
    scale = dpi / 72
    turns = page.get_rotation() // 90 % 4  # clockwise quarter turns
    across, down = (crop_right - crop_left) * scale, (crop_top - crop_bottom) * scale  # before turning

    def to_px(left: float, bottom: float, right: float, top: float) -> BBox:
        x0, y0 = (left - crop_left) * scale, (crop_top - top) * scale
        x1, y1 = (right - crop_left) * scale, (crop_top - bottom) * scale
        if turns == 1:  # a point (x, y) of the unturned image lands at (down − y, x)
            x0, y0, x1, y1 = down - y1, x0, down - y0, x1
        elif turns == 2:  # at (across − x, down − y)
            x0, y0, x1, y1 = across - x1, down - y1, across - x0, down - y0
        elif turns == 3:  # at (y, across − x)
            x0, y0, x1, y1 = y0, across - x1, y1, across - x0
        return max(0, round(x0)), max(0, round(y0)), round(x1), round(y1)

    chars = _Chars(
        [(textpage.get_text_range(i, 1), to_px(*textpage.get_charbox(i))) for i in range(textpage.count_chars())]
    )
    runs: list[tuple[BBox, list[Word]]] = []
    for i in range(textpage.count_rects()):
        rect = textpage.get_rect(i)
        run_text = textpage.get_text_bounded(*rect).strip()
        if run_text:
            box = to_px(*rect)
            runs.append((box, _words_from_chars(box, run_text, chars) or _words_of_run(box, run_text)))
    lines = _group_lines(runs)
    blocks = [Block(bbox=union_bbox([line.bbox for line in lines]), lines=lines)] if lines else []
    return PageResult(
        number=number,
        width=round(width_pt * scale),
        height=round(height_pt * scale),
        dpi=dpi,
        source=PageSource.TEXT_LAYER,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        blocks=blocks,
        mean_confidence=1.0,
    )


class _Chars:
    """A page's characters in text order, found by the rows their centres fall in."""

    def __init__(self, chars: list[tuple[str, BBox]]) -> None:
        self.chars = chars
        self.order = sorted(range(len(chars)), key=lambda i: (chars[i][1][1] + chars[i][1][3]) / 2)
        self.centres = [(chars[i][1][1] + chars[i][1][3]) / 2 for i in self.order]

    def within(self, bbox: BBox) -> list[tuple[str, BBox]]:
        """The characters whose centre lies in ``bbox`` (one pixel of slack), in text order."""
        x0, y0, x1, y1 = bbox
        low, high = bisect.bisect_left(self.centres, y0 - 1), bisect.bisect_right(self.centres, y1 + 1)
        found = sorted(
            i for i in self.order[low:high] if x0 - 1 <= (self.chars[i][1][0] + self.chars[i][1][2]) / 2 <= x1 + 1
        )
        return [self.chars[i] for i in found]


def _words_from_chars(bbox: BBox, text: str, chars: _Chars) -> list[Word]:
    """A run's words with their printed extent, from PDFium's box of each character whose centre lies
    in the run; empty when those characters do not spell the run (the estimate is used then)."""
    y0, y1 = bbox[1], bbox[3]
    inside = chars.within(bbox)
    if "".join(c for c, _ in inside if not c.isspace()) != "".join(text.split()):
        return []
    words: list[Word] = []
    current: list[tuple[str, BBox]] = []
    for c, box in [*inside, (" ", bbox)]:
        if c.isspace():
            if current:
                left = min(b[0] for _, b in current)
                right = max(b[2] for _, b in current)
                token = "".join(ch for ch, _ in current)
                words.append(Word(text=token, bbox=(left, y0, max(right, left + 1), y1), confidence=1.0))
            current = []
        else:
            current.append((c, box))
    return words


def _advance(char: str) -> float:
    """About how wide a character is, in ems: Hangul, Hanja and full-width forms one em, a space a
    third, Latin letters, digits and punctuation a little over half."""
    if char.isspace():
        return 0.33
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _words_of_run(bbox: BBox, text: str) -> list[Word]:
    """Split a run into words, sharing its width out by the characters' usual widths (a Hangul
    syllable is about twice a Latin letter): the estimate where PDFium's character boxes do not
    spell the run."""
    tokens = text.split()
    ems = [_advance(c) for c in " ".join(tokens)]
    edges = [0.0, *itertools.accumulate(ems)]  # where each character starts, in ems
    x0, y0, x1, y1 = bbox
    per_em = (x1 - x0) / edges[-1] if edges[-1] else 0.0
    words, pos = [], 0
    for token in tokens:
        left = x0 + round(edges[pos] * per_em)
        right = x0 + round(edges[pos + len(token)] * per_em)
        words.append(Word(text=token, bbox=(left, y0, max(right, left + 1), y1), confidence=1.0))
        pos += len(token) + 1
    return words


def _group_lines(runs: list[tuple[BBox, list[Word]]]) -> list[Line]:
    """Runs (box, words) whose vertical centres fall inside each other's extent share a line; lines
    in reading order."""
    groups: list[list[tuple[BBox, list[Word]]]] = []
    for run in sorted(runs, key=lambda r: (r[0][1], r[0][0])):
        centre = (run[0][1] + run[0][3]) / 2
        for group in groups:
            top = min(r[0][1] for r in group)
            bottom = max(r[0][3] for r in group)
            if top <= centre <= bottom:
                group.append(run)
                break
        else:
            groups.append([run])
    lines = []
    for group in groups:
        group.sort(key=lambda r: r[0][0])
        words = [w for _, run_words in group for w in run_words]
        lines.append(Line(bbox=union_bbox([r[0] for r in group]), words=words))
    return lines
