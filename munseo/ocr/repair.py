"""Put back characters the Korean models cannot write, from their context.

No Korean model Debian ships can output the middle dot ·, the circled paragraph numbers ①–⑳,
the bullets ○ and □, the range sign ∼ or a reliable 「 (``../shared/ocr-notes.md``); together they
are 2–3% of the characters of real bill and statute text. Tesseract writes a look-alike instead, and
each look-alike is put back only where the context leaves no doubt:

- ``middle-dot``: ``:``, ``-``, ``.``, `````, ``*`` between two Hangul syllables of one word → ``·``
  (심의:의결 → 심의·의결; Korean never joins two syllables with those); a lone ``.``, `````, ``、``
  or ``ㆍ`` between two Hangul words → ``·`` joining them (지정 . 개발 → 지정·개발).
- ``circled-number``: the number read from the glyph itself (``circled``: a ring with digits
  inside) where a word that may be one starts a paragraph; otherwise ``@`` (or ``0``, ``0)``,
  ``©``, ``®`` on a page with articles) where a paragraph of an article starts — at the start of
  a line, or after the closing parenthesis of an article heading ``제3조(목적)`` — → the next
  circled number of that article (①, ②, …).
- ``bullet``: a lone ``0``, ``O``, ``o``, ``ㅇ``, ``©`` at the start of a line before Hangul → ``○``;
  a lone ``디``, ``니``, ``ㅁ``, ``口`` there → ``□``.
- ``range``: ``~`` (or ``”``) between two numbers → ``∼``.
- ``circled-number`` also: a bare digit starting a line of an article, when it is the paragraph
  number due next (2 after ①).
- ``quote``: ``』`` after Hangul → ``」``; ``"`` or ``'`` before Hangul where a ``」`` closes later on
  the line → ``「``; a doubled ``「'`` or ``」』`` → one bracket. While a 「 is open, a ``,``, ``;``,
  ``.``, ``]`` or ``』`` right after the end of a law's name (법, 법률, 령, 규칙, 규정, 조례) and
  before more text → ``」``, and a missing ``」`` is put back where the name runs into 제N조, 에,
  의, 을, 과 or ``(이하``.
- ``filler``: what is left of a filler run the page clean-up did not erase (a scan too blurred):
  a word of only dashes and dots, two or more (``---``, ``-—-``, ``··``, ``ㆍㆍㆍ``), or a lone dash
  among the words of a table cell, is dropped (a cell holding nothing but ``-`` says "none" and
  keeps it).
- ``bracket``: a ``(`` opening an amendment note (``(개정``, ``(신설``, ``(신 설)``) → ``<``, and a ``)``
  closing a number or 신설 where a ``<`` is open (``<개정 2020.1.1)``, ``<신설)``) → ``>``.

Rules were written against text from the ``train`` split of the real corpora, rendered and read by
munseo; ``benchmarks/bench_ocr_real.py`` reports on the ``dev`` split and on fonts held out.
Every change is recorded (``Repair``) so a reviewer can see what was put back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from munseo.elements import BBox, Block, Line, Repair, Word, union_bbox
from munseo.ocr.circled import CIRCLED as _CIRCLED

_HANGUL = "\uac00-\ud7a3"
_MIDDLE_DOT = re.compile(rf"(?<=[{_HANGUL}])[:\-.`*](?=[{_HANGUL}])")
_RANGE = re.compile(r"(?<=\d)\s?[~”]\s?(?=\d)")
_CLOSE_QUOTE = re.compile(rf"(?<=[{_HANGUL}])』")
_DOUBLE_OPEN = re.compile(r"「['\"]")
_DOUBLE_CLOSE = re.compile(r"」』")
_ANGLE_CLOSE = re.compile(r"(?<=[\d설])\)$")
# Statutes note an amendment in angle brackets (<개정 2020.1.1>, 신·구조문대비표 <신 설>), never in
# parentheses: in the corpora "<개정 " occurs 41,386 times and "(개정 " not once.
_ANGLE_OPEN = re.compile(r"^\((?=(?:전문|타법)?개정(?:$|\d)|(?:본조)?신설(?:$|\d|\))|신$)")
# The end of a law's name, and what may follow a closing bracket there.
_TITLE_END = "[법률령칙정례]"  # last syllable of 법, 법률, 령, 규칙, 규정, 조례
_MISREAD_CLOSE = re.compile(rf"(?<={_TITLE_END})[,;.\]』](?=[{_HANGUL}(]|\s|$)")
_MISSING_CLOSE = re.compile(rf"(?<={_TITLE_END})(?=제\d|에|의|을|과|\(이하)")
_OPEN_QUOTE = re.compile(rf"^['\"](?=[{_HANGUL}])")
_ARTICLE = re.compile(r"제\d+조(?:의\d+)?")
_HEADING_END = re.compile(r"\)$")
# Look-alikes of a circled number that starts a paragraph; the first only counts on any page, the
# rest only on a page with article headings (elsewhere a leading 0 is more likely a bullet).
_CIRCLED_ANYWHERE = re.compile(rf"^(@\)?|®)(?=$|[{_HANGUL}])")
_CIRCLED_IN_ARTICLE = re.compile(rf"^(@\)?|®|©|0\)?|\(1)(?=$|[{_HANGUL}])")
# What a circled number may have been read as, checked against the glyph when the page is at hand.
_GLYPH_CANDIDATE = re.compile(rf"^(?:[@®©]{{1,2}}\)?|0\)?|\(1|\(?\d{{1,2}}\)?)(?=$|[{_HANGUL}])")
_FILLER_WORD = re.compile(r"^[-—–=·ㆍ‧・.…_~]{2,}$")
_LONE_DASHES = {"-", "—", "–", "=", "_"}
_LONE_DOTS = {".", "`", "、", "ㆍ", "·", "‧", "・"}
_ENDS_HANGUL = re.compile(rf"[{_HANGUL}]$")
_STARTS_HANGUL = re.compile(rf"^[{_HANGUL}]")
_CIRCLE_BULLET = {"0", "O", "o", "ㅇ", "©", "ㅇ©"}
_SQUARE_BULLET = {"디", "니", "ㅁ", "口"}


class _Context:
    """What the rules need to know beyond one word: the article's last paragraph number (per table
    column: the 현행 and 개정안 columns of a 신·구조문대비표 number their paragraphs apart), and
    whether a 「 is open."""

    def __init__(self, articles: bool, circled: Callable[[BBox], str | None] | None) -> None:
        self.articles = articles
        self.circled = circled
        self.paragraphs: dict[int | None, int] = {}
        self.column: int | None = None
        self.open_bracket = False
        self.open_angle = False

    @property
    def paragraph(self) -> int:
        return self.paragraphs.get(self.column, 0)

    @paragraph.setter
    def paragraph(self, value: int) -> None:
        self.paragraphs[self.column] = value


def _close_bracket(word: str) -> str:
    """Within a word, the first law-name end after an open 「 (or with none before it) gets its 」."""
    start = word.rfind("「") + 1
    head, tail = word[:start], word[start:]
    if "」" in tail:
        return word
    fixed = _MISREAD_CLOSE.sub("」", tail, count=1)
    if fixed == tail:
        fixed = _MISSING_CLOSE.sub("」", tail, count=1)
    return head + fixed


def _repair_word(word: Word, first: bool, after_heading: bool, line: str, ctx: _Context) -> tuple[str, list[str]]:
    rules: list[str] = []
    text = out = word.text
    for rule, pattern, replacement in (
        ("middle-dot", _MIDDLE_DOT, "·"),
        ("range", _RANGE, "∼"),
        ("quote", _CLOSE_QUOTE, "」"),
        ("quote", _DOUBLE_OPEN, "「"),
        ("quote", _DOUBLE_CLOSE, "」"),
    ):
        new = pattern.sub(replacement, out)
        if new != out:
            rules.append(rule)
            out = new
    rest = _CLOSE_QUOTE.sub("」", line[line.find(text) + 1 :])  # as this pass leaves it: 』 after Hangul is 」
    if _OPEN_QUOTE.search(out) and "」" in rest:
        out = "「" + out[1:]
        rules.append("quote")
    if ctx.open_bracket or "「" in out:
        closed = _close_bracket(out)
        if closed != out:
            out = closed
            rules.append("quote")
    for char in out:
        if char in "「」":
            ctx.open_bracket = char == "「"
    if _ANGLE_OPEN.match(out):
        out = "<" + out[1:]
        rules.append("bracket")
        ctx.open_angle = True
    if ctx.open_angle and _ANGLE_CLOSE.search(out):
        out = out[:-1] + ">"
        rules.append("bracket")
    for char in out:
        if char in "<>":
            ctx.open_angle = char == "<"
    if first or after_heading:
        candidate = _GLYPH_CANDIDATE.match(out) if ctx.circled else None
        # Right after an article heading the paragraph is always the first: no glyph need be read.
        seen = ctx.circled(word.bbox) if ctx.circled and candidate and not after_heading else None
        circled = (_CIRCLED_IN_ARTICLE if ctx.articles else _CIRCLED_ANYWHERE).match(out)
        due = str(ctx.paragraph + 1)
        if seen and candidate:
            out = seen + out[candidate.end() :]
            rules.append("circled-number")
        elif ctx.articles and out in (due, f"{due})", f"({due}") and ctx.paragraph < len(_CIRCLED):
            out = _CIRCLED[ctx.paragraph]
            rules.append("circled-number")
        elif circled and ctx.paragraph < len(_CIRCLED):
            out = _CIRCLED[ctx.paragraph] + out[circled.end() :]
            rules.append("circled-number")
        elif first and out in _CIRCLE_BULLET:
            out = "○"
            rules.append("bullet")
        elif first and out in _SQUARE_BULLET:
            out = "□"
            rules.append("bullet")
    return out, rules


def repair_blocks(
    blocks: list[Block], circled: Callable[[BBox], str | None] | None = None
) -> tuple[list[Block], list[Repair]]:
    """The blocks with look-alikes put back, and each change made.

    ``circled`` reads the circled number whose glyph starts at a word box (``circled_reader``);
    without it, circled numbers are counted from the article heading.
    """
    lines = [line for block in blocks for line in block.lines]
    ctx = _Context(any(_ARTICLE.search(line.text) for line in lines), circled)
    repairs: list[Repair] = []
    out_blocks = []
    for block in blocks:
        out_lines = [_repair_line(line, ctx, repairs) for line in block.lines]
        out_blocks.append(block.model_copy(update={"lines": out_lines}))
    return out_blocks, repairs


def _starts_line(words: list[Word], i: int) -> bool:
    """Whether word ``i`` begins a line of text: the line's first word, the first of a table cell, or
    the first of a cell's next line (it starts left of and below the word before it)."""
    if i == 0:
        return True
    word, prev = words[i], words[i - 1]
    if word.cell != prev.cell:
        return True
    return word.bbox[0] < prev.bbox[0] and word.bbox[1] >= prev.bbox[3] - (prev.bbox[3] - prev.bbox[1]) // 2


