"""The load benchmark's smoke run (``benchmarks/bench_load.py``, a few clients for a few seconds,
both executors): no 5xx, every accepted document processed exactly once."""

from __future__ import annotations

import pytest

from benchmarks.bench_load import main

pytestmark = pytest.mark.slow


def test_a_short_load_gets_no_server_error_and_processes_everything_once() -> None:
    results = main(["--clients", "6", "--seconds", "6", "--executors", "local,celery", "--docs", "20", "--no-write"])
    assert [r.executor for r in results] == ["local", "celery"]
    for r in results:
        assert r.server_errors == 0, (r.executor, r.statuses, r.failures, r.error_codes)
        assert r.latencies["classify"] and len(r.accepted) == 20
        assert r.classified_once == r.processed == len(r.accepted), r
