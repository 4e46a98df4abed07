"""Full-text search on a real slice of the bill corpus, on SQLite and PostgreSQL: Korean words found
inside longer words, phrases, numbers, filters, ranking, the page of a hit, and rebuilding."""

from __future__ import annotations

import json
import lzma
import re
import unicodedata

import pytest
import sqlalchemy

from munseo.store import search
from munseo.store.documents import DocumentFilter, NewPage
from munseo.store.repository import Store
from munseo.store.search import MeanLength, Search, pages_mean_length
from munseo.text.analysis import WordAnalyzer
from tests.conftest import fresh_postgres_database
from tests.corpus import CORPORA

BILLS = 40


def _bills() -> list[str]:
    texts = []
    with lzma.open(CORPORA / "kr-bills.jsonl.xz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["split"] == "dev":
                texts.append(record["text"])
            if len(texts) == BILLS:
                return texts
    raise AssertionError("the bill corpus has too few dev bills")


def _page(number: int, text: str) -> NewPage:
    return NewPage(number, 1000, 1400, 300, "text-layer", text, text, [], 0.95, None)


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@pytest.fixture
def corpus(store: Store) -> dict[int, str]:
    """Real bills stored as two-page documents; id → whole text."""
    docs = {}
    for n, text in enumerate(_bills()):
        half = len(text) // 2
        doc_id = _stored(store, n, [text[:half], text[half:]], "batch-a" if n % 2 else "batch-b")
        docs[doc_id] = text
    return docs


def _stored(store: Store, n: int, pages: list[str], client_ref: str | None = None) -> int:
    """A processed document of these pages' texts; its id."""
    doc_id = store.documents.start(
        sha256=f"{n:064d}",
        filename=f"bill-{n}.pdf",
        mime="application/pdf",
        size=1,
        page_count=len(pages),
        original_path="/x",
        client_ref=client_ref,
    )
    store.documents.finish(doc_id, [_page(i, text) for i, text in enumerate(pages, 1)], "".join(pages))
    return doc_id


def _found(store: Store, query: str, where: DocumentFilter | None = None) -> list[int]:
    total, hits = store.search.find(query, where, limit=100)
    assert total == len(hits)
    return [h.document_id for h in hits]


@pytest.mark.parametrize("word", ["위원회", "지원", "개정", "국민"])
def test_a_korean_word_finds_every_document_holding_it_inside_longer_words(
    store: Store, corpus: dict[int, str], word: str
) -> None:
    """위원회 finds 위원회는 and 정무위원회: exactly the documents whose text holds the word."""
    holding = {d for d, text in corpus.items() if word in text}
    assert holding, "the slice must hold the word"
    assert set(_found(store, word)) == holding
    # Whitespace words, the baseline, miss most of them: the word mostly comes with particles.
    words = Search(store.sessions, WordAnalyzer())
    words.rebuild()
    assert len(words.find(word, limit=100)[1]) < len(holding)


def test_a_quoted_phrase_finds_the_words_together(store: Store, corpus: dict[int, str]) -> None:
    doc_id, text = next(iter(corpus.items()))
    phrase = " ".join(text.split()[10:13])
    found = _found(store, f'"{phrase}"')
    assert doc_id in found
    assert all(_flat(phrase) in _flat(corpus[d]) for d in found)


def test_numbers_and_all_words_of_a_query_must_match(store: Store, corpus: dict[int, str]) -> None:
    years = [
        y for y in ("2020", "2019", "2021", "2018") if any(re.search(rf"(?<!\d){y}(?!\d)", t) for t in corpus.values())
    ]
    year = years[0]
    with_year = {d for d, t in corpus.items() if re.search(rf"(?<!\d){year}(?!\d)", t)}
    assert set(_found(store, year)) == with_year
    both = {d for d in with_year if "법률" in corpus[d]}
    assert set(_found(store, f"{year} 법률")) == both


def test_filters_narrow_the_results(store: Store, corpus: dict[int, str]) -> None:
    everything = _found(store, "위원회")
    batch_a = _found(store, "위원회", DocumentFilter(client_ref="batch-a"))
    assert batch_a and set(batch_a) < set(everything)
    assert all(n % 2 for n in (list(corpus).index(d) for d in batch_a))
    assert _found(store, "위원회", DocumentFilter(status="failed")) == []


def test_a_documents_own_words_rank_it_first_and_the_hit_names_its_page(store: Store, corpus: dict[int, str]) -> None:
    for doc_id, text in list(corpus.items())[:10]:
        half = len(text) // 2
        words = text[half:].split()[5:11]  # from page 2
        query = " ".join(words)
        _, hits = store.search.find(query, limit=5)
        assert hits and hits[0].document_id == doc_id, query
        assert hits[0].page == 2
        assert 2 in store.search.pages(doc_id, query)


def test_ranking_weighs_how_often_a_phrase_stands_against_the_pages_length(store: Store) -> None:
    """BM25 on both databases: of pages holding every phrase, more mentions rank higher, with
    diminishing returns, and a long page mentioning a phrase once ranks below a short one."""
    filler = " ".join(_bills()[:3])  # real text without the query's words
    assert "전세사기" not in filler and "임차인" not in filler
    texts = {
        "short, twice each": "전세사기 피해 임차인 보호. 전세사기 임차인 지원.",
        "long, once each": f"전세사기 임차인 {filler}",
        "long, ten times one phrase": f"{'전세사기 ' * 10}임차인 {filler}",
        "long, three times each": f"{'전세사기 임차인 ' * 3}{filler}",
    }
    ids = {_stored(store, n, [text]): name for n, (name, text) in enumerate(texts.items())}
    _, hits = store.search.find("전세사기 임차인")
    assert [ids[h.document_id] for h in hits] == [
        "short, twice each",
        "long, three times each",  # 3 + 3 mentions outrank 10 + 1: a phrase's weight saturates
        "long, ten times one phrase",
        "long, once each",
    ]


def test_pagination_and_rebuild_give_the_same_ranking(store: Store, corpus: dict[int, str]) -> None:
    total, first = store.search.find("법", limit=5)
    second_total, second = store.search.find("법", offset=5, limit=5)
    assert total > 10 and not {h.document_id for h in first} & {h.document_id for h in second}
    # every page says how many match, a page past the last match too
    assert second_total == total and store.search.find("법", offset=total + 5, limit=5) == (total, [])
    assert total == len(store.search.find("법", limit=total + 10)[1])
    assert store.search.find("없는낱말", offset=5) == (0, [])
    before = store.search.find("국민 지원", limit=100)
    assert store.search.rebuild() == len(corpus)
    assert store.search.find("국민 지원", limit=100) == before
    assert store.search.size() == 2 * len(corpus)


def test_a_document_read_again_or_failed_leaves_the_index(store: Store, corpus: dict[int, str]) -> None:
    doc_id, text = next(iter(corpus.items()))
    word = text.split()[20]
    store.documents.start(
        sha256=f"{0:064d}", filename="bill-0.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
    )
    assert doc_id not in _found(store, word, DocumentFilter())
    store.documents.finish(doc_id, [_page(1, "보라색 코끼리의 문서")], "보라색 코끼리의 문서")
    assert _found(store, "보라색 코끼리") == [doc_id]


def test_empty_and_punctuation_only_queries_find_nothing(store: Store, corpus: dict[int, str]) -> None:
    assert store.search.find("") == (0, [])
    assert store.search.find(' "" ... ') == (0, [])


@pytest.mark.postgres
def test_the_mean_page_length_is_read_from_a_sample_of_a_large_index(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's BM25 needs the pages' mean length: on a large index it is read from a block
    sample, not from every page, and still comes out right."""
    store = Store(fresh_postgres_database(postgres_url))
    try:
        doc_id = store.documents.start(
            sha256="f" * 64, filename="big.pdf", mime="application/pdf", size=1, page_count=1, original_path="/x"
        )
        with store.sessions.begin() as session:
            assert pages_mean_length(session) == MeanLength(1.0, 0)  # an empty index
            # 30,000 pages of 1–40 distinct terms, cycling: a mean of exactly 20.5
            session.execute(
                sqlalchemy.text(
                    "INSERT INTO search_pages (document_id, page, terms) SELECT :doc, g, to_tsvector('simple', "
                    "array_to_string(ARRAY(SELECT 'w' || i FROM generate_series(0, g % 40) AS i), ' ')) "
                    "FROM generate_series(1, 30000) AS g"
                ),
                {"doc": doc_id},
            )
        with store.sessions.begin() as session:
            whole = pages_mean_length(session)  # 30,000 pages, under twice the sample: every page
            assert whole == MeanLength(20.5, 30_000)
            session.execute(sqlalchemy.text("ANALYZE search_pages"))
            assert pages_mean_length(session) == whole  # with the planner's row count too
            monkeypatch.setattr(search, "MEAN_LENGTH_SAMPLE", 3_000)
            sampled = pages_mean_length(session)
            assert 0 < sampled.pages < 10_000 and abs(sampled.mean - 20.5) < 1.5
    finally:
        store.close()
