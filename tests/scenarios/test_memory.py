"""Memory stays bounded on hostile input: ``munseo ingest`` of the whole hostile corpus
(decompression bombs, a 5,000-page PDF, 20,000 × 20,000-point pages, 16-bit and animated images…)
and a real page to read peaks below a fixed budget, measured as the largest resident set any of
its processes reached (the OCR workers included)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.store.repository import Store
from tests import documents
from tests.hostile import cases

# An OCR worker reading a 300-DPI page holds a few hundred MB; one 40,000 × 40,000 bomb decoded
# would take 1.6 GB grey, 4.8 GB in colour.
BUDGET_BYTES = 1200 * 2**20
# Runs ``munseo ingest`` and prints the largest resident set (KiB) of it and its descendants.
PEAK = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


@pytest.mark.slow
def test_ingesting_the_hostile_corpus_stays_within_a_memory_budget(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    hostile = cases()
    for case in hostile:
        case.make(inbox / case.filename)
    documents.png_page(inbox / "real-page.png", seed=3, dpi=300)
    env = {**os.environ, "MUNSEO_DATA_DIR": str(tmp_path / "data"), "MUNSEO_WORKERS": "2"}
    measured = subprocess.run(
        [sys.executable, "-c", PEAK, sys.executable, "-m", "munseo", "ingest", str(inbox)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    code, peak_kib = (int(v) for v in measured.stdout.split())
    assert code in (0, 1), measured.stderr[-2000:]  # 1: some files failed, as they must; no crash
    assert peak_kib * 1024 < BUDGET_BYTES, f"peak resident set {peak_kib / 1024:.0f} MiB"
    store = Store(Settings(data_dir=tmp_path / "data").resolved_database_url)
    # every file has its record, the real page read
    assert store.documents.count() >= len({c.filename for c in hostile if c.refused is None}) + 1
    assert store.documents.count("processed") >= 1
    store.close()
