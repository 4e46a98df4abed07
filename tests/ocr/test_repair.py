"""Repair of the characters the Korean models cannot write."""

from __future__ import annotations

import pytest

from munseo.elements import Block, Line, Word
from munseo.evaluate.metrics import cer
from munseo.evaluate.realpages import RealText, find_font, render_real_page
from munseo.ocr import ReadOptions, TesseractEngine, read_page
from munseo.ocr.repair import repair_blocks


def _line(*texts: str) -> Line:
    words = [Word(text=t, bbox=(100 * i, 0, 100 * i + 90, 30), confidence=0.9) for i, t in enumerate(texts)]
    return Line(bbox=(0, 0, 100 * len(texts), 30), words=words)


def _repaired(*lines: Line) -> list[str]:
    blocks, _ = repair_blocks([Block(bbox=(0, 0, 1000, 1000), lines=list(lines))])
    return [line.text for line in blocks[0].lines]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("심의:의결하기",)], ["심의·의결하기"]),
        ([("시-군-구의", "경우")], ["시·군·구의 경우"]),
        ([("지정", ".", "개발")], ["지정·개발"]),
        ([("제3조(목적)", "0)", "이", "법은"), ("@", "위원회는"), ("3", "위원장은")], None),
        ([("○", "x")], ["○ x"]),
        ([("0", "제안이유")], ["○ 제안이유"]),
        ([("디", "주요내용")], ["□ 주요내용"]),
        ([("기간은", "1~3년")], ["기간은 1∼3년"]),
        ([("10", "”", "20명")], ["10 ” 20명"]),
        ([('"개인정보', "보호법」제2조")], ["「개인정보 보호법」제2조"]),
        ([("「댐건설", "관리법』에")], ["「댐건설 관리법」에"]),
        ([("「지방재정법(이하",)], ["「지방재정법」(이하"]),
        ([("<개정", "2020.1.1)")], ["<개정 2020.1.1>"]),
        ([("현행과", "-----", "같음")], ["현행과 같음"]),
        ([("(개정", "2020.1.1)")], ["<개정 2020.1.1>"]),
        ([("(신설)",)], ["<신설>"]),
        ([("(신", "설)")], ["<신 설>"]),
        ([("(개정되는", "사항)")], ["(개정되는 사항)"]),
    ],
)
def test_repair_rules(lines: list[tuple[str, ...]], expected: list[str] | None) -> None:
    got = _repaired(*(_line(*words) for words in lines))
    if expected is None:  # the circled paragraph numbers of an article, in order
        assert got == ["제3조(목적) ① 이 법은", "② 위원회는", "③ 위원장은"]
    else:
        assert got == expected


@pytest.mark.parametrize(
    "words",
    [
        ("press@assembly.go.kr",),
        ("2020", "-", "2021"),
        ("다른", "법률에"),
        ("1.", "항만이란"),
        ("비고:", "별표"),
        ("0", "이", "법은"),  # a leading 0 on a page without articles is a bullet only before Hangul
    ],
)
def test_repair_leaves_ordinary_text_alone(words: tuple[str, ...]) -> None:
    got = _repaired(_line(*words))
    if words == ("0", "이", "법은"):
        assert got == ["○ 이 법은"]
    else:
        assert got == [" ".join(words)]


@pytest.mark.slow
def test_repair_is_recorded_and_can_be_turned_off(engine: TesseractEngine, text: RealText) -> None:
    page = render_real_page(text, find_font("Un Batang"), 200, "plain", "clean", seed=1)
    repaired = read_page(engine, page.image, page.dpi).result
    assert repaired.quality is not None and repaired.quality.repairs
    assert all(r.after in repaired.text for r in repaired.quality.repairs if r.rule != "filler")
    plain = read_page(engine, page.image, page.dpi, options=ReadOptions(repair=False)).result
    assert plain.quality is not None and not plain.quality.repairs
    assert cer(page.text, repaired.text) < cer(page.text, plain.text)


def _cells(*cells: tuple[str, ...]) -> Line:
    """A table row: each tuple is one cell's words."""
    words = [
        Word(text=t, bbox=(300 * c + 60 * i, 0, 300 * c + 60 * i + 50, 30), confidence=0.9, cell=c)
        for c, cell in enumerate(cells)
        for i, t in enumerate(cell)
    ]
    boxes = [(300 * c, 0, 300 * c + 290, 30) for c in range(len(cells))]
    return Line(bbox=(0, 0, 300 * len(cells), 30), words=words, cells=boxes)


def test_a_cell_holding_only_a_dash_keeps_it_and_filler_dashes_go() -> None:
    blocks, repairs = repair_blocks(
        [Block(bbox=(0, 0, 900, 30), lines=[_cells(("법률",), ("-",), ("현행과", "-", "같음"))])]
    )
    assert [w.text for w in blocks[0].lines[0].words] == ["법률", "-", "현행과", "같음"]
    assert [r.rule for r in repairs] == ["filler"]


def test_words_joined_by_a_middle_dot_stay_in_their_cell() -> None:
    """구조 ㆍ 구급 in the last cell of a row is one word of that cell, not a word with no cell (which
    the row's text put in its first cell); a dot between two cells joins nothing."""
    row = _cells(("119구조",), ("법률",), ("화재,", "구조", "ㆍ", "구급", "등의"))
    blocks, _ = repair_blocks([Block(bbox=(0, 0, 900, 30), lines=[row])])
    line = blocks[0].lines[0]
    assert line.text == "119구조 | 법률 | 화재, 구조·구급 등의"
    assert [w.cell for w in line.words] == [0, 1, 2, 2, 2]
    across = _cells(("소방청", "ㆍ"), ("구급",))
    blocks, _ = repair_blocks([Block(bbox=(0, 0, 600, 30), lines=[across])])
    assert [w.text for w in blocks[0].lines[0].words] == ["소방청", "ㆍ", "구급"]


def test_what_is_left_of_a_dotted_filler_goes() -> None:
    row = _cells(("제1조의3(정의)", "ㆍㆍㆍ", "및"))
    blocks, repairs = repair_blocks([Block(bbox=(0, 0, 900, 30), lines=[row])])
    assert blocks[0].lines[0].text == "제1조의3(정의) 및"
    assert [r.rule for r in repairs] == ["filler"]


def test_circled_numbers_come_from_the_glyph_where_it_can_be_read() -> None:
    """A page that starts in the middle of an article: counting would say ①, the glyph says ③; where
    the glyph cannot be read (None) the count goes on from the last number read."""
    glyphs = {0: "③", 1: None}

    def read(bbox: tuple[int, int, int, int]) -> str | None:
        return glyphs[bbox[1] // 100]

    lines = [
        Line(
            bbox=(0, 100 * n, 200, 100 * n + 30),
            words=[
                Word(text=t, bbox=(100 * i, 100 * n, 100 * i + 90, 100 * n + 30), confidence=0.9)
                for i, t in enumerate(words)
            ],
        )
        for n, words in enumerate([("@", "위원회는"), ("@", "위원장은")])
    ]
    blocks, repairs = repair_blocks([Block(bbox=(0, 0, 200, 200), lines=lines)], read)
    assert [line.text for line in blocks[0].lines] == ["③ 위원회는", "④ 위원장은"]
    assert {r.rule for r in repairs} == {"circled-number"}
