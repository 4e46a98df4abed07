"""The munseo command as a user runs it: a real process, real files, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from munseo.errors import ExitCode
from munseo.evaluate.metrics import cer
from tests import documents


def munseo(*args: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MUNSEO_DATA_DIR": str(data_dir), "MUNSEO_WORKERS": "2", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "munseo", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_the_command_and_the_ocr_workers_start_without_scikit_learn() -> None:
    """Every command and every spawned OCR worker imports these modules; scikit-learn alone took
    1.2 of the command's 3.0 s to import, and only training and fitting content vectors need it."""
    code = "import sys, munseo.cli, munseo.pipeline; print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert run.stdout.strip() == "[]"


@pytest.mark.slow
def test_ingest_ls_show_and_exit_code(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    documents.born_digital_pdf(inbox / "bill.pdf", pages=2)
    documents.png_page(inbox / "scan.png", dpi=200)
    (inbox / "empty.pdf").write_bytes(b"")
    data = tmp_path / "data"

    run = munseo("ingest", str(inbox), data_dir=data, cwd=tmp_path)
    assert run.returncode == ExitCode.DOCUMENTS_FAILED, run.stderr  # some failed
    assert "documents stored" in run.stdout and "empty.pdf" in run.stdout
    assert "the file is empty (0 bytes)" in run.stdout
    assert "pages/s" in run.stderr  # the progress bar's rate
    assert (data / "munseo.db").is_file()

    again = munseo("ingest", str(inbox / "bill.pdf"), data_dir=data, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already stored" in again.stdout

    listing = munseo("ls", data_dir=data, cwd=tmp_path)
    assert listing.returncode == 0 and "bill.pdf" in listing.stdout and "failed" in listing.stdout

    shown = json.loads(munseo("show", "1", "--json", data_dir=data, cwd=tmp_path).stdout)
    assert shown["status"] == "processed" and shown["page_count"] == 2
    assert [p["source"] for p in shown["pages"]] == ["text-layer", "text-layer"]
    missing = munseo("show", "999", data_dir=data, cwd=tmp_path)
    assert missing.returncode == ExitCode.NOT_FOUND and "no document with id 999" in missing.stderr

    # Search, from the index written as the documents were stored; reindex writes it again.
    found = munseo("search", "도시철도", data_dir=data, cwd=tmp_path)
    assert found.returncode == 0 and "1 documents match" in found.stdout and "bill.pdf" in found.stdout
    rebuilt = munseo("reindex", data_dir=data, cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "indexed 2 documents (3 pages)" in rebuilt.stdout and "2 content vectors" in rebuilt.stdout
    assert "0 documents linked as rescans" in rebuilt.stdout  # two different documents
    assert "1 documents match" in munseo("search", "도시철도", data_dir=data, cwd=tmp_path).stdout


@pytest.mark.slow
def test_ocr_prints_text_or_json_without_storing(tmp_path: Path) -> None:
    png, truth = documents.png_page(tmp_path / "page.png", dpi=300)
    data = tmp_path / "data"
    run = munseo("ocr", str(png), "--json", data_dir=data, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    [page] = result["pages"]
    assert page["source"] == "ocr" and page["engine"]["languages"] == "Hangul+eng"
    assert page["blocks"][0]["lines"][0]["words"][0]["confidence"] > 0
    plain = munseo("ocr", str(png), data_dir=data, cwd=tmp_path)
    assert plain.returncode == 0 and cer(truth, plain.stdout) < 0.05
    assert cer(truth, page["text"]) < 0.05
    assert not data.exists()

    bad = tmp_path / "notes.pdf"
    bad.write_text("just some notes")
    failed = munseo("ocr", str(bad), data_dir=data, cwd=tmp_path)
    assert (
        failed.returncode == ExitCode.INPUT_REFUSED
        and "notes.pdf: unsupported file type: the content is plain text" in failed.stderr
    )
