"""The element tree: a table row's text keeps its cells apart, boxes unite, confidences average,
pages join into a document, and the tree survives a round trip through JSON (as the store keeps it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from munseo.elements import (
    CELL_SEPARATOR,
    Block,
    BlockKind,
    DocumentResult,
    Line,
    PageResult,
    PageSource,
    Word,
    union_bbox,
)


def _word(text: str, x: int, confidence: float = 0.9, cell: int | None = None) -> Word:
    return Word(text=text, bbox=(x, 10, x + 40, 30), confidence=confidence, cell=cell)


def test_a_table_row_keeps_its_cells_apart_and_a_line_its_words() -> None:
    plain = Line(bbox=(0, 10, 200, 30), words=[_word("제1조", 0, 0.8), _word("(목적)", 50, 0.6)])
    assert plain.text == "제1조 (목적)" and plain.confidence == pytest.approx(0.7)
    placed = (("구분", 0, 0), ("현행", 100, 1), ("개정안", 200, 2), ("-", 250, 2))
    row = Line(
        bbox=(0, 10, 300, 30),
        words=[_word(text, x, cell=c) for text, x, c in placed],
        cells=[(0, 10, 90, 30), (95, 10, 190, 30), (195, 10, 300, 30)],
    )
    assert row.text == CELL_SEPARATOR.join(["구분", "현행", "개정안 -"])
    empty_cell = Line(bbox=(0, 10, 300, 30), words=[_word("현행", 100, cell=1)], cells=[(0, 10, 90, 30)] * 3)
    assert empty_cell.text == CELL_SEPARATOR.join(["", "현행", ""])  # an empty cell still holds its place
    assert Line(bbox=(0, 0, 1, 1), words=[]).confidence == 0.0


def test_boxes_unite_and_pages_join_and_survive_json() -> None:
    assert union_bbox([(10, 20, 30, 40), (5, 25, 50, 35)]) == (5, 20, 50, 40)
    block = Block(bbox=(0, 0, 300, 60), lines=[Line(bbox=(0, 10, 90, 30), words=[_word("국회", 0)])] * 2)
    assert block.text == "국회\n국회" and block.kind is BlockKind.TEXT
    page = PageResult(
        number=1, width=300, height=400, dpi=300, source=PageSource.OCR, text="국회\n국회", blocks=[block]
    )
    assert [w.text for w in page.words] == ["국회", "국회"]
    document = DocumentResult(pages=[page, page.model_copy(update={"number": 2, "text": "끝"})])
    assert document.text == "국회\n국회\n\n끝"
    assert PageResult.model_validate_json(page.model_dump_json()) == page
    with pytest.raises(ValidationError):
        Word(text="x", bbox=(0, 0, 1, 1), confidence=1.5)  # confidences are 0–1
