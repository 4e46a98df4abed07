"""A killed OCR worker loses nothing: the pages its pool held are read again by a fresh pool."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from munseo.config import Settings
from munseo.evaluate.metrics import cer
from munseo.pipeline import Outcome, ingest
from munseo.store.repository import Store
from tests import documents


def _kill_a_worker_when_busy(stop: threading.Event, killed: list[int]) -> None:
    me = psutil.Process()
    while not stop.is_set():
        workers = [p for p in me.children(recursive=True) if p.cpu_percent(interval=0.2) > 20]
        if workers:
            time.sleep(0.3)
            workers[0].send_signal(signal.SIGKILL)
            killed.append(workers[0].pid)
            return


@pytest.mark.slow
def test_killed_worker_loses_no_page(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    truths = {}
    for n in range(6):
        _, truths[f"page-{n}.png"] = documents.png_page(inbox / f"page-{n}.png", seed=20 + n, dpi=300)
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    store = Store(settings.resolved_database_url)

    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_a_worker_when_busy, args=(stop, killed))
    killer.start()
    report = ingest([inbox], settings, store)
    stop.set()
    killer.join()

    assert killed, "a worker process was killed mid-run"
    assert [f.outcome for f in report.files] == [Outcome.STORED] * 6, [f.reason for f in report.files]
    for file in report.files:
        doc = store.documents.get(file.document_id or 0)
        assert doc is not None and doc.status == "processed"
        assert cer(truths[file.path.name], doc.pages[0].raw_text) < 0.05
    store.close()
