"""``munseo demo`` (what ``make demo`` runs) end to end on a small set: documents generated, a model
trained and activated, the server started, the documents uploaded and processed, and a summary
with the URL and an admin token that works; a second run reuses what the first made."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.service.auth import hash_token
from munseo.store.repository import Store


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _demo(folder: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "munseo", "demo", "--dir", str(folder), "--count", "4", "--train-count", "150"]
    command += ["--port", str(_free_port()), "--no-keep-running"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_the_demo_runs_the_main_job_and_a_second_run_reuses_it(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = _demo(folder)
    assert first.returncode == 0, first.stderr[-3000:]
    summary = re.search(r"(\d+) documents processed, (\d+) failed, (\d+) pages", first.stdout)
    assert summary is not None, first.stdout
    assert int(summary[1]) + int(summary[2]) == 6 and int(summary[1]) >= 4  # 4 documents and 2 unknown inputs
    token = (folder / "store" / "admin-token").read_text().strip()
    assert token in first.stdout and "munseo is running at http://127.0.0.1:" in first.stdout
    store = Store(Settings(data_dir=folder / "store").resolved_database_url)
    assert store.tokens.use(hash_token(token)) is not None and store.versions.active() is not None
    versions = [v.version for v in store.versions.all()]
    store.close()

    again = _demo(folder)
    assert again.returncode == 0, again.stderr[-3000:]
    store = Store(Settings(data_dir=folder / "store").resolved_database_url)
    assert [v.version for v in store.versions.all()] == versions  # the model was not trained again
    assert store.documents.count() == 6  # the same files are the same documents
    store.close()
