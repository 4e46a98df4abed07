"""Pages of known *real* text for measuring OCR: real Korean legal text and real English prose,
drawn as A4 pages in every Korean font Debian ships, in the layouts records offices print.

Text comes from the corpora in ``../shared/corpora`` (bill proposals, statutes, the Constitution)
and, for English pages, from the licence texts every Debian system has in
``/usr/share/common-licenses``. The caller passes the corpora folder: munseo itself never needs it.
Splits: ``"train"`` pages are for tuning, ``"dev"`` pages for reporting. Bills and statutes keep
the corpora's own split; the Constitution is tuning text only (the repair rules in ocr-notes were
written against it); English paragraphs are split by a hash of their text (one in five is dev).

Fonts are split the same way: ``TUNING_FONTS`` may be used while tuning, ``HELD_OUT_FONTS`` are for
reports only. Display and handwriting faces (Un Pilgi, Un Gungseo, Baekmuk Headline, …) are left
out: offices do not print records in them. A paragraph with a character the font has no glyph for
is not drawn in that font, so that the ground truth is always exactly what is on the page.

Ground-truth conventions (``RealPage.text``):

- Reading order is the order a person follows: a column top to bottom, the left column first; a
  table row by row, the cells of a row left to right.
- The cells of one table row are on one line, separated by ``" | "``; a cell's wrapped lines are
  joined with single spaces. Lines of running text are separated by ``"\\n"``, as drawn.
- Filler runs in a 신·구조문대비표 (``-----`` and ``·······`` standing for unchanged text) are not
  text: they are absent from the ground truth.
- Nothing else is left out: headings, article numbers, circled numbers, brackets and Hanja are
  text as drawn.
"""

from __future__ import annotations

import io
import json
import lzma
import random
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from munseo.evaluate.metrics import char_class
from munseo.evaluate.testpages import degrade

Split = Literal["train", "dev"]
LAYOUTS: tuple[str, ...] = ("plain", "two-column", "bill", "table", "landscape", "en-table", "en-columns")
KOREAN_LAYOUTS: tuple[str, ...] = ("plain", "two-column", "bill", "table", "landscape")
ENGLISH_LAYOUTS: tuple[str, ...] = ("en-table", "en-columns")
DEGRADATIONS: tuple[str, ...] = ("clean", "degraded")
TABLE_LAYOUTS: tuple[str, ...] = ("bill", "table", "landscape", "en-table")

A4_INCHES = (8.27, 11.69)
LICENCE_DIR = Path("/usr/share/common-licenses")
FILLER_CHARS = ("-", "·")


class CorporaMissing(FileNotFoundError):
    """The real-text corpora (or a file in them) are not where the caller said."""


@dataclass(frozen=True)
class Font:
    """One font face: ``index`` picks the face inside a ``.ttc`` collection."""

    name: str
    path: Path
    index: int = 0
    group: str = "tuning"  # "tuning", "held-out" or "english"

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return _load_font(self.path, self.index, size)

    @property
    def available(self) -> bool:
        return self.path.is_file()


_TRUETYPE = Path("/usr/share/fonts/truetype")
_NOTO = Path("/usr/share/fonts/opentype/noto")

