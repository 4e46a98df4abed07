"""The service end to end: documents/min through the API (embedded worker, and Celery with two
workers) beside ``munseo ingest`` on the same documents; classify-text latency under 20 concurrent
clients; peak memory of server and workers.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_service.py [--docs N]``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import PeakRss, command_line, markdown_table, print_table, write_section
from munseo.ingest import Limits, inspect_file
from munseo.pipeline import expand_paths

console = Console()
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def munseo(*args: str, env: dict[str, str]) -> str:
    return subprocess.run([PYTHON, "-m", "munseo", *args], env=env, check=True, capture_output=True, text=True).stdout


def prepare(root: Path, docs: int, scan_ratio: float = 0.6) -> tuple[Path, Path]:
    from munseo.classify import TrainOptions, load_dataset, load_schema, train
    from munseo.synth import generate

    inbox, train_dir, model = root / "inbox", root / "train", root / "model"
    generate(inbox, docs, seed=11, scan_ratio=scan_ratio)
    (inbox / "manifest.jsonl").rename(root / "inbox-manifest.jsonl")
    generate(train_dir, 300, seed=12, scan_ratio=0.0)
    schema = load_schema()
    train(load_dataset([str(train_dir)], schema), schema, model, TrainOptions())
    return inbox, model


def setup_store(data: Path, model: Path) -> tuple[dict[str, str], str]:
    env = {**os.environ, "MUNSEO_DATA_DIR": str(data), "MUNSEO_WORKERS": "2"}
    env.pop("MUNSEO_DATABASE_URL", None)
    munseo("models", "add", str(model), "--activate", env=env)
    token = munseo("token", "create", "--role", "admin", env=env).strip().splitlines()[-1]
    return env, token


def wait_healthy(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def upload_and_wait(url: str, token: str, files: list[Path]) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        for i in range(0, len(files), 10):
            handles = [(p.name, p.read_bytes()) for p in files[i : i + 10]]
            client.post("/api/documents", files=[("files", h) for h in handles]).raise_for_status()
        while True:
            stats = client.get("/api/stats").json()
            done = sum(stats["documents"]["by_status"].get(s, 0) for s in ("processed", "failed"))
            if done >= len(files) and not stats["queue"]["queued"] and not stats["queue"]["running"]:
                return time.perf_counter() - start
            time.sleep(0.25)


def latency(url: str, token: str, text: str, clients: int = 20, per_client: int = 50) -> list[float]:
    samples: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            client.post("/api/classify/text", json={"text": text}).raise_for_status()
            for _ in range(per_client):
                t = time.perf_counter()
                client.post("/api/classify/text", json={"text": text}).raise_for_status()
                with lock:
                    samples.append(time.perf_counter() - t)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(samples)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def run_ingest(root: Path, files: list[Path]) -> tuple[float, float]:
    env = {**os.environ, "MUNSEO_DATA_DIR": str(root / "ingest-data"), "MUNSEO_WORKERS": "2"}
    env.pop("MUNSEO_DATABASE_URL", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-m", "munseo", "ingest", *map(str, files)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with PeakRss(proc.pid) as rss:
        proc.wait()
    return time.perf_counter() - start, rss.mib


def run_local(root: Path, files: list[Path], model: Path, text: str) -> dict[str, float]:
    env, token = setup_store(root / "local-data", model)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "munseo", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with PeakRss(server.pid) as rss:
            wait_healthy(url)
            seconds = upload_and_wait(url, token, files)
            samples = latency(url, token, text)
        return {
            "seconds": seconds,
            "rss": rss.mib,
            "p50": pct(samples, 0.5),
            "p95": pct(samples, 0.95),
            "p99": pct(samples, 0.99),
            "requests": len(samples),
        }
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def run_celery(root: Path, files: list[Path], model: Path) -> dict[str, float]:
    redis_port, port = free_port(), free_port()
    redis = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
    )
    env, token = setup_store(root / "celery-data", model)
    env["MUNSEO_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    workers = [
        subprocess.Popen(
            [PYTHON, "-m", "munseo", "worker", "--concurrency", "1", "--hostname", f"b{i}@%h"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in (1, 2)
    ]
    server = subprocess.Popen(
        [PYTHON, "-m", "munseo", "serve", "--port", str(port), "--executor", "celery"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        time.sleep(3)  # the workers connect to the broker
        with PeakRss(server.pid) as server_rss, PeakRss(workers[0].pid) as worker_rss:
            wait_healthy(url)
            seconds = upload_and_wait(url, token, files)
        return {"seconds": seconds, "rss": server_rss.mib, "worker_rss": worker_rss.mib}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
            w.wait(timeout=60)
        redis.terminate()
        redis.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30, help="documents uploaded (default 30)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="munseo-bench-service-") as tmp:
        root = Path(tmp)
        console.print(f"Generating {args.docs} documents and training a model …")
        inbox, model = prepare(root, args.docs)
        files = expand_paths([inbox])
        pages = sum(inspect_file(f, Limits(10**9, 10**10, 10**4), 300).page_count for f in files)
        text = (root / "train" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0][:4000]
        console.print("munseo ingest …")
        i_sec, i_mib = run_ingest(root, files)
        console.print("munseo serve (embedded worker) …")
        local = run_local(root, files, model, text)
        console.print("munseo serve --executor celery + 2 workers …")
        celery = run_celery(root, files, model)

    def rate(seconds: float) -> str:
        return f"{len(files) / seconds * 60:.1f}"

    headers = ["path", "documents/min", "pages/min", "vs ingest", "peak RSS server (MiB)", "peak RSS worker (MiB)"]
    rows = [
        [
            "munseo ingest (CLI, 2 OCR processes)",
            rate(i_sec),
            f"{pages / i_sec * 60:.1f}",
            "1.00×",
            f"{i_mib:.0f}",
            "—",
        ],
        [
            "API + embedded worker (2 OCR processes)",
            rate(local["seconds"]),
            f"{pages / local['seconds'] * 60:.1f}",
            f"{i_sec / local['seconds']:.2f}×",
            f"{local['rss']:.0f}",
            "(in the server)",
        ],
        [
            "API + Celery, 2 workers × 1 process",
            rate(celery["seconds"]),
            f"{pages / celery['seconds'] * 60:.1f}",
            f"{i_sec / celery['seconds']:.2f}×",
            f"{celery['rss']:.0f}",
            f"{celery['worker_rss']:.0f}",
        ],
    ]
    lat_headers = ["endpoint", "clients", "requests", "p50 ms", "p95 ms", "p99 ms"]
    lat_rows = [
        [
            "POST /api/classify/text",
            "20",
            str(local["requests"]),
            f"{local['p50']:.1f}",
            f"{local['p95']:.1f}",
            f"{local['p99']:.1f}",
        ]
    ]
    print_table("Throughput", headers, rows)
    print_table("Latency", lat_headers, lat_rows)
    overhead = local["seconds"] / i_sec - 1
    summary = (
        f"The API with its embedded worker takes {overhead:+.0%} the time of `munseo ingest` on the same "
        f"{len(files)} documents ({pages} pages; target ≤ +10%); classify-text p95 is {local['p95']:.1f} ms at 20 "
        "concurrent clients (target ≤ 50 ms). SQLite database in every run; the service's time runs from the first "
        "upload to the last document classified."
    )
    console.print(summary)
    write_section(
        "Service",
        "\n\n".join([markdown_table(headers, rows), markdown_table(lat_headers, lat_rows), summary]),
        command_line(),
    )


if __name__ == "__main__":
    main()
