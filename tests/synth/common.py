"""What the synth tests share: a document laid out into pages, and one of each document type."""

from __future__ import annotations

import random

from munseo.synth import DOC_TYPES, INSTITUTIONS
from munseo.synth.content import BUILDERS, Context
from munseo.synth.content.common import Document
from munseo.synth.difficulty import difficulty
from munseo.synth.layout import Page, layout


def pages_of(doc_type: str, institution: str, seed: int, level: str = "realistic") -> list[Page]:
    context = Context(random.Random(seed), institution, difficulty(level))
    document = BUILDERS[doc_type](context)
    return layout(document.blocks, document.template)


def one_of_each() -> list[tuple[str, str, int]]:
    """Every document type once, institutions cycling, fixed seeds."""
    return [(doc_type, INSTITUTIONS[i % len(INSTITUTIONS)], 100 + i) for i, doc_type in enumerate(DOC_TYPES)]


def built(doc_type: str, seed: int, institution: str = INSTITUTIONS[0]) -> tuple[Document, str]:
    """A document of ``doc_type`` from its builder, and its text as laid out on its pages with every
    space and line break taken out (titles are letter-spaced, lines break anywhere)."""
    document = BUILDERS[doc_type](Context(random.Random(seed), institution, difficulty("realistic")))
    text = "".join(page.text for page in layout(document.blocks, document.template))
    return document, "".join(text.split())