TUNING_FONTS: tuple[Font, ...] = (
    Font("Nanum Gothic", _TRUETYPE / "nanum/NanumGothic.ttf"),
    Font("Nanum Myeongjo", _TRUETYPE / "nanum/NanumMyeongjo.ttf"),
    Font("Nanum Barun Gothic", _TRUETYPE / "nanum/NanumBarunGothic.ttf"),
    Font("Nanum Square", _TRUETYPE / "nanum/NanumSquareR.ttf"),
    Font("Un Dotum", _TRUETYPE / "unfonts-core/UnDotum.ttf"),
)
HELD_OUT_FONTS: tuple[Font, ...] = (
    Font("Un Batang", _TRUETYPE / "unfonts-core/UnBatang.ttf", group="held-out"),
    Font("Baekmuk Batang", _TRUETYPE / "baekmuk/batang.ttf", group="held-out"),
    Font("Baekmuk Gulim", _TRUETYPE / "baekmuk/gulim.ttf", group="held-out"),
    Font("Baekmuk Dotum", _TRUETYPE / "baekmuk/dotum.ttf", group="held-out"),
    Font("Noto Serif CJK KR", _NOTO / "NotoSerifCJK-Regular.ttc", index=1, group="held-out"),
    Font("Noto Sans CJK KR", _NOTO / "NotoSansCJK-Regular.ttc", index=1, group="held-out"),
)
ENGLISH_FONTS: tuple[Font, ...] = (
    Font("DejaVu Serif", _TRUETYPE / "dejavu/DejaVuSerif.ttf", group="english"),
    Font("DejaVu Sans", _TRUETYPE / "dejavu/DejaVuSans.ttf", group="english"),
)


def korean_fonts() -> list[Font]:
    """Every registered Korean font whose file is installed, tuning fonts first."""
    return [font for font in (*TUNING_FONTS, *HELD_OUT_FONTS) if font.available]


def find_font(name: str) -> Font:
    for font in (*TUNING_FONTS, *HELD_OUT_FONTS, *ENGLISH_FONTS):
        if font.name == name:
            return font
    raise KeyError(f"no font named {name!r}")


@cache
def _load_font(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index)


