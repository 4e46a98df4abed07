"""Near-duplicate rescans: the same paper scanned twice is linked; different documents of the same
kind from the same committee are not.

100 real bills from the corpus's ``dev`` split (chosen by a hash of their id) are rendered as A4
pages at 200 DPI (``munseo.evaluate.realpages``, fonts in turn): once clean, and once more as a
second scan of the same sheet (skew, blur, noise, speckle, shading, faint print, JPEG). Beside
them, 100 other bills of the same committee and the same kind, rendered clean in the same fonts.
Every page is read by munseo's OCR; the documents are stored in order (the first scans and the
other bills, then the second scans), and the store links what it finds. A link from a second
scan to its own first scan is right; any other link is wrong.

Run: ``.venv/bin/python benchmarks/bench_duplicates.py`` (≈ 5 min on 2 cores; ``--pairs N``,
``--no-write``). Needs ``../shared/corpora``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.config import Settings
from munseo.evaluate.ocr import load_ground_truth, read_with_munseo
from munseo.evaluate.realpages import RealText, korean_fonts, render_real_page, write_page_set
from munseo.store.documents import NewPage
from munseo.store.repository import Store
from munseo.text.minhash import NEAR_DUPLICATE, signature, similarity

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
console = Console()


def load_bills(split: str = "dev") -> list[dict]:
    with lzma.open(CORPORA / "kr-bills.jsonl.xz", "rt", encoding="utf-8") as lines:
        return [r for r in map(json.loads, lines) if r["split"] == split and len(r["text"]) >= 300]


def pairs(bills: list[dict], count: int) -> list[tuple[dict, dict]]:
    """(a bill, another bill of the same committee and kind), ``count`` of them, no bill twice."""
    order = sorted(bills, key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())
    used: set[str] = set()
    found = []
    for bill in order:
        if len(found) == count:
            break
        if bill["id"] in used:
            continue
        kind = (bill["labels"]["committee"], bill["labels"]["bill_kind"])
        other = next(
            (
                o
                for o in order
                if o["id"] not in used
                and o["id"] != bill["id"]
                and (o["labels"]["committee"], o["labels"]["bill_kind"]) == kind
            ),
            None,
        )
        if other is None:
            continue
        used |= {bill["id"], other["id"]}
        found.append((bill, other))
    return found


def _alike(a: str, b: str) -> float:
    first, second = signature(a), signature(b)
    return similarity(first, second) if first is not None and second is not None else 0.0


def one_bill(record: dict) -> RealText:
    paragraphs = tuple(p for p in record["text"].split("\n") if p.strip())
    return RealText(split="dev", documents=(paragraphs,), statutes=(), english=())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="bills scanned twice (100)")
    parser.add_argument("--no-write", action="store_true", help="print the tables but leave BENCHMARKS.md alone")
    parser.add_argument("--keep", type=Path, help="write the OCR texts and the links found to this JSON file")
    parser.add_argument("--split", default="dev", help="which bills (tune on train; the report is on dev)")
    args = parser.parse_args()
    chosen = pairs(load_bills(args.split), args.pairs)
    fonts = korean_fonts()
    with tempfile.TemporaryDirectory(prefix="munseo-dups-") as tmp:
        folder = Path(tmp) / "pages"
        pages = []
        for n, (bill, other) in enumerate(chosen):
            font = fonts[n % len(fonts)]
            pages.append(render_real_page(one_bill(bill), font, 200, "plain", "clean", seed=n))
            pages.append(render_real_page(one_bill(other), font, 200, "plain", "clean", seed=n))
            pages.append(render_real_page(one_bill(bill), font, 200, "plain", "degraded", seed=n))
        write_page_set(pages, folder)
        truths = load_ground_truth(folder)
        started = time.perf_counter()
        readings, _ = read_with_munseo([t.path for t in truths], Settings(), workers=2)
        console.print(f"read {len(truths)} pages in {time.perf_counter() - started:.0f} s")
        first, others, second = readings[0::3], readings[1::3], readings[2::3]
        store = Store(f"sqlite:///{tmp}/dups.db")
        ids: dict[str, list[int]] = {"first": [], "other": [], "second": []}
        order = [("first", r) for r in first] + [("other", r) for r in others] + [("second", r) for r in second]
        for n, (kind, reading) in enumerate(order):
            doc_id = store.documents.start(
                sha256=f"{n:064x}",
                filename=f"{kind}-{n}.png",
                mime="image/png",
                size=1,
                page_count=1,
                original_path="/x",
            )
            page = NewPage(1, 1654, 2339, 200, "ocr", reading.text, reading.text, [], reading.confidence or 0.0, None)
            store.documents.finish(doc_id, [page], reading.text)
            ids[kind].append(doc_id)
        links = {d: store.documents.load(d).near_duplicate_of for kind in ids for d in ids[kind]}
        store.close()
    if args.keep:
        kept = {
            "ids": ids,
            "links": links,
            "texts": {
                kind: [r.text for r in rs] for kind, rs in (("first", first), ("other", others), ("second", second))
            },
        }
        args.keep.write_text(json.dumps(kept, ensure_ascii=False))
    right = sum(links[s] == f for f, s in zip(ids["first"], ids["second"], strict=True))
    # What each stored document was printed from: a wrong link between two bills whose printed
    # texts are themselves alike is a link no reading of the text could avoid.
    printed = {}
    for kind, offset in (("first", 0), ("other", 1), ("second", 2)):
        for n, doc in enumerate(ids[kind]):
            printed[doc] = truths[3 * n + offset].text
    expected = dict(zip(ids["second"], ids["first"], strict=True))
    wrong_links = [
        (d, to, _alike(printed[d], printed[to])) for d, to in links.items() if to is not None and expected.get(d) != to
    ]
    wrong = sum(1 for d, to in links.items() if to is not None) - right
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = right / len(chosen)
    rescans = [
        similarity(signature(a.text), signature(b.text))
        for a, b in zip(first, second, strict=True)
        if signature(a.text) is not None and signature(b.text) is not None
    ]
    distinct = [
        similarity(signature(a.text), signature(b.text))
        for a, b in zip(first, others, strict=True)
        if signature(a.text) is not None and signature(b.text) is not None
    ]
    headers = [
        "pairs",
        "other bills",
        "linked right",
        "linked wrong",
        "precision",
        "recall",
        "threshold",
        "second scans: lowest / median similarity",
        "same committee and kind: highest similarity",
    ]
    rescans.sort()
    row = [
        str(len(chosen)),
        str(len(others)),
        str(right),
        str(wrong),
        f"{precision:.3f}",
        f"{recall:.3f}",
        f"{NEAR_DUPLICATE:.2f}",
        f"{rescans[0]:.2f} / {rescans[len(rescans) // 2]:.2f}" if rescans else "-",
        f"{max(distinct):.2f}" if distinct else "-",
    ]
    print_table("Near-duplicate rescans", headers, [row])
    notes = [
        f"- #{d} → #{to}: the two bills as printed are {alike:.2f} alike"
        + (" (the same text, or one template)" if alike >= NEAR_DUPLICATE else "")
        for d, to, alike in wrong_links
    ]
    for note in notes:
        console.print(note)
    if args.no_write:
        return
    body = (
        f"{len(chosen)} real bills (dev split) rendered at 200 DPI, then scanned again (skew, blur, noise, speckle, "
        f"shading, faint print, JPEG); {len(others)} other bills of the same committee and kind rendered alike. "
        "Every page read by munseo's OCR and stored; a second scan linked to its own first scan is right, any "
        "other link wrong. Targets: precision ≥ 0.99, recall ≥ 0.95.\n\n"
        + markdown_table(headers, [row])
        + (
            "\n\nThe wrong links, and how alike the bills behind them were as printed:\n\n" + "\n".join(notes)
            if notes
            else ""
        )
    )
    write_section("Near-duplicate rescans", body, command_line())


if __name__ == "__main__":
    main()
