"""Page layout: flows blocks (paragraphs, tables, rules, seals) into A4 pages of positioned lines.

Coordinates are PDF points with the origin at the top-left corner of the page and y growing
downwards. Every drawn text line is a :class:`TextLine`; its text, in drawing order, is the
ground truth of the page, and its box is the line box written to the manifest.

Korean line breaking: lines break at spaces (어절 단위, the default of Korean word processors) and
are justified; a word is broken between syllables (which Korean allows) only when it is longer
than a line, or when moving it whole to the next line would leave gaps wider than
``_MAX_STRETCH`` spaces in the justified line, as happens in narrow columns. A line never starts
with closing punctuation nor ends with an opening bracket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from munseo.synth.fonts import ASCENT, DESCENT, MYEONGJO, char_width

A4 = (595.2756, 841.8898)
UNDERLINE_START = "\ue000"
UNDERLINE_END = "\ue001"
_NO_LINE_START = set(")]}」』〉》,.:;!?%·ㆍ、。")
_NO_LINE_END = set("([{「『〈《")
_SEPARATORS = set("ㆍ·,")  # preferred break points inside a long word (a list of names)
_EPS = 0.01
_MAX_STRETCH = 2.5  # widest justified gap, in spaces (beyond it the line breaks inside a word)

Align = Literal["left", "center", "right", "justify"]


@dataclass(frozen=True)
class Style:
    """Paragraph style. Lengths in points; ``leading`` is a multiple of ``size``.

    ``hang`` > 0 makes a hanging indent: lines after the first align with the text that follows the
    first ``hang`` words (the "○" of a bullet, the "1." of a numbered item, a "발 의 자 :" label).
    """

    font: str = MYEONGJO
    size: float = 12.0
    leading: float = 1.6
    align: Align = "justify"
    indent: float = 0.0
    first: float = 0.0
    right: float = 0.0
    before: float = 0.0
    after: float = 0.0
    hang: int = 0

    def but(self, **changes: object) -> Style:
        return replace(self, **changes)


@dataclass(frozen=True)
class Span:
    text: str
    font: str | None = None
    underline: bool = False


@dataclass(frozen=True)
class Para:
    spans: tuple[Span, ...]
    style: Style
    keep: bool = False


@dataclass(frozen=True)
class Gap:
    """Vertical space; dropped at the top of a column unless ``at_top``."""

    height: float
    at_top: bool = False


@dataclass(frozen=True)
class Rule:
    thickness: float = 0.6
    before: float = 2.0
    after: float = 6.0
    double: bool = False


@dataclass(frozen=True)
class Cell:
    paras: tuple[Para, ...]
    shade: float | None = None


@dataclass(frozen=True)
class Table:
    """A table; ``widths`` are relative, ``span`` the share of the column it takes (from the left).

    ``line`` and ``frame`` are the widths of inner and outer rules (0 draws none); rows taller than
    the rest of a page are split between lines and the ``header`` rows repeat on the next page.
    """

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    header: int = 0
    pad: float = 4.0
    line: float = 0.6
    frame: float = 0.6
    before: float = 4.0
    after: float = 8.0
    span: float = 1.0


@dataclass(frozen=True)
class Columns:
    count: int
    gap: float = 16.0


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Seal:
    """A red seal (직인) stamped over the end of the last placed line."""

    text: str
    size: float
    seed: int


@dataclass(frozen=True)
class Bottom:
    """Blocks placed at the bottom of the page (the footer block of an official letter)."""

    blocks: tuple[Block, ...]


Block = Para | Gap | Rule | Table | Columns | PageBreak | Seal | Bottom


@dataclass(frozen=True)
class Run:
    x: float
    text: str
    font: str
    size: float


@dataclass(frozen=True)
class TextLine:
    runs: tuple[Run, ...]
    baseline: float

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        size = max(run.size for run in self.runs)
        last = self.runs[-1]
        right = last.x + sum(char_width(last.font, ch) for ch in last.text.rstrip()) * last.size
        # Glyph ink may overhang the advance width slightly; the margins keep it inside the box.
        return (
            self.runs[0].x - 0.03 * size,
            self.baseline - ASCENT * size,
            right + 0.06 * size,
            self.baseline + DESCENT * size,
        )


@dataclass(frozen=True)
class Stroke:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float


@dataclass(frozen=True)
class Fill:
    x: float
    y: float
    w: float
    h: float
    gray: float


@dataclass(frozen=True)
class Stamp:
    x: float
    y: float
    size: float
    text: str
    seed: int


Graphic = Stroke | Fill | Stamp


@dataclass
class Page:
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)
    graphics: list[Graphic] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class PageTemplate:
    """Page size and margins; ``footer`` (a page number, "{n}") on every page, ``header`` (left and
    right texts, e.g. a running title and "{n}") with a rule from the second page on."""

    width: float = A4[0]
    height: float = A4[1]
    top: float = 62.0
    bottom: float = 64.0
    left: float = 62.0
    right: float = 62.0
    footer: str | None = "- {n} -"
    footer_style: Style = Style(size=10.0, align="center", leading=1.2)
    header: tuple[str, str] | None = None
    header_style: Style = Style(size=9.0, leading=1.2, align="left")


def para(text: str, style: Style, *, lead: str = "", lead_font: str | None = None, keep: bool = False) -> Para:
    """A paragraph from plain text, optionally led by a run in another font (a speaker's name).

    Text between :data:`UNDERLINE_START` and :data:`UNDERLINE_END` is underlined.
    """
    spans: list[Span] = []
    if lead:
        spans.append(Span(lead, lead_font))
    underline = False
    for index, piece in enumerate(text.replace(UNDERLINE_END, UNDERLINE_START).split(UNDERLINE_START)):
        if index:
            underline = not underline
        if piece:
            spans.append(Span(piece, None, underline))
    return Para(tuple(spans), style, keep)


# ---------------------------------------------------------------- line breaking


@dataclass(frozen=True)
class _Glyph:
    ch: str
    font: str
    size: float
    underline: bool

    @property
    def width(self) -> float:
        return char_width(self.font, self.ch) * self.size


@dataclass
class _Line:
    tokens: list[list[_Glyph]]
    indent: float
    avail: float
    last: bool = False


def _glyphs(item: Para) -> list[_Glyph]:
    style = item.style
    glyphs = [
        _Glyph(ch, span.font or style.font, style.size, span.underline) for span in item.spans for ch in span.text
    ]
    start, end = 0, len(glyphs)
    while start < end and glyphs[start].ch == " ":
        start += 1
    while end > start and glyphs[end - 1].ch == " ":
        end -= 1
    return glyphs[start:end]


def _tokens(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Words, split at single spaces; further spaces of a run lead the next word (aligned labels)."""
    tokens: list[list[_Glyph]] = [[]]
    for index, glyph in enumerate(glyphs):
        if glyph.ch == " " and glyphs[index - 1].ch != " ":
            tokens.append([])
        else:
            tokens[-1].append(glyph)
    return tokens


def _lstrip(token: list[_Glyph]) -> list[_Glyph]:
    start = 0
    while start < len(token) - 1 and token[start].ch == " ":
        start += 1
    return token[start:]


def _width(glyphs: Iterable[_Glyph]) -> float:
    return sum(glyph.width for glyph in glyphs)


def _split_point(token: list[_Glyph], room: float) -> int:
    """How many glyphs of ``token`` to keep on the line so that they fit in ``room``."""
    used = 0.0
    count = 0
    for glyph in token:
        if used + glyph.width > room + _EPS:
            break
        used += glyph.width
        count += 1
    while 0 < count < len(token) and (token[count].ch in _NO_LINE_START or token[count - 1].ch in _NO_LINE_END):
        count -= 1
    # Neither part is left with a single syllable ("바랍니|다." becomes "바랍|니다.").
    while 1 < count < len(token) and sum(glyph.ch.isalnum() for glyph in token[count:]) < 2:
        count -= 1
    if count == 1 < len(token):
        return 0
    separators = [i + 1 for i in range(count) if token[i].ch in _SEPARATORS]
    if count < len(token) and separators and separators[-1] >= count // 2:
        return separators[-1]
    return count


def _break_lines(item: Para, width: float) -> list[_Line]:
    style = item.style
    glyphs = _glyphs(item)
    if not glyphs:
        return []
    tokens = _tokens(glyphs)
    space = glyphs[0].size * char_width(style.font, " ")
    first_indent = style.indent + style.first
    rest_indent = style.indent
    if style.hang and len(tokens) > style.hang:
        rest_indent = first_indent + sum(_width(token) + space for token in tokens[: style.hang])
    lines: list[_Line] = []
    current: list[list[_Glyph]] = []
    used = 0.0

    def avail() -> float:
        return width - style.right - (rest_indent if lines else first_indent)

    def emit() -> None:
        nonlocal current, used
        lines.append(_Line(current, rest_indent if lines else first_indent, avail()))
        current, used = [], 0.0

    for token in tokens:
        remaining = token
        while remaining:
            if not current:
                remaining = _lstrip(remaining)
            token_width = _width(remaining)
            gap = space if current else 0.0
            room = avail() - used - gap
            if token_width <= room + _EPS:
                current.append(remaining)
                used += gap + token_width
                break
            # Moving the word to the next line is fine when the line can still be justified
            # without gaps wider than _MAX_STRETCH spaces; otherwise break it between syllables.
            stretch = (avail() - used) / (space * max(1, len(current) - 1))
            if current and (stretch <= _MAX_STRETCH or len(remaining) < 3):
                emit()
                continue
            cut = _split_point(remaining, room)
            if cut == 0:
                if not current:
                    cut = 1
                else:
                    emit()
                    continue
            current.append(remaining[:cut])
            used += gap + _width(remaining[:cut])
            remaining = remaining[cut:]
            emit()
    if current:
        emit()
    lines[-1].last = True
    return lines


def _place_line(line: _Line, x0: float, baseline: float, style: Style) -> tuple[TextLine, list[Stroke]]:
    """Position the glyphs of a broken line: alignment, justification, runs and underlines."""
    natural_space = line.tokens[0][0].size * char_width(style.font, " ")
    words = [_width(token) for token in line.tokens]
    natural = sum(words) + natural_space * (len(words) - 1)
    slack = max(0.0, line.avail - natural)
    extra = 0.0
    offset = 0.0
    if style.align == "justify" and not line.last and len(words) > 1:
        extra = min(slack / (len(words) - 1), natural_space * _MAX_STRETCH)
    elif style.align == "center":
        offset = slack / 2
    elif style.align == "right":
        offset = slack
    positioned: list[tuple[float, _Glyph]] = []
    x = x0 + line.indent + offset
    for index, token in enumerate(line.tokens):
        if index:  # the space is underlined when both words around it are
            joined = token[0].underline and line.tokens[index - 1][-1].underline
            positioned.append((x, _Glyph(" ", token[0].font, token[0].size, joined)))
            x += natural_space + extra
        for glyph in token:
            positioned.append((x, glyph))
            x += glyph.width
    runs: list[Run] = []
    end = 0.0
    for gx, glyph in positioned:
        if runs:
            last = runs[-1]
            if last.font == glyph.font and last.size == glyph.size and abs(end - gx) < _EPS:
                runs[-1] = Run(last.x, last.text + glyph.ch, last.font, last.size)
                end = gx + glyph.width
                continue
        runs.append(Run(gx, glyph.ch, glyph.font, glyph.size))
        end = gx + glyph.width
    strokes: list[Stroke] = []
    start: float | None = None
    end_x = 0.0
    for gx, glyph in [*positioned, (0.0, None)]:
        if glyph is not None and glyph.underline:
            start = gx if start is None else start
            end_x = gx + glyph.width
        elif start is not None:
            y = baseline + 0.19 * style.size
            strokes.append(Stroke(start, y, end_x, y, 0.5))
            start = None
    return TextLine(tuple(runs), baseline), strokes


# ---------------------------------------------------------------- flowing


@dataclass
class _Cell:
    lines: list[tuple[float, _Line, Style]]  # (top offset within the cell, line, style)
    height: float


def _layout_cell(cell: Cell, width: float) -> _Cell:
    placed: list[tuple[float, _Line, Style]] = []
    y = 0.0
    for index, item in enumerate(cell.paras):
        if index:
            y += item.style.before
        for line in _break_lines(item, width):
            placed.append((y, line, item.style))
            y += item.style.size * item.style.leading
        y += item.style.after if index < len(cell.paras) - 1 else 0.0
    return _Cell(placed, y)


def _line_height(style: Style) -> float:
    return style.size * style.leading


def _baseline(top: float, style: Style) -> float:
    """Baseline of a line whose slot starts at ``top``: the extra leading is split around the text."""
    return top + (_line_height(style) - style.size) / 2 + 0.8 * style.size


class Flow:
    """Flows blocks into pages following a :class:`PageTemplate`."""

    def __init__(self, template: PageTemplate) -> None:
        self.template = template
        self.pages: list[Page] = []
        self.columns = 1
        self.gap = 0.0
        self.column = 0
        self.frame_top = 0.0
        self.y = 0.0
        self.last_line: TextLine | None = None
        self._new_page()

    # -- frames
    @property
    def _top(self) -> float:
        return self.template.top

    @property
    def _bottom(self) -> float:
        return self.template.height - self.template.bottom

    @property
    def _frame_width(self) -> float:
        full = self.template.width - self.template.left - self.template.right
        return (full - self.gap * (self.columns - 1)) / self.columns

    @property
    def _frame_x(self) -> float:
        return self.template.left + self.column * (self._frame_width + self.gap)

    @property
    def _page(self) -> Page:
        return self.pages[-1]

    @property
    def _at_frame_top(self) -> bool:
        return self.y <= self.frame_top + _EPS

    def _new_page(self) -> None:
        self.pages.append(Page(self.template.width, self.template.height))
        self.column = 0
        self.frame_top = self._top
        self.y = self._top

    def _advance(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
            self.y = self.frame_top
        else:
            self._new_page()

    def _room(self) -> float:
        return self._bottom - self.y

    # -- blocks
    def add(self, blocks: Sequence[Block]) -> None:
        for index, block in enumerate(blocks):
            if isinstance(block, Para) and block.keep and not self._at_frame_top:
                # A heading (or a chain of them) goes with the first lines of what follows it.
                need, end = 0.0, index
                while end < len(blocks) and isinstance(blocks[end], Para) and blocks[end].keep:
                    need += self._height(blocks[end])
                    end += 1
                if end < len(blocks):
                    need += self._head_height(blocks[end])
                if need > self._room():
                    self._advance()
            self._add(block)

    def _add(self, block: Block) -> None:
        if isinstance(block, Para):
            self._para(block)
        elif isinstance(block, Gap):
            if block.at_top or not self._at_frame_top:
                self.y = min(self.y + block.height, self._bottom)
        elif isinstance(block, Rule):
            self._rule(block)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Columns):
            self.columns, self.gap, self.column = block.count, block.gap, 0
            self.frame_top = self.y
        elif isinstance(block, PageBreak):
            if not (self._at_frame_top and self.column == 0 and self.y <= self._top + _EPS):
                self._new_page()
        elif isinstance(block, Seal):
            self._seal(block)
        else:
            self._bottom_block(block)

    def _height(self, block: Block) -> float:
        if isinstance(block, Para):
            lines = _break_lines(block, self._frame_width)
            return block.style.before + len(lines) * _line_height(block.style) + block.style.after
        if isinstance(block, Gap):
            return block.height
        if isinstance(block, Rule):
            return block.before + block.thickness * (4 if block.double else 1) + block.after
        if isinstance(block, Table):
            return block.before + sum(self._row_height(block, row) for row in block.rows) + block.after
        if isinstance(block, Bottom):
            return sum(self._height(inner) for inner in block.blocks)
        return 0.0

    def _head_height(self, block: Block) -> float:
        """Height of the first two lines of ``block`` (what must follow a heading on its page)."""
        if isinstance(block, Para):
            lines = min(2, len(_break_lines(block, self._frame_width)))
            return block.style.before + lines * _line_height(block.style)
        if isinstance(block, Table):
            rows = block.rows[: block.header + 1]
            return block.before + sum(min(self._row_height(block, row), 60.0) for row in rows)
        return self._height(block)

    def _para(self, item: Para) -> None:
        lines = _break_lines(item, self._frame_width)
        if not lines:
            return
        height = _line_height(item.style)
        if not self._at_frame_top:
            self.y += item.style.before
        if len(lines) > 1 and self._room() < 2 * height and not self._at_frame_top:
            self._advance()
        for line in lines:
            if self._room() < height - _EPS and not self._at_frame_top:
                self._advance()
            text_line, strokes = _place_line(line, self._frame_x, _baseline(self.y, item.style), item.style)
            self._page.lines.append(text_line)
            self._page.graphics.extend(strokes)
            self.last_line = text_line
            self.y += height
        self.y += item.style.after

    def _rule(self, rule: Rule) -> None:
        if self._room() < rule.before + 12:
            self._advance()
            return
        self.y += rule.before
        x0, x1 = self._frame_x, self._frame_x + self._frame_width
        self._page.graphics.append(Stroke(x0, self.y, x1, self.y, rule.thickness))
        if rule.double:
            self.y += rule.thickness * 3
            self._page.graphics.append(Stroke(x0, self.y, x1, self.y, rule.thickness / 2))
        self.y += rule.thickness + rule.after

    def _seal(self, seal: Seal) -> None:
        if self.last_line is None:
            return
        _, top, x1, bottom = self.last_line.bbox
        center_y = (top + bottom) / 2
        x = min(x1 - seal.size * 0.35, self._frame_x + self._frame_width - seal.size)
        self._page.graphics.append(Stamp(x, center_y - seal.size / 2, seal.size, seal.text, seal.seed))

    def _bottom_block(self, block: Bottom) -> None:
        height = self._height(block)
        if height > self._room():
            self._new_page()
        self.y = max(self.y, self._bottom - height)
        self.add(block.blocks)

    # -- tables
    def _col_widths(self, table: Table) -> list[float]:
        total = sum(table.widths)
        return [self._frame_width * table.span * w / total for w in table.widths]

    def _row_cells(self, table: Table, row: tuple[Cell, ...]) -> list[_Cell]:
        return [_layout_cell(cell, w - 2 * table.pad) for cell, w in zip(row, self._col_widths(table), strict=True)]

    def _row_height(self, table: Table, row: tuple[Cell, ...]) -> float:
        return max(c.height for c in self._row_cells(table, row)) + 2 * table.pad

    def _table(self, table: Table) -> None:
        if not self._at_frame_top:
            self.y += table.before
        header = list(table.rows[: table.header])
        header_height = sum(self._row_height(table, row) for row in header)
        first_row = self._row_height(table, table.rows[table.header]) if len(table.rows) > table.header else 0
        if self._room() < header_height + min(first_row, 80.0) and not self._at_frame_top:
            self._advance()
        table_top = self.y
        for row in header:
            self._draw_row(table, row, self._row_cells(table, row))
        for row in table.rows[table.header :]:
            cells = self._row_cells(table, row)
            while True:
                height = max(c.height for c in cells) + 2 * table.pad
                if height <= self._room() + _EPS:
                    self._draw_row(table, row, cells)
                    break
                room = self._room() - 2 * table.pad
                fits = max(
                    (sum(1 for top, _, style in c.lines if top + _line_height(style) <= room + _EPS) for c in cells),
                    default=0,
                )
                only_header_above = self._at_frame_top or self.y <= table_top + header_height + _EPS
                if fits >= 2 or (only_header_above and fits):
                    head, cells = self._split_cells(cells, room)
                    self._draw_row(table, row, head, height=self._room())
                self._frame_border(table, table_top)
                self._advance()
                table_top = self.y
                for header_row in header:
                    self._draw_row(table, header_row, self._row_cells(table, header_row))
        self._frame_border(table, table_top)
        self.y += table.after

    @staticmethod
    def _split_cells(cells: list[_Cell], room: float) -> tuple[list[_Cell], list[_Cell]]:
        heads: list[_Cell] = []
        tails: list[_Cell] = []
        for cell in cells:
            head = [entry for entry in cell.lines if entry[0] + _line_height(entry[2]) <= room + _EPS]
            tail = cell.lines[len(head) :]
            shift = tail[0][0] if tail else 0.0
            heads.append(_Cell(head, head[-1][0] + _line_height(head[-1][2]) if head else 0.0))
            tails.append(
                _Cell([(top - shift, line, style) for top, line, style in tail], cell.height - shift if tail else 0.0)
            )
        return heads, tails

    def _draw_row(self, table: Table, row: tuple[Cell, ...], cells: list[_Cell], height: float | None = None) -> None:
        widths = self._col_widths(table)
        row_height = height if height is not None else max(c.height for c in cells) + 2 * table.pad
        x = self._frame_x
        page = self._page
        for cell, laid, width in zip(row, cells, widths, strict=True):
            if cell.shade is not None:
                page.graphics.append(Fill(x, self.y, width, row_height, cell.shade))
            for top, line, style in laid.lines:
                text_line, strokes = _place_line(line, x + table.pad, _baseline(self.y + table.pad + top, style), style)
                page.lines.append(text_line)
                page.graphics.extend(strokes)
            if x > self._frame_x + _EPS:
                page.graphics.append(Stroke(x, self.y, x, self.y + row_height, table.line))
            x += width
        page.graphics.append(Stroke(self._frame_x, self.y, x, self.y, table.line))
        self.y += row_height
        page.graphics.append(Stroke(self._frame_x, self.y, x, self.y, table.line))

    def _frame_border(self, table: Table, top: float) -> None:
        x0, x1 = self._frame_x, self._frame_x + self._frame_width * table.span
        g = self._page.graphics
        g.append(Stroke(x0, top, x1, top, table.frame))
        g.append(Stroke(x0, self.y, x1, self.y, table.frame))
        g.append(Stroke(x0, top, x0, self.y, table.line))
        g.append(Stroke(x1, top, x1, self.y, table.line))

    # -- result
    def finish(self) -> list[Page]:
        pages = [page for page in self.pages if page.lines or page.graphics]
        t = self.template
        for number, page in enumerate(pages, start=1):
            head: list[TextLine] = []
            if t.header and number > 1:
                left, right = (text.format(n=number) for text in t.header)
                head = [self._decoration(left, t.header_style, t.top - 26)]
                if right:
                    head.append(self._decoration(right, t.header_style.but(align="right"), t.top - 26))
                page.graphics.append(Stroke(t.left, t.top - 18, t.width - t.right, t.top - 18, 0.5))
            if t.footer:
                page.lines.append(self._decoration(t.footer.format(n=number), t.footer_style, t.height - t.bottom + 24))
            page.lines[:0] = head
        return pages

    def _decoration(self, text: str, style: Style, top: float) -> TextLine:
        t = self.template
        item = Para((Span(text),), style)
        line = _break_lines(item, t.width - t.left - t.right)[0]
        return _place_line(line, t.left, _baseline(top, style), style)[0]


def layout(blocks: Sequence[Block], template: PageTemplate) -> list[Page]:
    """Flow ``blocks`` into pages."""
    flow = Flow(template)
    flow.add(blocks)
    return flow.finish()