def _repair_line(line: Line, ctx: _Context, repairs: list[Repair]) -> Line:
    text = line.text
    words: list[Word] = []
    heading = False
    row_number: int | None = None  # the paragraph number starting the row's first cell
    for i, word in enumerate(line.words):
        first = _starts_line(line.words, i)
        ctx.column = word.cell
        if first:
            heading = bool(_ARTICLE.match(word.text))
            if heading:
                ctx.paragraph = 0
            elif word.cell and (i == 0 or line.words[i - 1].cell != word.cell) and row_number:
                # The columns of a 신·구조문대비표 row speak of the same paragraph.
                ctx.paragraph = row_number - 1
        after_heading = heading and not first and bool(_HEADING_END.search(line.words[i - 1].text))
        new, rules = _repair_word(word, first, after_heading, text, ctx)
        for circled in (c for c in new if c in _CIRCLED):
            ctx.paragraph = _CIRCLED.index(circled) + 1
            if not word.cell and row_number is None:
                row_number = ctx.paragraph
        if _FILLER_WORD.match(new) or (word.cell is not None and new in _LONE_DASHES and _shares_cell(line, word)):
            repairs.append(Repair(rule="filler", before=word.text, after=""))
            continue
        if new != word.text:
            repairs.append(Repair(rule=",".join(dict.fromkeys(rules)), before=word.text, after=new))
            word = word.model_copy(update={"text": new})
        words.append(word)
    return line.model_copy(update={"words": _join_lone_dots(words, repairs)})


def _shares_cell(line: Line, word: Word) -> bool:
    """Whether other words stand in the word's table cell (a cell holding only "-" means "none")."""
    return sum(1 for w in line.words if w.cell == word.cell) > 1


def _join_lone_dots(words: list[Word], repairs: list[Repair]) -> list[Word]:
    out: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        if (
            word.text in _LONE_DOTS
            and out
            and i + 1 < len(words)
            and out[-1].cell == words[i + 1].cell
            and _ENDS_HANGUL.search(out[-1].text)
            and _STARTS_HANGUL.match(words[i + 1].text)
        ):
            before, after = out[-1], words[i + 1]
            text = f"{before.text}·{after.text}"
            repairs.append(Repair(rule="middle-dot", before=f"{before.text} {word.text} {after.text}", after=text))
            chars = len(before.text) + len(after.text)
            confidence = (before.confidence * len(before.text) + after.confidence * len(after.text)) / chars
            joined = {"text": text, "bbox": union_bbox([before.bbox, after.bbox]), "confidence": confidence}
            out[-1] = before.model_copy(update=joined)
            i += 2
            continue
        out.append(word)
        i += 1
    return out
