"""Full-text search on the real bill corpus: which analysis finds a document by its own key terms,
on SQLite and PostgreSQL, and how fast at 100,000 documents.

Queries: 200 bills held aside from the corpus's ``dev`` split (chosen by a hash of their id, never
looked at while building munseo's search); each query is the bill's own key terms as a searcher
would type them: the name of the law it amends (the first 「…」 in its text, when there is one) and
its two most distinctive nouns (Kiwi nouns of two or more syllables, highest tf·idf, document
frequency counted on 5,000 of its bills). The measure is where the bill itself ranks among all
40,317: recall@10 and MRR (reciprocal rank within the first 100).

Analyses: ``bigram`` (munseo's default), ``trigram``, ``morpheme`` (Kiwi), ``word`` (whitespace
words, the baseline). Each builds its own index over the same documents; build speed counts the analysis and
the writes. The scale run adds 59,683 documents recombined from the bills' sentences to reach
100,000, and times the same 200 queries on one core.

Run: ``.venv/bin/python benchmarks/bench_search.py`` (≈ 18 min on 2 cores; ``--no-morpheme`` skips
the slow Kiwi index, ``--no-write`` leaves BENCHMARKS.md alone). Needs ``../shared/corpora`` and
the Debian ``postgresql`` package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import math
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.store.models import Document, DocumentStatus, Page, utcnow
from munseo.store.repository import Store
from munseo.store.search import TABLE, Search
from munseo.text.analysis import _kiwi, get_analyzer
from tests.conftest import _Cluster, fresh_postgres_database

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
QUERIES = 200
SCALE = 100_000
console = Console()
_LAW = re.compile(r"「([^」]{2,60})」")


@dataclass(frozen=True)
class Bill:
    id: str
    text: str
    split: str


@dataclass
class Figures:
    analyzer: str
    database: str
    documents: int
    build_seconds: float
    index_mib: float
    recall_at_10: float
    mrr: float
    p50_ms: float
    p95_ms: float

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.build_seconds if self.build_seconds else 0.0


def load_bills() -> list[Bill]:
    with lzma.open(CORPORA / "kr-bills.jsonl.xz", "rt", encoding="utf-8") as lines:
        return [Bill(r["id"], r["text"], r["split"]) for r in map(json.loads, lines)]


def _nouns(text_: str) -> list[str]:
    return [t.form for t in _kiwi().tokenize(text_) if t.tag in ("NNG", "NNP") and len(t.form) >= 2]


def make_queries(bills: Sequence[Bill], count: int) -> list[tuple[int, str]]:
    """(index of the bill, its query) for ``count`` held-aside dev bills."""
    order = sorted(
        (i for i, b in enumerate(bills) if b.split == "dev"),
        key=lambda i: hashlib.sha1(bills[i].id.encode()).hexdigest(),
    )
    # Document frequency on a fixed sample of 5,000 bills: counting over all 40k costs minutes.
    texts = [b.text for b in random.Random(3).sample(list(bills), 5000)]
    df: dict[str, int] = {}
    queries = []
    for i in order:
        if len(queries) == count:
            break
        bill = bills[i].text
        law = _LAW.search(bill)
        law_name = law.group(1) if law else ""
        tf = Counter(n for n in _nouns(bill) if n not in law_name)
        if len(tf) < 2:
            continue
        for noun in tf:
            if noun not in df:
                df[noun] = sum(noun in t for t in texts)
        best = sorted(tf, key=lambda n: -tf[n] * math.log(len(texts) / max(1, df[n])))[:2]
        queries.append((i, " ".join([law_name, *best]).strip()))
    return queries


def recombined(bills: Sequence[Bill], count: int, seed: int = 7) -> list[str]:
    """Documents made of sentences of random bills: text like the corpus's, about its length."""
    rng = random.Random(seed)
    sentences = [s for b in bills for s in re.split(r"(?<=[.다음])\s+", b.text) if len(s) > 20]
    return [" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 9))) for _ in range(count)]


def fill(store: Store, texts: Sequence[str]) -> None:
    """The documents, processed, one page each, written in bulk (the index is built apart)."""
    now = utcnow()
    with store.sessions.begin() as session:
        for start in range(0, len(texts), 5000):
            batch = list(enumerate(texts[start : start + 5000], start + 1))
            session.execute(
                insert(Document),
                [
                    {
                        "id": n,
                        "sha256": f"{n:064x}",
                        "filename": f"bill-{n}.pdf",
                        "size_bytes": len(t),
                        "page_count": 1,
                        "status": DocumentStatus.PROCESSED,
                        "text": t,
                        "needs_review": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, t in batch
                ],
            )
            session.execute(
                insert(Page),
                [
                    {
                        "document_id": n,
                        "number": 1,
                        "width": 2480,
                        "height": 3508,
                        "dpi": 300,
                        "source": "text-layer",
                        "raw_text": t,
                        "text": t,
                        "blocks": [],
                        "mean_confidence": 1.0,
                        "needs_review": False,
                        "timings_ms": {},
                    }
                    for n, t in batch
                ],
            )


def index_mib(store: Store) -> float:
    """The index's own bytes: FTS5's index blocks and stored terms, or the table and its GIN index
    after a VACUUM FULL (the previous analysis's rows are dead tuples until then)."""
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            size = connection.execute(
                text(
                    f"SELECT (SELECT coalesce(sum(length(block)), 0) FROM {TABLE}_data)"
                    f" + (SELECT coalesce(sum(length(c0)), 0) FROM {TABLE}_content)"
                )
            ).scalar_one()
        return size / 2**20
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM FULL {TABLE}"))
        size = connection.execute(text(f"SELECT pg_total_relation_size('{TABLE}')")).scalar_one()
    return size / 2**20


def measure(store: Store, analyzer: str, database: str, queries: Sequence[tuple[int, str]], documents: int) -> Figures:
    search = Search(store.sessions, get_analyzer(analyzer))
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"{analyzer} index on {database}", total=documents)
        started = time.perf_counter()
        search.rebuild(lambda done, total: bar.update(task, completed=done, total=total))
        build = time.perf_counter() - started
    size = index_mib(store)
    ranks, times = [], []
    for doc_index, query in queries:
        started = time.perf_counter()
        _, hits = search.find(query, limit=100)
        times.append((time.perf_counter() - started) * 1000)
        ids = [h.document_id for h in hits]
        ranks.append(ids.index(doc_index + 1) + 1 if doc_index + 1 in ids else None)
    times.sort()
    return Figures(
        analyzer,
        database,
        documents,
        build,
        size,
        sum(1 for r in ranks if r is not None and r <= 10) / len(ranks),
        sum(1 / r for r in ranks if r is not None) / len(ranks),
        statistics.median(times),
        times[min(len(times) - 1, int(0.95 * len(times)))],
    )


def row(f: Figures) -> list[str]:
    return [
        f.analyzer,
        f.database,
        f"{f.documents:,}",
        f"{f.recall_at_10:.1%}",
        f"{f.mrr:.3f}",
        f"{f.docs_per_second:,.0f}",
        f"{f.index_mib:.0f}",
        f"{f.p50_ms:.1f}",
        f"{f.p95_ms:.1f}",
    ]


HEADERS = ["analysis", "database", "documents", "recall@10", "MRR", "index docs/s", "index MiB", "p50 ms", "p95 ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-morpheme", action="store_true", help="skip the Kiwi morpheme index (slow)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 100,000-document run")
    parser.add_argument("--no-write", action="store_true", help="print the tables but leave BENCHMARKS.md alone")
    args = parser.parse_args()
    bills = load_bills()
    started = time.perf_counter()
    queries = make_queries(bills, QUERIES)
    console.print(f"{len(bills)} bills, {len(queries)} queries ({time.perf_counter() - started:.0f} s)")
    console.print("e.g. " + "; ".join(q for _, q in queries[:3]))
    analyzers = ["bigram", "trigram", "word"] + ([] if args.no_morpheme else ["morpheme"])
    texts = [b.text for b in bills]
    figures: list[Figures] = []
    scale: list[Figures] = []
    cluster = _Cluster()
    server = cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="munseo-search-") as tmp:
            urls = {"sqlite": f"sqlite:///{tmp}/bills.db", "postgresql": fresh_postgres_database(server)}
            for database, url in urls.items():
                store = Store(url)
                fill(store, texts)
                for analyzer in analyzers:
                    figures.append(measure(store, analyzer, database, queries, len(texts)))
                    print_table("Search relevance", HEADERS, [row(figures[-1])])
                store.close()
            if not args.no_scale:
                extra = recombined(bills, SCALE - len(bills))
                urls = {"sqlite": f"sqlite:///{tmp}/scale.db", "postgresql": fresh_postgres_database(server)}
                for database, url in urls.items():
                    store = Store(url)
                    fill(store, texts + extra)
                    scale.append(measure(store, "bigram", database, queries, SCALE))
                    print_table("Search at 100,000 documents", HEADERS, [row(scale[-1])])
                    store.close()
    finally:
        cluster.stop()
    print_table("Search relevance", HEADERS, [row(f) for f in figures])
    if scale:
        print_table("Search at 100,000 documents", HEADERS, [row(f) for f in scale])
    if args.no_write:
        return
    word = {f.database: f.mrr for f in figures if f.analyzer == "word"}
    lines = [
        f"{len(bills):,} real bills (`../shared/corpora/kr-bills.jsonl.xz`); {len(queries)} queries from held-aside "
        "dev bills, each the bill's own key terms (the law it amends and its two most distinctive nouns), "
        f"for example `{queries[0][1]}`. recall@10 and MRR (within the first 100) of the bill itself among all "
        "of them. Query times on one core, through `Search.find` (SQL, the filter join and the count).",
        "",
        markdown_table(HEADERS, [row(f) for f in figures]),
        "",
        "Default (`bigram`) against whitespace words, MRR points: "
        + ", ".join(
            f"{db} {100 * (f.mrr - word[db]):+.1f}" for f in figures if f.analyzer == "bigram" for db in [f.database]
        )
        + " (target: at least +10).",
    ]
    if scale:
        lines += [
            "",
            f"### At {SCALE:,} documents (the bills and {SCALE - len(bills):,} recombined from their sentences)",
            "",
            markdown_table(HEADERS, [row(f) for f in scale]),
            "",
            "Targets: query p95 ≤ 100 ms, index build ≥ 500 documents/s.",
        ]
    write_section("Search: real bills", "\n".join(lines), command_line())


if __name__ == "__main__":
    main()
