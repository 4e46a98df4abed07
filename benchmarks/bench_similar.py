"""Similar documents at 100,000 documents: the approximate index munseo serves from (usearch HNSW)
against exact brute-force cosine search over the same vectors.

The collection is the 40,317 real bills and 59,683 documents recombined from their sentences
(as in ``bench_search.py``). The content model (``munseo.text.vectors``) is fitted on a sample of
20,000, as ``munseo reindex`` does. For 200 bills held aside from the ``dev`` split (chosen by a hash
of their id), the ten nearest documents are found both ways; precision@10 is the share of them that
are bills of the query bill's committee (a recombined document counts as a miss).

Run: ``.venv/bin/python benchmarks/bench_similar.py`` (≈ 3 min; ``--no-write``). Needs
``../shared/corpora``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from threadpoolctl import threadpool_limits
from usearch.index import Index

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_search import CORPORA, SCALE, load_bills, recombined
from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.store.similar import FIT_SAMPLE
from munseo.text.vectors import fit

QUERIES = 200
K = 10
console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print the table but leave BENCHMARKS.md alone")
    args = parser.parse_args()
    bills = load_bills()
    texts = [b.text for b in bills] + recombined(bills, SCALE - len(bills))
    with lzma.open(CORPORA / "kr-bills.jsonl.xz", "rt", encoding="utf-8") as lines:
        committees = [json.loads(line)["labels"]["committee"] for line in lines]
    committees += [None] * (len(texts) - len(committees))
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    model = fit([texts[i] for i in rng.permutation(len(texts))[:FIT_SAMPLE]])
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    vectors = []
    for start in range(0, len(texts), 2000):
        vectors += model.embed_many(texts[start : start + 2000])
    embed_seconds = time.perf_counter() - started
    keep = [i for i, v in enumerate(vectors) if v is not None]
    matrix = np.stack([vectors[i] for i in keep]).astype(np.float32)
    keys = np.array(keep, dtype=np.uint64)
    console.print(f"fit {fit_seconds:.0f} s, {len(keep)} vectors in {embed_seconds:.0f} s")
    started = time.perf_counter()
    index = Index(ndim=matrix.shape[1], metric="cos", dtype="f32")
    index.add(keys, matrix, threads=1)
    build_seconds = time.perf_counter() - started
    queries = sorted(
        (i for i, b in enumerate(bills) if b.split == "dev" and vectors[i] is not None),
        key=lambda i: hashlib.sha1(bills[i].id.encode()).hexdigest(),
    )[:QUERIES]
    row_of = {k: n for n, k in enumerate(keep)}

    def precision(found: list[list[int]]) -> float:
        hits = [committees[j] == committees[q] for q, near in zip(queries, found, strict=True) for j in near]
        return sum(hits) / len(hits)

    exact, exact_ms = [], []
    for q in queries:
        started = time.perf_counter()
        scores = matrix @ matrix[row_of[q]]
        top = np.argpartition(-scores, K + 1)[: K + 1]
        top = top[np.argsort(-scores[top])]
        exact_ms.append((time.perf_counter() - started) * 1000)
        exact.append([keep[t] for t in top if keep[t] != q][:K])
    approx, approx_ms = [], []
    for q in queries:
        started = time.perf_counter()
        found = index.search(matrix[row_of[q]], K + 1, threads=1)
        approx_ms.append((time.perf_counter() - started) * 1000)
        approx.append([int(k) for k in found.keys if int(k) != q][:K])
    p_exact, p_approx = precision(exact), precision(approx)
    overlap = np.mean([len(set(a) & set(e)) / K for a, e in zip(approx, exact, strict=True)])
    headers = ["search", "documents", "precision@10 (same committee)", "median ms", "p95 ms", "speed-up"]

    def row(name: str, p: float, ms: list[float]) -> list[str]:
        ms = sorted(ms)
        return [
            name,
            f"{len(keep):,}",
            f"{p:.1%}",
            f"{ms[len(ms) // 2]:.2f}",
            f"{ms[int(0.95 * len(ms))]:.2f}",
            f"{np.median(exact_ms) / np.median(ms):.0f}×",
        ]

    rows = [
        row("exact (brute-force cosine, numpy)", p_exact, exact_ms),
        row("usearch HNSW (munseo)", p_approx, approx_ms),
    ]
    print_table("Similar documents", headers, rows)
    console.print(f"overlap of the two top-10s: {overlap:.1%}; HNSW build {build_seconds:.0f} s")
    if args.no_write:
        return
    body = (
        f"{len(keep):,} documents (the real bills and documents recombined from their sentences); content model "
        f"fitted on {FIT_SAMPLE:,} of them in {fit_seconds:.0f} s, vectors made at {len(keep) / embed_seconds:,.0f} "
        f"documents/s, HNSW index built in {build_seconds:.0f} s. {len(queries)} held-aside dev bills as queries; "
        "precision@10 is the share of the ten nearest that are bills of the query's committee. One core. "
        "Targets: within 1 point of exact search, at least 10× faster.\n\n"
        + markdown_table(headers, rows)
        + f"\n\nThe two top-10 lists share {overlap:.1%} of their documents."
    )
    write_section("Similar documents", body, command_line())


if __name__ == "__main__":
    with threadpool_limits(1):  # one core for both searches: BLAS would spread the brute force over all
        main()
