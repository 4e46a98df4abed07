"""Cleaning rules for page text. The raw text stays stored beside the cleaned text.

Rules, in order: Unicode NFC (Hangul from some PDFs arrives as decomposed jamo); control and
zero-width characters removed, odd spaces made plain; lines of OCR noise only (rules, dots, stray
bars) dropped; runs of spaces collapsed; a Latin word hyphenated across a line break joined;
runs of blank lines collapsed to one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A line holding only these is a ruling line, a border or speckle read as text.
_NOISE_LINE = re.compile(r"^[\s\-—–_=~|·.,:;'`\"^*°•ㆍ()\[\]{}<>/\\]*$")
_HYPHEN_JOIN = re.compile(r"([A-Za-z]{2,})-\n([a-z]{2,})")
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_page_text(raw: str) -> str:
    """One page's text, cleaned by the rules above."""
    # Invisible characters go before NFC: left in between, they keep a syllable's jamo apart.
    text = _CONTROL.sub("", raw.translate(_ZERO_WIDTH))
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_SPACES.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line and _NOISE_LINE.match(line):
            continue
        lines.append(line)
    text = _HYPHEN_JOIN.sub(r"\1\2", "\n".join(lines))
    return _BLANK_LINES.sub("\n\n", text).strip()


PAGE_SEPARATOR = "\n\f\n"


def merge_pages(pages: Sequence[str]) -> str:
    """The document text: cleaned pages in order, separated by a form feed line."""
    return PAGE_SEPARATOR.join(pages)


def document_text(raw_pages: Sequence[str]) -> str:
    """The text a document is stored, searched and classified by: its pages' raw text, in page
    order, each cleaned, then merged. Every entry point (jobs, ``munseo classify``, the
    synchronous endpoints) makes it with this function."""
    return merge_pages([clean_page_text(page) for page in raw_pages])
