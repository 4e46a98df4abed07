"""Properties of the text cleaning rules, for any text Hypothesis can make up."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from munseo.text import document_text
from munseo.text.clean import PAGE_SEPARATOR, clean_page_text

# Korean and Latin letters, digits, the punctuation of real pages, and what OCR and PDFs add:
# controls, zero-width characters, odd spaces, decomposed jamo, form feeds.
ALPHABET = st.sampled_from(
    list("가나다라마법률안제조항위원회ㄱㅏ")
    + list("abcXYZ019")
    + list(" \n\t\r-—_=|·.,:;()[]「」①○□~")
    + ["\u1100", "\u1161", "\u11a8", "\u200b", "\ufeff", "\u00a0", "\u3000", "\x00", "\x0c", "\x7f", "\u00ad"]
)
TEXT = st.text(ALPHABET, max_size=300)


def _letters(text: str) -> list[str]:
    """The letters and digits of a text, in order (what cleaning must never lose or reorder)."""
    return [c for c in unicodedata.normalize("NFC", text) if c.isalnum() and c != "ㆍ"]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_cleaning_keeps_every_letter_in_order_and_leaves_no_debris(raw: str) -> None:
    clean = clean_page_text(raw)
    invisible = {"\u200b", "\ufeff", "\u00ad"} | {chr(c) for c in (*range(0x20), 0x7F)} - {"\n", "\r", "\t"}
    assert _letters(clean) == _letters("".join(c for c in raw if c not in invisible))
    assert clean == unicodedata.normalize("NFC", clean)
    assert clean == clean.strip()
    assert "  " not in clean and "\n\n\n" not in clean
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in clean)
    assert not any(c in clean for c in "\u200b\ufeff\u00a0\u3000\u00ad")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_cleaning_twice_changes_nothing(raw: str) -> None:
    once = clean_page_text(raw)
    assert clean_page_text(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_document_text_splits_back_into_its_cleaned_pages(pages: list[str]) -> None:
    assert document_text(pages).split(PAGE_SEPARATOR) == [clean_page_text(p) for p in pages]
