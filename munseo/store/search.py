"""Full-text search over the pages' text: the index, and the queries that rank documents by it.

One row per page holds the page's terms (``munseo.text.analysis``, encoded as ASCII words):

- SQLite: an FTS5 table ranked by BM25 (its ``rank`` column, ``bm25()`` by default); the row id
  is ``document_id * PAGE_SLOTS + page number``, so a document's rows are one id range.
- PostgreSQL: a ``tsvector`` column with a GIN index. PostgreSQL has no BM25 of its own, so a page
  scores BM25's sum over the query's phrases of a phrase's frequency, saturated and normalised by
  the page's length against the mean (FTS5's constants, k1 = 1.2, b = 0.75). A phrase's frequency
  is its un-normalised cover density (``ts_rank_cd``) times 10: each occurrence of the phrase's
  adjacent terms is one cover of weight 0.1. A page's length is its number of distinct terms. No
  idf: every phrase must match, so idf only weighs phrases against each other, and on 200 queries
  from the bills' train split it cost MRR (0.655 without, 0.640 with; ``ts_rank_cd`` alone: 0.591).

A document ranks by its best page, and a hit says which page that is. The index is written in the
transaction that stores a document's pages (``Documents.finish``), so a search never finds a
document whose pages are not there; ``rebuild`` (``munseo reindex``) writes it again from the
stored pages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Float, Integer, Select, Subquery, bindparam, false, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from munseo.store.base import Repository, Transaction
from munseo.store.models import Document, DocumentStatus, Page
from munseo.text.analysis import Analyzer, Phrase, encode, get_analyzer, parse_query

if TYPE_CHECKING:
    from munseo.store.documents import DocumentFilter

TABLE = "search_pages"
# Row ids of the SQLite index: a document's pages are document_id * PAGE_SLOTS + page number.
PAGE_SLOTS = 100_000
_BATCH = 200
K1, B = 1.2, 0.75  # BM25's constants, as SQLite's FTS5 has them
# PostgreSQL: the pages' mean length is read again at most this often per process, from a block
# sample of about this many pages when the index holds over twice as many (else from every page)
MEAN_LENGTH_SECONDS = 600.0
MEAN_LENGTH_SAMPLE = 20_000


def is_search_table(name: str | None) -> bool:
    """Tables of the index (with FTS5's own), which the ORM models do not describe."""
    return bool(name) and str(name).startswith(TABLE)


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    page: int  # the page that matches best
    score: float  # higher is better; comparable within one query and one database only


def _fts5_query(phrases: Sequence[Phrase]) -> str:
    parts = []
    for phrase in phrases:
        quoted = '"' + " ".join(encode(t) for t in phrase.terms) + '"'
        parts.append(f"{quoted} *" if phrase.prefix else quoted)
    return " AND ".join(parts)


def _tsquery(phrases: Sequence[Phrase]) -> str:
    parts = []
    for phrase in phrases:
        terms = [encode(t) for t in phrase.terms]
        if phrase.prefix:
            terms[-1] += ":*"
        parts.append("(" + " <-> ".join(terms) + ")")
    return " & ".join(parts)


@dataclass(frozen=True)
class MeanLength:
    mean: float  # distinct terms per page (1.0 for an empty index)
    pages: int  # the pages it was measured on


def pages_mean_length(session: Session) -> MeanLength:
    """PostgreSQL: the mean number of distinct terms of the indexed pages, on a block sample of
    about ``MEAN_LENGTH_SAMPLE`` pages when the planner's row count says the index holds over twice
    as many: reading every page's terms is a scan of the whole index table, which a search would
    wait for (BM25 needs only a mean that moves slowly)."""
    rows = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": TABLE})
    measured = f"SELECT avg(length(terms)), count(*) FROM {TABLE}"
    if rows is not None and rows > 2 * MEAN_LENGTH_SAMPLE:
        percent = 100.0 * MEAN_LENGTH_SAMPLE / float(rows)
        mean, pages = session.execute(
            text(f"{measured} TABLESAMPLE SYSTEM (CAST(:percent AS real))"), {"percent": percent}
        ).one()
        if pages:
            return MeanLength(float(mean), int(pages))
    mean, pages = session.execute(text(measured)).one()
    return MeanLength(float(mean) if pages else 1.0, int(pages))


class Search(Repository):
    def __init__(self, sessions: sessionmaker[Session], analyzer: Analyzer | None = None) -> None:
        super().__init__(sessions)
        self.analyzer = analyzer or get_analyzer()
        self._mean_length: tuple[float, float] | None = None  # (distinct terms per page, when read)

    def _dialect(self, session: Session) -> str:
        return session.get_bind().dialect.name

    def index(self, document_id: int, pages: Iterable[tuple[int, str]], tx: Transaction | None = None) -> None:
        """Index a document's pages (number, text), replacing what was indexed for it before."""
        rows = [(number, " ".join(encode(t) for t in self.analyzer.terms(page_text))) for number, page_text in pages]
        with self._write(tx) as session:
            self._remove(session, document_id)
            if not rows:
                return
            if self._dialect(session) == "sqlite":
                session.execute(
                    text(f"INSERT INTO {TABLE} (rowid, terms) VALUES (:id, :terms)"),
                    [{"id": document_id * PAGE_SLOTS + number, "terms": terms} for number, terms in rows],
                )
            else:
                session.execute(
                    text(
                        f"INSERT INTO {TABLE} (document_id, page, terms) "
                        "VALUES (:doc, :page, to_tsvector('simple', :terms))"
                    ),
                    [{"doc": document_id, "page": number, "terms": terms} for number, terms in rows],
                )

    def remove(self, document_id: int, tx: Transaction | None = None) -> None:
        """Take a document out of the index (its pages are being replaced, or it failed)."""
        with self._write(tx) as session:
            self._remove(session, document_id)

    def _remove(self, session: Session, document_id: int) -> None:
        if self._dialect(session) == "sqlite":
            session.execute(
                text(f"DELETE FROM {TABLE} WHERE rowid BETWEEN :low AND :high"),
                {"low": document_id * PAGE_SLOTS, "high": (document_id + 1) * PAGE_SLOTS - 1},
            )
        else:
            session.execute(text(f"DELETE FROM {TABLE} WHERE document_id = :doc"), {"doc": document_id})

    def _hits(self, session: Session, phrases: Sequence[Phrase]) -> Subquery:
        """A subquery of (document_id, page, score): each matching document once, at its best page."""
        if self._dialect(session) == "sqlite":
            ranked = (
                f"SELECT rowid / {PAGE_SLOTS} AS document_id, rowid % {PAGE_SLOTS} AS page, "
                f"-rank AS score FROM {TABLE} WHERE {TABLE} MATCH :match"
            )
            # SQLite gives a bare column the value of the row that max() picked: the best page.
            sql = f"SELECT document_id, page, max(score) AS score FROM ({ranked}) GROUP BY document_id"
            params = {"match": _fts5_query(phrases)}
        else:
            each = range(len(phrases))
            frequencies = "".join(f", ts_rank_cd(terms, q{i}, 0) * 10 AS tf{i}" for i in each)
            queries = "".join(f", to_tsquery('simple', :phrase{i}) AS q{i}" for i in each)
            # each phrase's frequency computed once per page: OFFSET 0 keeps PostgreSQL from
            # folding the inner query into the outer, which would compute it twice
            matching = (
                f"SELECT document_id, page, {1 - B} + {B} * length(terms) / :mean_length AS norm{frequencies} "
                f"FROM {TABLE}, to_tsquery('simple', :match) AS q{queries} WHERE terms @@ q OFFSET 0"
            )
            score = " + ".join(f"tf{i} * {K1 + 1} / (tf{i} + {K1} * norm)" for i in each)
            sql = (
                f"SELECT DISTINCT ON (document_id) document_id, page, {score} AS score "
                f"FROM ({matching}) AS matching ORDER BY document_id, score DESC"
            )
            params = {"match": _tsquery(phrases), "mean_length": self._pages_mean_length(session)}
            params |= {f"phrase{i}": _tsquery([phrase]) for i, phrase in enumerate(phrases)}
        return (
            text(sql)
            .bindparams(*(bindparam(name, value) for name, value in params.items()))
            .columns(document_id=Integer, page=Integer, score=Float)
            .subquery("hits")
        )

    def _pages_mean_length(self, session: Session) -> float:
        """PostgreSQL: the indexed pages' mean number of distinct terms, read at most every
        ``MEAN_LENGTH_SECONDS`` (it moves slowly)."""
        now = time.monotonic()
        if self._mean_length is None or now - self._mean_length[1] > MEAN_LENGTH_SECONDS:
            self._mean_length = (max(1.0, pages_mean_length(session).mean), now)
        return self._mean_length[0]

    def matching(self, session: Session, query: str) -> Select[tuple[int]]:
        """The ids of the documents with a page that matches ``query`` (none when the query has no
        terms), to filter a list by."""
        phrases = parse_query(query, self.analyzer)
        if not phrases:
            return select(Document.id).where(false())
        return select(self._hits(session, phrases).c.document_id)

    def find(
        self, query: str, where: DocumentFilter | None = None, offset: int = 0, limit: int = 20
    ) -> tuple[int, list[SearchHit]]:
        """How many documents match ``query`` (and the filter ``where``, a ``DocumentFilter``), and
        one page of them, best first. Every phrase of the query must match on one page."""
        phrases = parse_query(query, self.analyzer)
        if not phrases:
            return 0, []
        with self.sessions() as session:
            hits = self._hits(session, phrases)
            condition = where.condition() if where is not None else Document.status == DocumentStatus.PROCESSED
            joined = (
                select(hits.c.document_id, hits.c.page, hits.c.score)
                .join(Document, Document.id == hits.c.document_id)
                .where(condition)
            )
            # the count rides on the page's rows (a window over every match), so that the matches
            # are found and scored once, not once for the count and once for the page
            order = (hits.c.score.desc(), hits.c.document_id.desc())
            counted = joined.add_columns(func.count().over().label("total"))
            rows = session.execute(counted.order_by(*order).offset(offset).limit(limit)).all()
            if rows:
                total = int(rows[0].total)
            elif offset:  # past the last match: the page has no row to carry the count
                total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
            else:
                total = 0
        return total, [SearchHit(int(d), int(p), float(s)) for d, p, s, _ in rows]

    def pages(self, document_id: int, query: str) -> list[int]:
        """The numbers of a document's pages that match ``query``, in page order."""
        phrases = parse_query(query, self.analyzer)
        if not phrases:
            return []
        with self.sessions() as session:
            if self._dialect(session) == "sqlite":
                rows = session.execute(
                    text(
                        f"SELECT rowid % {PAGE_SLOTS} FROM {TABLE} WHERE {TABLE} MATCH :match "
                        "AND rowid BETWEEN :low AND :high ORDER BY rowid"
                    ),
                    {
                        "match": _fts5_query(phrases),
                        "low": document_id * PAGE_SLOTS,
                        "high": (document_id + 1) * PAGE_SLOTS - 1,
                    },
                )
            else:
                rows = session.execute(
                    text(
                        f"SELECT page FROM {TABLE} WHERE document_id = :doc "
                        "AND terms @@ to_tsquery('simple', :match) ORDER BY page"
                    ),
                    {"doc": document_id, "match": _tsquery(phrases)},
                )
            return [int(r[0]) for r in rows]

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Index every processed document again from its stored pages, one batch at a time; how
        many were indexed."""
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(Document.id).where(Document.status == DocumentStatus.PROCESSED).order_by(Document.id)
                )
            )
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            with self.sessions.begin() as session:
                rows = session.execute(
                    select(Page.document_id, Page.number, Page.text)
                    .where(Page.document_id.in_(batch))
                    .order_by(Page.document_id, Page.number)
                ).all()
                pages: dict[int, list[tuple[int, str]]] = {doc: [] for doc in batch}
                for doc, number, page_text in rows:
                    pages[doc].append((number, page_text or ""))
                for doc, its_pages in pages.items():
                    self.index(doc, its_pages, tx=session)
            if progress is not None:
                progress(min(start + _BATCH, len(ids)), len(ids))
        # Each document's rows were replaced in place (searches meanwhile find the old or the new
        # ones, never none); rows of documents no longer processed go last.
        processed = f"SELECT id FROM documents WHERE status = '{DocumentStatus.PROCESSED.value}'"
        with self.sessions.begin() as session:
            if self._dialect(session) == "sqlite":
                session.execute(text(f"DELETE FROM {TABLE} WHERE rowid / {PAGE_SLOTS} NOT IN ({processed})"))
            else:
                session.execute(text(f"DELETE FROM {TABLE} WHERE document_id NOT IN ({processed})"))
        return len(ids)

    def size(self) -> int:
        """Indexed pages."""
        with self.sessions() as session:
            return int(session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
