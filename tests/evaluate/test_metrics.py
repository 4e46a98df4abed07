"""OCR text metrics: CER with and without whitespace, look-alike middle dots, table separators,
errors by character class, word recall as multisets, and table rows found."""

from __future__ import annotations

import pytest

from munseo.evaluate.metrics import (
    cer,
    char_class,
    class_errors,
    comparable_text,
    table_rows_kept,
    word_matches,
    word_recall,
)


def test_cer_counts_edits_over_the_reference_and_can_ignore_whitespace() -> None:
    assert cer("대한민국", "대한민국") == 0.0
    assert cer("대한민국", "대한민극") == pytest.approx(0.25)
    assert cer("대한 민국", "대한민국") == 0.0
    assert cer("대한 민국", "대한민국", ignore_whitespace=False) == pytest.approx(1 / 5)
    assert cer("", "") == 0.0 and cer("", "잡음") == 1.0
    # decomposed jamo and the statutes' ㆍ read as what a page shows
    assert cer("국가ㆍ지방", "국가·지방") == 0.0
    assert cer("한", "\u1112\u1161\u11ab") == 0.0


def test_table_separators_are_layout_not_text() -> None:
    assert comparable_text("성명 | 직위\t소속") == "성명   직위 소속"
    assert comparable_text("a|b") == "a|b"  # a bar inside a word is text


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("가", "hangul"),
        ("A", "latin"),
        ("7", "digit"),
        ("①", "symbol"),
        ("「", "symbol"),
        ("法", "hanja"),
        ("ㄱ", "other"),
    ],
)
def test_characters_fall_in_their_class(char: str, expected: str) -> None:
    assert char_class(char) == expected


def test_errors_are_counted_against_the_class_of_the_character_read_or_missed() -> None:
    errors = class_errors("제1조 ① 목적", "제7조 목적X")
    assert errors.reference["hangul"] == 4 and errors.reference["digit"] == 1 and errors.reference["symbol"] == 1
    assert errors.errors["digit"] == 1  # 1 read as 7
    assert errors.errors["symbol"] == 1  # ① missed
    assert errors.errors["latin"] == 1  # X inserted
    assert errors.rate("hangul") == 0.0 and errors.rate("hanja") is None
    total = errors + class_errors("가", "나")
    assert total.errors["hangul"] == 1 and total.reference["hangul"] == 5


def test_word_recall_matches_words_as_a_multiset() -> None:
    assert word_matches("법 법 개정", "법 개정") == (2, 3)
    assert word_recall("법 법 개정", "법 개정") == pytest.approx(2 / 3)
    assert word_recall("", "아무것도") == 1.0


def test_a_table_row_is_kept_when_its_longest_cell_is_read() -> None:
    reference = "품목 | 가격\n사과 | 1,000\n배추 | 2,500\n제목 줄"
    assert table_rows_kept(reference, "품목 가격 사과 1,000") == (2, 3)
    assert table_rows_kept(reference, "품목 가격 사과 1,000 배츄 2,500", threshold=50) == (3, 3)
    # A short first cell read with look-alike brackets does not lose a row that was read.
    bill = "<신 설> | ② 제1항에 따라 수사대상이 되는 공직자는"
    assert table_rows_kept(bill, "(신설) | ② 제1항에 따라 수사대상이 되는 공직자는") == (1, 1)
    assert table_rows_kept(bill, "(신설)") == (0, 1)
