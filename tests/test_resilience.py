"""A crashed OCR worker fails only the pages it held; a later run finishes the job."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from munseo.config import Settings
from munseo.pipeline import Outcome, ingest
from munseo.store.repository import Store
from tests import documents


def _kill_a_worker_when_busy(stop: threading.Event) -> None:
    me = psutil.Process()
    while not stop.is_set():
        workers = [p for p in me.children(recursive=True) if p.cpu_percent(interval=0.2) > 20]
        if workers:
            time.sleep(0.3)
            workers[0].send_signal(signal.SIGKILL)
            return


@pytest.mark.slow
def test_killed_worker_fails_its_documents_and_rerun_completes(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(6):
        documents.png_page(inbox / f"page-{n}.png", seed=20 + n, dpi=300)
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    store = Store(settings.resolved_database_url)

    stop = threading.Event()
    killer = threading.Thread(target=_kill_a_worker_when_busy, args=(stop,))
    killer.start()
    first = ingest([inbox], settings, store)
    stop.set()
    killer.join()

    crashed = [f for f in first.files if f.outcome is Outcome.FAILED]
    assert crashed, "the kill should have failed at least the page in the killed worker"
    assert all("the OCR worker process crashed" in (f.reason or "") for f in crashed)
    assert len(first.files) == 6
    assert sum(1 for f in first.files if f.outcome is Outcome.STORED) >= 1  # the batch went on

    second = ingest([inbox], settings, store)
    outcomes = {f.path.name: f.outcome for f in second.files}
    assert all(outcomes[f.path.name] is Outcome.STORED for f in crashed)
    assert store.count_documents("processed") == 6 and store.count_documents() == 6
    store.close()
