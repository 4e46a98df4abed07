"""Snippets with highlights, and the word boxes a search marks on a page."""

from __future__ import annotations

from munseo.text.highlight import matching_boxes, snippet, spans


def test_spans_find_words_inside_longer_ones_case_insensitively_and_merge_overlaps() -> None:
    text = "정무위원회는 Banking Act를 심사하였다. 위원회의 의견"
    assert [text[s:e] for s, e in spans(text, ["위원회", "banking"])] == ["위원회", "Banking", "위원회"]
    assert spans("위원회", ["위원", "회"]) == [(0, 3)]  # touching matches are one highlight
    assert spans("아무것", []) == []


def test_a_snippet_is_cut_around_the_first_match_with_offsets_of_its_own() -> None:
    text = "가" * 300 + " 전세사기 피해자 지원 " + "나" * 300
    shown, marks = snippet(text, ["전세사기"], width=100)
    assert shown.startswith("…") and shown.endswith("…") and len(shown) <= 102
    assert [shown[s:e] for s, e in marks] == ["전세사기"]
    shown, marks = snippet("첫 줄\n둘째 줄", ["없는말"])
    assert shown == "첫 줄 둘째 줄" and marks == []


def test_matching_boxes_take_words_that_hold_a_query_word_or_are_a_piece_of_one() -> None:
    blocks = [
        {"lines": [{"words": [
            {"text": "전세", "bbox": [0, 0, 10, 10]},
            {"text": "사기", "bbox": [12, 0, 22, 10]},
            {"text": "정무위원회는", "bbox": [30, 0, 90, 10]},
            {"text": "및", "bbox": [95, 0, 100, 10]},
        ]}]}
    ]  # fmt: skip
    assert matching_boxes(blocks, ["전세사기"]) == [[0, 0, 10, 10], [12, 0, 22, 10]]
    assert matching_boxes(blocks, ["위원회"]) == [[30, 0, 90, 10]]
    assert matching_boxes(blocks, ["및은"]) == []
