"""Search analysis: the terms a text is indexed under and what a query looks for."""

from __future__ import annotations

import pytest

from munseo.text.analysis import (
    ANALYZERS,
    Phrase,
    encode,
    get_analyzer,
    parse_query,
    query_words,
)


def test_bigrams_cover_hangul_and_keep_numbers_and_latin_words_whole() -> None:
    bigram = get_analyzer("bigram")
    assert bigram.terms("정무위원회는 3,200억원 Banking Act") == [
        "정무", "무위", "위원", "원회", "회는", "3", "200", "억원", "banking", "act",
    ]  # fmt: skip
    assert bigram.terms("시·도 법") == ["시", "도", "법"]


def test_a_query_word_is_a_phrase_of_its_pieces_so_it_matches_inside_longer_words() -> None:
    bigram = get_analyzer("bigram")
    phrase = bigram.phrase("위원회")
    assert phrase == Phrase(("위원", "원회"))
    terms = bigram.terms("정무위원회는")
    joined = " ".join(terms)
    assert " ".join(phrase.terms) in joined
    assert bigram.phrase("법") == Phrase(("법",), prefix=True)
    assert bigram.phrase("...") is None


def test_trigrams_and_query_words_shorter_than_a_piece() -> None:
    trigram = get_analyzer("trigram")
    assert trigram.terms("정무위원회 전세 법") == ["정무위", "무위원", "위원회", "전세", "법"]
    assert trigram.phrase("위원회는") == Phrase(("위원회", "원회는"))
    assert trigram.phrase("전세") == Phrase(("전세",), prefix=True)  # the start of 전세사기's piece
    assert trigram.phrase("2206267") == Phrase(("2206267",))


def test_quoted_words_stay_together_and_empty_parts_drop() -> None:
    bigram = get_analyzer("bigram")
    phrases = parse_query('"전세 사기" 피해자 ""', bigram)
    assert phrases == [Phrase(("전세", "사기")), Phrase(("피해", "해자"))]
    assert query_words('"전세 사기" 피해자!') == ["전세", "사기", "피해자"]


def test_word_and_morpheme_analyzers() -> None:
    assert get_analyzer("word").terms("위원회는, (법률)") == ["위원회는", "법률"]
    morphemes = get_analyzer("morpheme").terms("위원회는 법률을 개정하였다")
    assert "위원회" in morphemes and "법률" in morphemes and "는" not in morphemes
    with pytest.raises(ValueError, match="known: bigram, trigram, word, morpheme"):
        get_analyzer("soundex")
    assert set(ANALYZERS) == {"bigram", "trigram", "word", "morpheme"}


def test_encoded_terms_are_ascii_words_and_prefixes_stay_prefixes() -> None:
    assert encode("법률").isascii() and encode("법률").isalnum()
    assert encode("법률").startswith(encode("법"))
    assert encode("ab") != encode("a b")
