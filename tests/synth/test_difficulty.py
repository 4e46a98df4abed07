"""Difficulty levels: a harder level names the committee less and lets its own field dominate less."""

from __future__ import annotations

from munseo.synth import (
    DOC_TYPES,
    INSTITUTIONS,
)
from munseo.synth.vocab import institution
from tests.synth.common import pages_of


def _cue_rates(level: str, count: int = 56) -> tuple[float, float]:
    """Share of documents naming their committee, and share where their own field's terms dominate."""
    named = dominant = 0
    for i in range(count):
        label = INSTITUTIONS[1 + i % 7]
        text = "\n".join(page.text for page in pages_of(DOC_TYPES[i % 7], label, 500 + i, level))
        own = institution(label)
        others = [term for other in INSTITUTIONS if other != label for term in institution(other).terms]
        named += own.committee in text
        dominant += sum(text.count(term) for term in own.terms) > sum(text.count(term) for term in others)
    return named / count, dominant / count


def test_difficulty_weakens_the_institution_cues() -> None:
    easy_named, easy_dominant = _cue_rates("easy")
    hard_named, hard_dominant = _cue_rates("hard")
    assert easy_dominant >= 0.9 and hard_dominant <= 0.75
    assert easy_named >= hard_named + 0.15
