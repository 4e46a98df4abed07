"""A PDF page's own text layer, as the same element tree OCR produces."""

from __future__ import annotations

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
    """Build the page's tree from PDFium's text runs; the page text is the layer's text, exactly."""
    width_pt, height_pt = page.get_size()
    scale = dpi / 72

    def to_px(left: float, bottom: float, right: float, top: float) -> BBox:
        return (
            max(0, round(left * scale)),
            max(0, round((height_pt - top) * scale)),
            round(right * scale),
            round((height_pt - bottom) * scale),
        )

    runs: list[tuple[BBox, str]] = []
    for i in range(textpage.count_rects()):
        rect = textpage.get_rect(i)
        run_text = textpage.get_text_bounded(*rect).strip()
        if run_text:
            runs.append((to_px(*rect), run_text))
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


def _words_of_run(bbox: BBox, text: str) -> list[Word]:
    """Split a run into words, sharing its width out by character count."""
    tokens = text.split()
    total = sum(len(t) for t in tokens) + len(tokens) - 1
    x0, y0, x1, y1 = bbox
    per_char = (x1 - x0) / max(total, 1)
    words, pos = [], 0
    for token in tokens:
        left = x0 + round(pos * per_char)
        right = x0 + round((pos + len(token)) * per_char)
        words.append(Word(text=token, bbox=(left, y0, max(right, left + 1), y1), confidence=1.0))
        pos += len(token) + 1
    return words


def _group_lines(runs: list[tuple[BBox, str]]) -> list[Line]:
    """Runs whose vertical centres fall inside each other's extent share a line; lines in reading order."""
    groups: list[list[tuple[BBox, str]]] = []
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
        words = [w for bbox, text in group for w in _words_of_run(bbox, text)]
        lines.append(Line(bbox=union_bbox([r[0] for r in group]), words=words))
    return lines
