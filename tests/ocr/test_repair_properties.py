"""Properties of the geometry helpers and the repair rules, for any lines Hypothesis makes up: the
rules only ever swap look-alikes or drop filler, never lose a Hangul syllable, never move a box
outside the line, and record every change."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from munseo.elements import Block, BlockKind, Line, Word, union_bbox
from munseo.ocr.repair import repair_blocks

BOX = st.tuples(st.integers(0, 2000), st.integers(0, 2000), st.integers(1, 300), st.integers(1, 100)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)
# Hangul that no rule rewrites (디 and 니 are square-bullet look-alikes), look-alikes, digits, brackets.
HANGUL = ["법", "률", "제", "조", "항", "심의", "의결", "개정", "목적", "이", "법률", "에", "의", "령"]
LOOK_ALIKES = [":", "-", ".", "`", "*", "~", "”", "@", "0", "O", "o", "ㅇ", "©", "®", "』", "「", "」", "'", '"']
OTHER = ["1", "2", "3", "2020", ")", "(", "<", ">", "---", "··", "—", "제1조", "제3조(목적)", "(이하"]
PIECES = st.sampled_from([*HANGUL, *LOOK_ALIKES, *OTHER])
WORD_TEXT = st.lists(PIECES, min_size=1, max_size=3).map("".join)


@st.composite
def lines(draw: st.DrawFn) -> Line:
    texts = draw(st.lists(WORD_TEXT, min_size=1, max_size=8))
    x, y = draw(st.integers(0, 500)), draw(st.integers(0, 3000))
    words = []
    for text in texts:
        width = 20 * len(text)
        words.append(Word(text=text, bbox=(x, y, x + width, y + 30), confidence=draw(st.floats(0, 1))))
        x += width + 10
    return Line(bbox=union_bbox([w.bbox for w in words]), words=words)


def _hangul(text: str) -> str:
    return "".join(c for c in text if "\uac00" <= c <= "\ud7a3")


@settings(max_examples=150, deadline=None)
@given(st.lists(BOX, min_size=1, max_size=20))
def test_union_bbox_is_the_smallest_box_holding_all(boxes: list[tuple[int, int, int, int]]) -> None:
    x0, y0, x1, y1 = union_bbox(boxes)
    assert all(x0 <= b[0] and y0 <= b[1] and b[2] <= x1 and b[3] <= y1 for b in boxes)
    assert x0 in {b[0] for b in boxes} and y0 in {b[1] for b in boxes}
    assert x1 in {b[2] for b in boxes} and y1 in {b[3] for b in boxes}


@settings(max_examples=400, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=4))
def test_repairs_keep_hangul_boxes_and_confidence_and_record_each_change(page: list[Line]) -> None:
    blocks = [Block(kind=BlockKind.TEXT, bbox=union_bbox([line.bbox for line in page]), lines=page)]
    repaired, repairs = repair_blocks(blocks)
    before = [line for block in blocks for line in block.lines]
    after = [line for block in repaired for line in block.lines]
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert _hangul(new.text) == _hangul(old.text)
        for word in new.words:
            assert union_bbox([word.bbox, old.bbox]) == old.bbox
            assert 0 <= word.confidence <= 1
        assert len(new.words) <= len(old.words)
    changed = [line.text for line in before] != [line.text for line in after]
    assert changed == bool(repairs)
    assert all(r.before != r.after for r in repairs)


@settings(max_examples=200, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=4))
def test_repairing_twice_changes_no_more(page: list[Line]) -> None:
    blocks = [Block(kind=BlockKind.TEXT, bbox=union_bbox([line.bbox for line in page]), lines=page)]
    once, _ = repair_blocks(blocks)
    twice, more = repair_blocks(once)
    assert [line.text for b in twice for line in b.lines] == [line.text for b in once for line in b.lines], more