@cache
def _glyphs(path: Path, index: int) -> frozenset[int]:
    """The code points a face has glyphs for."""
    with TTFont(str(path), fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def covers(font: Font, text: str) -> bool:
    """Whether ``font`` can draw every character of ``text`` (spaces aside): a glyph with ink, not
    just an entry in its character map (Nanum Square maps Hanja to empty glyphs)."""
    glyphs = _glyphs(font.path, font.index)
    return all(ord(char) in glyphs and _inked(font.path, font.index, char) for char in text if not char.isspace())


@cache
def _inked(path: Path, index: int, char: str) -> bool:
    return _load_font(path, index, 24).getmask(char).getbbox() is not None


# --- real text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statute:
    """A statute as printed: its title, kind, ministry, and its provisions (one paragraph each)."""

    title: str
    kind: str
    ministry: str
    provisions: tuple[str, ...]
    last_amended: str


@dataclass(frozen=True)
class RealText:
    """Real text to draw pages from: documents of Korean paragraphs, statutes, English paragraphs."""

    split: str
    documents: tuple[tuple[str, ...], ...]  # bills, statutes (and in train the Constitution)
    statutes: tuple[Statute, ...]
    english: tuple[str, ...]


_MARKDOWN_HEADING = re.compile(r"^#+\s*")
_ARTICLE_HEADING = re.compile(r"^(제\d+조(?:의\d+)?)\s*(\(.*\))?\s*$")
_PROVISION = re.compile(r"제\d+조(?:의\d+)?\(|[①-⑳]")
_LEAD = re.compile(r"^(?:제\d+조(?:의\d+)?(?:\([^)]*\))?|[①-⑳])")
_AMENDED = re.compile(r"<(?:개정|신설)\s*([0-9., ]+)>")


def _clean_markdown(line: str) -> str:
    line = _MARKDOWN_HEADING.sub("", line.strip())
    return line.replace("**", "").replace("\\", "").strip()


def _statute_paragraphs(text: str) -> list[str]:
    """A statute's markdown as printed paragraphs; an article heading joins its first paragraph."""
    paragraphs: list[str] = []
    heading = ""
    for raw in text.splitlines():
        line = _clean_markdown(raw)
        if not line:
            continue
        match = _ARTICLE_HEADING.match(line)
        if match:
            if heading:
                paragraphs.append(heading)
            heading = match.group(1) + (match.group(2) or "")
            continue
        paragraphs.append(f"{heading} {line}" if heading else line)
        heading = ""
    if heading:
        paragraphs.append(heading)
    return paragraphs


@cache
def _records(path: Path, split: str) -> tuple[dict, ...]:
    if not path.is_file():
        raise CorporaMissing(f"{path}: real-text corpus file not found (see ../shared/corpora/README.md)")
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        records = (json.loads(line) for line in handle)
        return tuple(r for r in records if r.get("split") == split)


def _english_paragraphs(split: str) -> list[str]:
    paragraphs: list[str] = []
    for path in sorted(LICENCE_DIR.glob("*")):
        if not path.is_file():
            continue
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
            paragraph = " ".join(block.split())
            letters = sum(c.isalpha() for c in paragraph)
            if len(paragraph) < 80 or letters < 0.75 * len(paragraph) or not paragraph.isascii():
                continue
            is_dev = zlib.crc32(paragraph.encode()) % 5 == 0
            if is_dev == (split == "dev"):
                paragraphs.append(paragraph)
    return sorted(set(paragraphs))


def load_real_text(corpora: Path, split: Split = "dev", seed: int = 0, documents: int = 200) -> RealText:
    """Real text from the corpora folder: ``documents`` bills and as many statutes, drawn by ``seed``.

    Raises ``CorporaMissing`` naming the file when the folder or a corpus file is not there.
    """
    if split not in ("train", "dev"):
        raise ValueError(f"split must be 'train' or 'dev', not {split!r}")
    if not corpora.is_dir():
        raise CorporaMissing(f"{corpora}: the real-text corpora folder is missing (see ../shared/corpora/README.md)")
    rng = random.Random(f"{split}:{seed}")
    bills = _records(corpora / "kr-bills.jsonl.xz", split)
    laws = _records(corpora / "kr-laws.jsonl.xz", split)
    chosen_bills = rng.sample(bills, min(documents, len(bills)))
    chosen_laws = rng.sample(laws, min(documents, len(laws)))
    docs: list[tuple[str, ...]] = []
    for record in chosen_bills:
        paragraphs = tuple(p.strip() for p in record["text"].splitlines() if p.strip())
        if paragraphs:
            docs.append(paragraphs)
    statutes: list[Statute] = []
    for record in chosen_laws:
        paragraphs = _statute_paragraphs(record["text"])
        if len(paragraphs) < 3:
            continue
        docs.append(tuple(paragraphs))
        meta = record.get("meta", {})
        amended = _AMENDED.findall(record["text"])
        last = max((d.split(",")[-1].strip() for d in amended), default="", key=_date_key)
        ministries = meta.get("all_ministries") or ["-"]
        statutes.append(
            Statute(
                title=meta.get("title") or paragraphs[0],
                kind=meta.get("doc_form") or record["labels"].get("law_type", ""),
                ministry=ministries[0],
                provisions=tuple(p for p in paragraphs[1:] if _PROVISION.match(p)),
                last_amended=last.rstrip("."),
            )
        )
    if split == "train":
        constitution = corpora / "kr-constitution.txt"
        if not constitution.is_file():
            raise CorporaMissing(f"{constitution}: real-text corpus file not found")
        lines = [" ".join(line.split()) for line in constitution.read_text(encoding="utf-8").splitlines()]
        docs.append(tuple(line for line in lines if line))
    rng.shuffle(docs)
    english = _english_paragraphs(split)
    rng.shuffle(english)
    return RealText(split=split, documents=tuple(docs), statutes=tuple(statutes), english=tuple(english))


def hanja_paragraphs(text: RealText) -> RealText:
    """``text`` with only the paragraphs that carry Hanja (glosses such as 선지급(先支給), mostly in
    statutes): pages drawn from it carry Hanja on most lines."""
    documents = tuple(
        kept for doc in text.documents if (kept := tuple(p for p in doc if any(char_class(c) == "hanja" for c in p)))
    )
    return RealText(split=text.split, documents=documents, statutes=text.statutes, english=text.english)


def _date_key(date: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", date))


# --- drawing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A word to draw; a filler token is drawn but is not text."""

    text: str
    filler: bool = False


@dataclass
class _Sheet:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    dpi: int
    margin: int

    @classmethod
    def new(cls, dpi: int, landscape: bool = False, colour: bool = False) -> _Sheet:
        width, height = (round(side * dpi) for side in A4_INCHES)
        if landscape:
            width, height = height, width
        image = Image.new("RGB" if colour else "L", (width, height), "white")
        return cls(image, ImageDraw.Draw(image), dpi, round(0.75 * dpi))

    def px(self, points: float) -> int:
        return round(points * self.dpi / 72)

    @property
    def bottom(self) -> int:
        return self.image.height - self.margin

    @property
    def right(self) -> int:
        return self.image.width - self.margin


def _tokens(text: str) -> list[Token]:
    return [Token(word) for word in text.split()]


def _wrap(
    draw: ImageDraw.ImageDraw, tokens: Sequence[Token], font: ImageFont.FreeTypeFont, width: int
) -> list[list[Token]]:
    """Tokens into lines no wider than ``width``; a word wider than a line is broken between characters."""
    lines: list[list[Token]] = []
    current: list[Token] = []

    def fits(candidate: list[Token]) -> bool:
        return draw.textlength(" ".join(t.text for t in candidate), font=font) <= width

    for token in tokens:
        if fits([*current, token]):
            current.append(token)
            continue
        if current:
            lines.append(current)
        current = []
        if fits([token]):
            current = [token]
            continue
        piece = ""
        for char in token.text:
            if piece and not fits([Token(piece + char)]):
                lines.append([Token(piece, token.filler)])
                piece = ""
            piece += char
        current = [Token(piece, token.filler)]
    if current:
        lines.append(current)
    return lines


def _line_text(line: Sequence[Token]) -> str:
    return " ".join(t.text for t in line if not t.filler)


def _draw_line(sheet: _Sheet, x: int, y: int, line: Sequence[Token], font: ImageFont.FreeTypeFont) -> None:
    sheet.draw.text((x, y), " ".join(t.text for t in line), font=font, fill="black")


def _paragraph_stream(text: RealText, font: Font, rng: random.Random) -> Iterable[str]:
    """Paragraphs of one document after another, from a random start, skipping what the font can't draw."""
    order = list(range(len(text.documents)))
    rng.shuffle(order)
    for index in order:
        for paragraph in text.documents[index]:
            if covers(font, paragraph):
                yield paragraph


def _english_stream(text: RealText, font: Font, rng: random.Random) -> Iterable[str]:
    order = list(text.english)
    rng.shuffle(order)
    yield from (p for p in order if covers(font, p))


def _flow(sheet: _Sheet, paragraphs: Iterable[str], font: ImageFont.FreeTypeFont, columns: int, top: int) -> list[str]:
    """Running text in ``columns`` columns filled top to bottom, left first; the drawn lines in reading order."""
    gutter = sheet.px(22)
    width = (sheet.right - sheet.margin - (columns - 1) * gutter) // columns
    line_height = round(font.size * 1.6)
    drawn: list[str] = []
    source = iter(paragraphs)
    for column in range(columns):
        x = sheet.margin + column * (width + gutter)
        y = top
        while y + line_height <= sheet.bottom:
            paragraph = next(source, None)
            if paragraph is None:
                return drawn
            for line in _wrap(sheet.draw, _tokens(paragraph), font, width):
                if y + line_height > sheet.bottom:
                    break
                _draw_line(sheet, x, y, line, font)
                drawn.append(_line_text(line))
                y += line_height
            y += line_height // 3
    return drawn


def _title(sheet: _Sheet, title: str, font: ImageFont.FreeTypeFont, y: int) -> int:
    """A centred title line; returns the y below it."""
    width = sheet.draw.textlength(title, font=font)
    sheet.draw.text(((sheet.image.width - width) / 2, y), title, font=font, fill="black")
    return y + round(font.size * 2.2)


@dataclass
class _Cell:
    tokens: list[Token]
    align: str = "left"  # "left" or "center"


def _table(
    sheet: _Sheet,
    rows: Sequence[Sequence[_Cell]],
    widths: Sequence[float],
    font: ImageFont.FreeTypeFont,
    top: int,
    shade: Sequence[str | int | tuple[int, int, int] | None],
    header_rows: int = 1,
) -> list[str]:
    """A ruled grid: every cell boxed, a row's height that of its tallest cell; rows that do not fit
    are not drawn. Returns the ground-truth lines of the rows drawn (cells joined with " | ")."""
    pad = max(2, round(font.size * 0.35))
    line_height = round(font.size * 1.35)
    total = sum(widths)
    span = sheet.right - sheet.margin
    xs = [sheet.margin]
    for w in widths:
        xs.append(xs[-1] + round(span * w / total))
    y = top
    drawn: list[str] = []
    rule = max(1, sheet.px(0.6))
    for number, row in enumerate(rows):
        wrapped = [_wrap(sheet.draw, cell.tokens, font, xs[i + 1] - xs[i] - 2 * pad) for i, cell in enumerate(row)]
        height = max(len(lines) for lines in wrapped) * line_height + 2 * pad
        if y + height > sheet.bottom:
            break
        if shade[number] is not None:
            sheet.draw.rectangle((xs[0], y, xs[-1], y + height), fill=shade[number])
        for i, (cell, lines) in enumerate(zip(row, wrapped, strict=True)):
            ly = y + pad
            for line in lines:
                x = xs[i] + pad
                if cell.align == "center":
                    used = sheet.draw.textlength(" ".join(t.text for t in line), font=font)
                    x = round(xs[i] + (xs[i + 1] - xs[i] - used) / 2)
                _draw_line(sheet, x, ly, line, font)
                ly += line_height
        for x in xs:
            sheet.draw.line((x, y, x, y + height), fill="black", width=rule)
        sheet.draw.line((xs[0], y, xs[-1], y), fill="black", width=rule * (2 if number <= header_rows else 1))
        sheet.draw.line((xs[0], y + height, xs[-1], y + height), fill="black", width=rule)
        y += height
        cells = [" ".join(_line_text(line) for line in lines).strip() for lines in wrapped]
        drawn.append(" | ".join(cells))
    return drawn


def _shades(rng: random.Random, rows: int, colour: bool) -> list[str | int | tuple[int, int, int] | None]:
    """The header shaded; body rows banded or picked out in a light grey or colour."""
    palette: list[int | tuple[int, int, int]] = (
        [(221, 235, 247), (255, 242, 204), (226, 239, 218)] if colour else [235, 225]
    )
    header: int | tuple[int, int, int] = (189, 215, 238) if colour else 210
    style = rng.choice(("banded", "some"))
    fill = rng.choice(palette)
    body = [
        fill if (style == "banded" and n % 2 == 1) or (style == "some" and rng.random() < 0.2) else None
        for n in range(rows - 1)
    ]
    return [header, *body]


# --- layouts -----------------------------------------------------------------------------------


def _plain(sheet: _Sheet, text: RealText, font: Font, rng: random.Random, columns: int) -> list[str]:
    body = font.load(sheet.px(rng.choice((10.0, 10.5, 11.0))))
    return _flow(sheet, _paragraph_stream(text, font, rng), body, columns, sheet.margin)


def _bill(sheet: _Sheet, text: RealText, font: Font, rng: random.Random) -> list[str]:
    """A 신·구조문대비표: title, header 현 행 | 개 정 안, provisions with fillers where unchanged."""
    statutes = [s for s in text.statutes if len(s.provisions) >= 3 and covers(font, s.title + "".join(s.provisions))]
    if not statutes:
        statutes = [s for s in text.statutes if len(s.provisions) >= 3]
    statute = rng.choice(statutes)
    filler = rng.choice(FILLER_CHARS)
    title_font = font.load(sheet.px(13))
    body = font.load(sheet.px(rng.choice((9.5, 10.0))))
    title = f"{statute.title} 일부개정법률안 신·구조문대비표"
    drawn = [title] if covers(font, title) else []
    y = _title(sheet, title, title_font, sheet.margin) if drawn else sheet.margin
    rows: list[list[_Cell]] = [[_Cell(_tokens("현 행"), "center"), _Cell(_tokens("개 정 안"), "center")]]
    others = [p for s in text.statutes for p in s.provisions[:3]]
    for provision in statute.provisions[:14]:
        if not covers(font, provision):
            continue
        current = provision if len(provision) < 220 else provision[:220].rsplit(" ", 1)[0]
        rows.append(_bill_row(current, filler, rng, others, font))
    return [*drawn, *_table(sheet, rows, (1, 1), body, y, [230, *([None] * (len(rows) - 1))])]


def _bill_row(current: str, filler: str, rng: random.Random, others: Sequence[str], font: Font) -> list[_Cell]:
    """One row of a 신·구조문대비표: unchanged (현행과 같음), newly inserted (신 설), or changed, the
    unchanged stretches of the proposal drawn as filler runs."""
    match = _LEAD.match(current)
    lead = match.group(0) if match else ""
    kind = rng.choices(("changed", "same", "new"), weights=(6, 2, 1))[0]
    if kind == "same":
        return [_Cell(_tokens(current)), _Cell(_tokens(f"{lead} (현행과 같음)".strip()))]
    if kind == "new":
        return [_Cell(_tokens("<신 설>"), "center"), _Cell(_tokens(current))]
    replacement = [w for w in rng.choice(others).split() if covers(font, w) and not _LEAD.match(w)] or ["다음"]
    words = current[len(lead) :].split()
    proposed: list[Token] = _tokens(lead)
    run = 0  # characters of unchanged text since the last change
    for word in words:
        if rng.random() < 0.12:
            if run:
                proposed.append(_filler(filler, run))
                run = 0
            proposed.append(Token(rng.choice(replacement)))
        else:
            run += len(word) + 1
    if run:
        proposed.append(_filler(filler, run))
    return [_Cell(_tokens(current)), _Cell(proposed)]


def _filler(char: str, replaced: int) -> Token:
    """A filler run about as wide as the ``replaced`` characters of Hangul it stands for."""
    return Token(char * min(40, max(4, 2 * replaced)), filler=True)


def _statute_rows(statutes: Sequence[Statute], font: Font, wide: bool) -> list[list[_Cell]]:
    rows = []
    for s in statutes:
        cells = [s.title, s.kind, s.ministry, f"{len(s.provisions)}", s.last_amended or "-"]
        if wide:
            cells.append(s.provisions[0] if s.provisions else "-")
        if covers(font, "".join(cells)):
            rows.append([_Cell(_tokens(c), "left" if i in (0, 5) else "center") for i, c in enumerate(cells)])
    return rows


def _korean_table(sheet: _Sheet, text: RealText, font: Font, rng: random.Random, wide: bool) -> list[str]:
    """A ruled list of statutes (15–40 rows, header and some rows shaded); wide adds each one's first article."""
    headers = ["법령명", "구분", "소관 부처", "조문 수", "최종 개정"] + (["제1조"] if wide else [])
    widths = (30, 9, 16, 8, 12, 60) if wide else (44, 11, 20, 9, 16)
    pool = list(text.statutes)
    rng.shuffle(pool)
    rows = _statute_rows(pool[: rng.randint(15, 40 if not wide else 20)], font, wide)
    ministry = " ".join(t.text for t in rows[0][2].tokens) if rows else ""
    title = f"{ministry} 소관 법령 현황" if ministry else "소관 법령 현황"
    y = _title(sheet, title, font.load(sheet.px(13)), sheet.margin)
    body = font.load(sheet.px(rng.choice((8.5, 9.0)) if wide else rng.choice((9.0, 9.5))))
    header = [_Cell(_tokens(h), "center") for h in headers]
    colour = sheet.image.mode == "RGB"
    return [title, *_table(sheet, [header, *rows], widths, body, y, _shades(rng, len(rows) + 1, colour))]


def _item_name(rng: random.Random, paragraphs: Sequence[str]) -> str:
    words = [w.strip(".,;:()\"'") for w in rng.choice(paragraphs).split()]
    words = [w for w in words if w.isalpha() and len(w) > 2]
    start = rng.randrange(max(1, len(words) - 4))
    return " ".join(words[start : start + rng.randint(2, 4)]).capitalize() or "Item"


def _english_table(sheet: _Sheet, text: RealText, font: Font, rng: random.Random) -> list[str]:
    """A price list: one ruled table of 40–70 rows; item names are real English words."""
    rows_wanted = rng.randint(40, 70)
    size = min(10.0, (sheet.bottom - sheet.margin) * 72 / sheet.dpi / (rows_wanted + 4) / (1.35 + 0.7))
    body = font.load(sheet.px(size))
    title = f"Price List {rng.choice(('January', 'April', 'July', 'October'))} {rng.randint(2019, 2025)}"
    y = _title(sheet, title, font.load(sheet.px(13)), sheet.margin)
    headers = ["Item", "Code", "Unit", "Qty", "Unit price", "Amount"]
    paragraphs = [p for p in text.english if covers(font, p)]
    rows = [[_Cell(_tokens(h), "center") for h in headers]]
    for _ in range(rows_wanted):
        qty = rng.randint(1, 250)
        price = rng.randint(50, 99_999) / 100
        cells = [
            _item_name(rng, paragraphs),
            f"{rng.choice('ABCDEFGHKMPRSTX')}{rng.choice('ABCDEFGHKMPRSTX')}-{rng.randint(100, 9999)}",
            rng.choice(("each", "box", "pack", "set", "m", "kg")),
            str(qty),
            f"{price:,.2f}",
            f"{qty * price:,.2f}",
        ]
        rows.append([_Cell(_tokens(c), "left" if i == 0 else "center") for i, c in enumerate(cells)])
    colour = sheet.image.mode == "RGB"
    table = _table(sheet, rows, (34, 13, 9, 8, 14, 16), body, y, _shades(rng, len(rows), colour))
    return [title, *table]


def _english_columns(sheet: _Sheet, text: RealText, font: Font, rng: random.Random) -> list[str]:
    columns = rng.choice((2, 3))
    body = font.load(sheet.px(10.0 if columns == 2 else 9.0))
    return _flow(sheet, _english_stream(text, font, rng), body, columns, sheet.margin)


# --- damage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Degradation:
    """What was done to a page after drawing (all zero for a clean page)."""

    preset: str = "clean"
    angle: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    salt_pepper: float = 0.0
    shading: float = 0.0
    faint: float = 0.0  # share of the ink's darkness lost (0: full black)
    jpeg_quality: int | None = None


def degradation_preset(preset: str, dpi: int, seed: int) -> Degradation:
    """A scanner's damage by name: ``"clean"`` (none) or ``"degraded"`` (skew ±2°, blur, noise,
    speckle, uneven shading, faint print and JPEG q35–60, drawn by ``seed``; blur scales with DPI)."""
    if preset == "clean":
        return Degradation()
    if preset != "degraded":
        raise ValueError(f"unknown degradation {preset!r}; known: {', '.join(DEGRADATIONS)}")
    rng = random.Random(f"degrade:{seed}")
    return Degradation(
        preset=preset,
        angle=round(rng.uniform(-2.0, 2.0), 2),
        blur=round(rng.uniform(0.4, 0.9) * dpi / 300, 2),
        noise=round(rng.uniform(4.0, 10.0), 1),
        salt_pepper=round(rng.uniform(0.0, 0.002), 4),
        shading=round(rng.uniform(0.05, 0.3), 2),
        faint=round(rng.choice((0.0, rng.uniform(0.15, 0.4))), 2),
        jpeg_quality=rng.randint(35, 60),
    )


def apply_degradation(image: Image.Image, damage: Degradation, seed: int) -> Image.Image:
    """``damage`` applied to ``image`` (greyscale out); faint print first, then the scanner's damage."""
    if damage.preset == "clean":
        return image
    out = image.convert("L")
    if damage.faint:
        ink = 255 - np.asarray(out, dtype=np.float32)
        out = Image.fromarray(np.clip(255 - ink * (1 - damage.faint), 0, 255).astype(np.uint8))
    return degrade(
        out,
        seed=seed,
        angle=damage.angle,
        noise=damage.noise,
        blur=damage.blur,
        jpeg_quality=damage.jpeg_quality,
        shading=damage.shading,
        salt_pepper=damage.salt_pepper,
    )


# --- pages -------------------------------------------------------------------------------------


@dataclass
class RealPage:
    """A drawn page and exactly the text on it (see the module docstring for the conventions)."""

    image: Image.Image
    text: str
    dpi: int
    layout: str
    font: Font
    degradation: Degradation
    seed: int
    split: str
    turn: int = 0  # degrees the finished page was turned (counter-clockwise), as a scan fed sideways

    def meta(self) -> dict[str, object]:
        """What a ``gt.jsonl`` line carries besides the image and text."""
        return {
            "layout": self.layout,
            "font": self.font.name,
            "font_group": self.font.group,
            "dpi": self.dpi,
            "degradation": self.degradation.preset,
            "damage": asdict(self.degradation),
            "seed": self.seed,
            "split": self.split,
            "turn": self.turn,
            "language": "en" if self.layout in ENGLISH_LAYOUTS else "ko",
        }


def render_real_page(
    text: RealText,
    font: Font,
    dpi: int = 300,
    layout: str = "plain",
    degradation: str = "clean",
    seed: int = 0,
    turn: int = 0,
) -> RealPage:
    """An A4 page (landscape for ``"landscape"``) of real text in ``font`` at ``dpi``.

    ``layout`` is one of ``LAYOUTS``; ``degradation`` one of ``DEGRADATIONS``; ``turn`` (0, 90, 180,
    270) turns the finished page as a sheet fed into the scanner sideways or upside down.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    if turn not in (0, 90, 180, 270):
        raise ValueError("turn must be 0, 90, 180 or 270")
    rng = random.Random(f"{layout}:{font.name}:{dpi}:{seed}")
    colour = layout in ("table", "landscape", "en-table") and rng.random() < 0.5
    sheet = _Sheet.new(dpi, landscape=layout == "landscape", colour=colour)
    if layout == "plain":
        lines = _plain(sheet, text, font, rng, 1)
    elif layout == "two-column":
        lines = _plain(sheet, text, font, rng, 2)
    elif layout == "bill":
        lines = _bill(sheet, text, font, rng)
    elif layout in ("table", "landscape"):
        lines = _korean_table(sheet, text, font, rng, wide=layout == "landscape")
    elif layout == "en-table":
        lines = _english_table(sheet, text, font, rng)
    else:
        lines = _english_columns(sheet, text, font, rng)
    damage = degradation_preset(degradation, dpi, seed)
    image = apply_degradation(sheet.image, damage, seed)
    if turn:
        image = image.rotate(turn, expand=True, fillcolor="white")
    truth = "\n".join(line for line in lines if line.strip())
    return RealPage(image, truth, dpi, layout, font, damage, seed, text.split, turn)


def write_page_set(pages: Iterable[RealPage], folder: Path) -> Path:
    """Pages as ``p001.png``… (with their DPI) and ``gt.jsonl`` in ``folder``; returns the gt path.

    Each gt line is ``{"image": "p001.png", "text": ..., **page.meta()}``, what ``munseo evaluate
    ocr`` reads.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for number, page in enumerate(pages, 1):
        name = f"p{number:03d}.png"
        buffer = io.BytesIO()
        page.image.save(buffer, format="PNG", dpi=(page.dpi, page.dpi))
        (folder / name).write_bytes(buffer.getvalue())
        lines.append(json.dumps({"image": name, "text": page.text, **page.meta()}, ensure_ascii=False))
    gt = folder / "gt.jsonl"
    gt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gt
