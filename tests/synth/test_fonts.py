"""Fonts: every character a generated document draws has a glyph in its font."""

from __future__ import annotations

from munseo.synth.fonts import FONTS, missing_glyphs
from tests.synth.common import one_of_each, pages_of


def test_every_character_has_a_glyph() -> None:
    for doc_type, label, seed in one_of_each():
        for level in ("easy", "hard"):
            for page in pages_of(doc_type, label, seed, level):
                for line in page.lines:
                    for run in line.runs:
                        assert run.font in FONTS
                        assert not missing_glyphs(run.text, run.font), (doc_type, run.text)
