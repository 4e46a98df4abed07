"""What every builder draws on: one seed gives one document's choices, a bill's amendments become
the 신ㆍ구조문대비표 (one row per article, omitted articles spanned) and the enacted text."""

from __future__ import annotations

import random

from munseo.synth import INSTITUTIONS
from munseo.synth.content import Context
from munseo.synth.content.common import amendments, bill_text, comparison_table
from munseo.synth.difficulty import difficulty
from munseo.synth.layout import Para


def _context(seed: int) -> Context:
    return Context(random.Random(seed), INSTITUTIONS[2], difficulty("realistic"))


def test_one_seed_one_set_of_choices() -> None:
    first, again, other = _context(4), _context(4), _context(5)
    assert (first.date, first.topic, first.length) == (again.date, again.topic, again.length)
    assert first.bill() == again.bill()
    assert [_context(s).date for s in range(8)] != [first.date] * 8 and other.bill() != _context(4).bill()


def test_amendments_make_the_comparison_table_and_the_enacted_text() -> None:
    for seed in range(10):
        ctx = _context(seed)
        bill = ctx.bill()
        changes = amendments(ctx, bill, 3)
        assert changes and [c.number for c in changes] == sorted(c.number for c in changes)
        table = comparison_table(ctx, changes, omissions=False)
        assert len(table.rows) == 1 + len(changes) and table.header == 1
        paragraphs = [block for block in bill_text(ctx, bill, changes) if isinstance(block, Para)]
        joined = "\n".join("".join(span.text for span in p.spans) for p in paragraphs)
        assert bill.act in joined and "부    칙" in joined and "시행한다" in joined
