"""Page layout: lines fit their frame and break only where Korean allows, justified to the right
edge; a long table splits across pages with its header repeated and no line lost; a heading keeps
with what follows it; page numbers, running headers, bottom blocks, seals and underlines land where
they belong."""

from __future__ import annotations

from collections import Counter

import pytest

from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO, char_width
from munseo.synth.layout import (
    _NO_LINE_END,
    _NO_LINE_START,
    UNDERLINE_END,
    UNDERLINE_START,
    Bottom,
    Cell,
    Gap,
    Page,
    PageBreak,
    PageTemplate,
    Seal,
    Stamp,
    Stroke,
    Style,
    Table,
    layout,
    para,
)

BODY = Style(MYEONGJO, 11.0, 1.6, "justify")
SENTENCE = "국회는 2024년 11월 15일 제418회 정기회 제12차 본회의를 열어 법률안 27건을 의결하였다(원안가결 19건). "


def test_lines_fit_their_frame_and_break_only_where_korean_allows() -> None:
    long = "대한민국국회사무처입법조사처예산정책처"  # longer than a line
    text = f"{SENTENCE}「{long}」의 보고서(「의안」·「회의록」)를 {long}에 제출하였다."
    for width in range(150, 260, 3):  # every break position falls somewhere in the sweep
        lines = layout([para(text, BODY)], PageTemplate(width=width + 80, left=40, right=40, footer=None))[0].lines
        position = 0
        for number, line in enumerate(lines):
            assert text.startswith(line.text, position), (width, line.text)  # in order, nothing lost
            position += len(line.text)
            assert line.text[0] not in _NO_LINE_START and line.text[-1] not in _NO_LINE_END, (width, line.text)
            assert line.bbox[0] > 39 and line.bbox[2] < width + 41, (width, line.text)
            if position < len(text) and text[position] != " ":  # a word broken between syllables
                head, tail = line.text.split()[-1], lines[number + 1].text.split()[0]
                assert len(head) >= 2 and sum(c.isalnum() for c in tail) >= 2, (width, head, tail)
            while position < len(text) and text[position] == " ":
                position += 1
        assert position == len(text)
    # Justified: every line but the last ends at the right edge of the frame.
    wide = layout([para(SENTENCE * 3, BODY)], PageTemplate(footer=None))[0].lines
    assert all(line.bbox[2] == pytest.approx(wide[0].bbox[2], abs=0.01) for line in wide[:-1])
    assert wide[0].bbox[2] == pytest.approx(PageTemplate().width - PageTemplate().right, abs=1)
    assert wide[-1].bbox[2] < wide[0].bbox[2] - 20


def test_a_long_table_splits_across_pages_with_its_header_repeated() -> None:
    cell = Style(MYEONGJO, 10.0, 1.5, "left")
    header = tuple(Cell((para(text, cell),), 0.85) for text in ("번호", "의안명", "제안자"))

    def row(*texts: str) -> tuple[Cell, ...]:
        return tuple(Cell((para(text, cell),)) for text in texts)

    rows = [row(str(n), f"국회법 일부개정법률안 제{n}호", "위원장") for n in range(1, 41)]
    # A row taller than what is left of its page: its lines go on on the next one.
    rows.insert(30, row("30-1", SENTENCE * 25, "정부"))
    table = Table((1, 5, 3), (header, *rows), header=1)
    template = PageTemplate(footer=None)
    pages = layout([para("의안 목록", cell), table], template)
    tall = layout([para("의안 목록", cell), table], PageTemplate(height=100_000, footer=None))[0]
    assert len(pages) >= 3
    body: Counter[str] = Counter()
    for page in pages:
        texts = [line.text for line in page.lines]
        start = 1 if page is pages[0] else 0
        assert texts[start : start + 3] == ["번호", "의안명", "제안자"]  # the header opens every page's table
        body.update(texts[start + 3 :])
        assert all(template.top <= ln.bbox[1] and ln.bbox[3] <= template.height - template.bottom for ln in page.lines)
        fills = [g for g in page.graphics if not isinstance(g, Stroke)]
        assert len(fills) == 3 and all(fill.gray == 0.85 for fill in fills)  # the header's shading
    tall_texts = [line.text for line in tall.lines]
    assert body == Counter(tall_texts[4:])  # no line lost, none drawn twice
    long = set(tall_texts[tall_texts.index("30-1") + 1 : tall_texts.index("정부")])
    split = [page for page in pages if any(line.text in long for line in page.lines)]
    assert len(split) == 2  # the tall row was split, not pushed whole to a page of its own


def test_a_heading_keeps_with_the_lines_that_follow_it() -> None:
    template = PageTemplate()
    line = BODY.size * BODY.leading
    heading = Style(GOTHIC_BOLD, 14.0, 1.5, "left", before=10)
    # Room at the bottom of page 1 for the heading and one line of what follows, not two.
    room = 10 + 14 * 1.5 + line + 5
    gap = template.height - template.bottom - template.top - line - room

    def pages_with(keep: bool) -> list[Page]:
        title = para("제2장 심사경과", heading, keep=keep)
        return layout([para("첫 줄", BODY), Gap(gap), title, para(SENTENCE * 4, BODY)], template)

    kept, loose = pages_with(True), pages_with(False)
    assert "제2장 심사경과" not in kept[0].text and kept[1].lines[0].text == "제2장 심사경과"
    assert "제2장 심사경과" in loose[0].text  # without keep it would have stayed alone at the bottom


def test_page_numbers_running_header_bottom_block_seal_and_underline_land_where_they_belong() -> None:
    template = PageTemplate(header=("국회 회의록", "{n}"))
    underlined = f"이 법은 {UNDERLINE_START}공포한 날부터{UNDERLINE_END} 시행한다."
    blocks = [
        para("본문", BODY),
        PageBreak(),
        PageBreak(),  # a second break on a fresh page makes no empty page
        para(underlined, BODY.but(align="left")),
        Bottom((para("국회사무처장", Style(GOTHIC_BOLD, 14.0, 1.5, "center")),)),
        Seal("국회사무처장인", 50.0, 3),
    ]
    pages = layout(blocks, template)
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert page.lines[-1].text == f"- {number} -" and page.lines[-1].bbox[1] > template.height - template.bottom
    assert [line.text for line in pages[0].lines[:-1]] == ["본문"]  # no running header on the first page
    second = pages[1]
    assert [line.text for line in second.lines[:2]] == ["국회 회의록", "2"] and second.lines[1].bbox[2] > 500
    # The bottom block sits at the foot of the frame; the seal over the end of its line.
    signature = second.lines[-2]
    assert signature.text == "국회사무처장" and signature.bbox[3] > template.height - template.bottom - 25
    (stamp,) = [g for g in second.graphics if isinstance(g, Stamp)]
    assert signature.bbox[1] < stamp.y + stamp.size / 2 < signature.bbox[3]
    assert stamp.x < signature.bbox[2] < stamp.x + stamp.size
    # The underline runs under "공포한 날부터" only.
    text_line = next(line for line in second.lines if line.text.startswith("이 법은"))
    (underline,) = [g for g in second.graphics if isinstance(g, Stroke) and g.width == 0.5 and g.y0 > template.top]
    run = text_line.runs[0]
    start = run.x + sum(char_width(run.font, c) * run.size for c in "이 법은 ")
    end = start + sum(char_width(run.font, c) * run.size for c in "공포한 날부터")
    assert underline.x0 == pytest.approx(start, abs=0.01) and underline.x1 == pytest.approx(end, abs=0.01)
    assert text_line.baseline < underline.y0 < text_line.bbox[3]
