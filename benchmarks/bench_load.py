"""The service under load, on loopback only and bounded in time: concurrent clients upload small
documents and call ``POST /api/classify/text`` against ``munseo serve`` (embedded worker, then Celery
with two workers). Reports throughput, latency percentiles, errors (target: no 5xx), the memory of
the server and its workers after warm-up and at the end (target: flat within 10%), and whether every
accepted document was processed exactly once.

Run: ``.venv/bin/python benchmarks/bench_load.py`` (50 clients, 2 minutes per executor);
``--clients 5 --seconds 5 --executors local --no-write`` is the smoke run the tests make.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_service import PYTHON, free_port, prepare, setup_store, wait_healthy
from benchmarks.report import command_line, markdown_table, print_table, write_section
from munseo.pipeline import expand_paths
from munseo.synth import read_manifest

console = Console(stderr=True)
UPLOAD_EVERY = 5  # one request in five is an upload, the others classify a text
WARM_UP = 0.2  # memory is compared from this share of the run on


@dataclass
class Stack:
    url: str
    token: str
    pids: list[int]


@dataclass
class LoadResult:
    executor: str
    clients: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # requests that got no answer, by error
    error_codes: Counter[str] = field(default_factory=Counter)  # 5xx answers, by endpoint and error code
    accepted: list[int] = field(default_factory=list)
    rss_warm_mib: float = 0.0
    rss_end_mib: float = 0.0
    processed: int = 0
    classified_once: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + sum(self.failures.values())

    @property
    def memory_growth(self) -> float:
        return self.rss_end_mib / self.rss_warm_mib - 1 if self.rss_warm_mib else 0.0


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def stack(root: Path, model: Path, executor: str) -> Iterator[Stack]:
    """``munseo serve`` with the executor asked for (and, for Celery, Redis and two workers)."""
    env, token = setup_store(root / f"{executor}-data", model)
    started: list[subprocess.Popen[bytes]] = []
    try:
        if executor == "celery":
            redis_port = free_port()
            redis = shutil.which("redis-server") or "redis-server"
            started.append(_spawn([redis, "--port", str(redis_port), "--save", "", "--appendonly", "no"], env))
            env["MUNSEO_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            for i in (1, 2):
                worker = [PYTHON, "-m", "munseo", "worker", "--concurrency", "1", "--hostname", f"load{i}@%h"]
                started.append(_spawn(worker, env))
        port = free_port()
        server = _spawn([PYTHON, "-m", "munseo", "serve", "--port", str(port), "--executor", executor], env)
        started.append(server)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        yield Stack(url, token, [p.pid for p in started])
    finally:
        for process in reversed(started):
            _stop(process, signal.SIGINT if process is started[-1] else signal.SIGTERM)


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for p in [process, *process.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def drive(target: Stack, clients: int, seconds: float, files: list[Path], texts: list[str], result: LoadResult) -> None:
    """``clients`` threads send requests back to back for ``seconds``; memory is sampled meanwhile."""
    lock = threading.Lock()
    pending = iter(files)
    ends = time.monotonic() + seconds
    texts_cycle = itertools.cycle(texts)

    def client(number: int) -> None:
        headers = {"Authorization": f"Bearer {target.token}"}
        with httpx.Client(base_url=target.url, headers=headers, timeout=60) as http:
            for n in itertools.count(number):
                if time.monotonic() >= ends:
                    return
                with lock:
                    upload = n % UPLOAD_EVERY == 0 and (path := next(pending, None)) is not None
                    text = next(texts_cycle)
                kind = "upload" if upload else "classify"
                started = time.perf_counter()
                try:
                    if upload:
                        answer = http.post("/api/documents", files=[("files", (path.name, path.read_bytes()))])
                    else:
                        answer = http.post("/api/classify/text", json={"text": text})
                except httpx.HTTPError as exc:
                    with lock:
                        result.failures[type(exc).__name__] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    result.statuses[answer.status_code] += 1
                    result.latencies.setdefault(kind, []).append(elapsed)
                    if answer.status_code >= 500:
                        code = answer.json().get("error", {}).get("code", "?") if answer.content else "?"
                        result.error_codes[f"{kind} {answer.status_code} {code}"] += 1
                    if upload and answer.status_code == 202:
                        result.accepted += [d["document_id"] for d in answer.json()["documents"]]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    warm_at = time.monotonic() + seconds * WARM_UP
    while any(t.is_alive() for t in threads):
        if result.rss_warm_mib == 0.0 and time.monotonic() >= warm_at:
            result.rss_warm_mib = _rss_mib(target.pids)
        time.sleep(0.5)
    result.rss_end_mib = _rss_mib(target.pids)


def settle(target: Stack, result: LoadResult, seconds: float = 600) -> None:
    """Wait until every accepted document is processed; count those classified exactly once."""
    headers = {"Authorization": f"Bearer {target.token}"}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=target.url, headers=headers, timeout=60) as http:
        while time.monotonic() < deadline:
            stats = http.get("/api/stats").json()
            if not stats["queue"]["queued"] and not stats["queue"]["running"]:
                break
            time.sleep(1)
        for doc_id in result.accepted:
            doc = http.get(f"/api/documents/{doc_id}").json()
            if doc["status"] != "processed":
                continue
            result.processed += 1
            by_model = [h for h in doc["history"] if h["source"] == "model"]
            result.classified_once += int(len(by_model) == len(doc["labels"]) > 0)


def run(
    root: Path, model: Path, executor: str, clients: int, seconds: float, files: list[Path], texts: list[str]
) -> LoadResult:
    console.print(f"[bold]{executor}[/bold]: {clients} clients for {seconds:.0f} s")
    result = LoadResult(executor, clients, seconds)
    with stack(root, model, executor) as target:
        drive(target, clients, seconds, files, texts, result)
        settle(target, result)
    return result


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f}"


def report(results: list[LoadResult]) -> str:
    headers = [
        "executor",
        "clients",
        "requests/s",
        "classify p50 / p95 / p99 ms",
        "upload p50 / p95 ms",
        "5xx or no answer",
        "RSS after warm-up → end MiB",
        "accepted docs",
        "processed exactly once",
    ]
    rows = []
    for r in results:
        total = sum(r.statuses.values())
        classify, upload = r.latencies.get("classify", []), r.latencies.get("upload", [])
        rows.append(
            [
                r.executor,
                str(r.clients),
                f"{total / r.seconds:.1f}",
                f"{_ms(classify, 0.5)} / {_ms(classify, 0.95)} / {_ms(classify, 0.99)}",
                f"{_ms(upload, 0.5)} / {_ms(upload, 0.95)}",
                str(r.server_errors),
                f"{r.rss_warm_mib:.0f} → {r.rss_end_mib:.0f} ({r.memory_growth:+.0%})",
                str(len(r.accepted)),
                f"{r.classified_once} of {len(r.accepted)}",
            ]
        )
    print_table("service under load", headers, rows)
    answers = "\n".join(
        f"- {r.executor}: "
        + ", ".join(f"{status}: {n}" for status, n in sorted(r.statuses.items()))
        + "".join(f", no answer ({error}): {n}" for error, n in sorted(r.failures.items()))
        + "".join(f"; {what}: {n}" for what, n in sorted(r.error_codes.items()))
        for r in results
    )
    console.print(answers)
    return (
        f"Each client sends requests back to back: one in {UPLOAD_EVERY} uploads a small generated document "
        "(born-digital PDF), the others classify a text. Memory is the resident size of the server, its OCR "
        f"processes and the Celery workers, {WARM_UP:.0%} into the run and at its end (target: within 10%). "
        "Targets: no 5xx, every accepted document processed exactly once. SQLite database.\n\n"
        + markdown_table(headers, rows)
        + "\n\nAnswers by status:\n\n"
        + answers
    )


def main(argv: list[str] | None = None) -> list[LoadResult]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--executors", default="local,celery", help="comma-separated: local, celery")
    parser.add_argument("--docs", type=int, default=400, help="documents available for upload")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="munseo-bench-load-") as tmp:
        root = Path(tmp)
        console.print(f"Generating {args.docs} documents and training a model …")
        inbox, model = prepare(root, args.docs, scan_ratio=0.0)
        files = expand_paths([inbox])
        records = read_manifest(root / "train" / "manifest.jsonl")
        texts = [r.text[:4000] for r in records if r.pages]
        for executor in args.executors.split(","):
            # each executor has a data directory of its own: the same files are new documents to it
            results.append(run(root, model, executor, args.clients, args.seconds, files, texts))
    body = report(results)
    if not args.no_write:
        write_section("Service under load", body, command_line())
    return results


if __name__ == "__main__":
    main()
