"""The watched inbox folder: files that are still being written, restarts, duplicates, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.config import Settings
from munseo.store.models import Document
from munseo.store.repository import Store
from munseo.watch import REASON_SUFFIX, Inbox, InboxWatcher
from tests import documents


def test_a_file_is_ready_only_once_its_size_has_settled(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path, settle_seconds=2.0)
    growing = tmp_path / "scan.pdf"
    growing.write_bytes(b"%PDF-1.4\n")
    assert inbox.ready(now=0.0) == [] and inbox.pending
    with growing.open("ab") as handle:  # the scanner writes more
        handle.write(b"x" * 1000)
    assert inbox.ready(now=1.9) == []
    assert inbox.ready(now=3.0) == []  # changed at 1.9: the clock starts again
    assert inbox.ready(now=4.0) == [growing]


def test_hidden_partial_and_finished_files_are_left_alone(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path, settle_seconds=0.0)
    for name in (".hidden.pdf", "scan.pdf.part", "download.crdownload", "~lock.pdf"):
        (tmp_path / name).write_bytes(b"data")
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "old.pdf").write_bytes(b"data")
    (tmp_path / "clients" / "acme").mkdir(parents=True)
    letter = tmp_path / "clients" / "acme" / "letter.docx"
    letter.write_bytes(b"PK\x03\x04")
    inbox.ready(now=0.0)
    assert inbox.ready(now=1.0) == [letter]
    assert inbox.client_ref(letter) == "clients"


def test_settle_moves_without_ever_overwriting(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    inbox = Inbox(tmp_path / "in")
    first = tmp_path / "in" / "a.pdf"
    first.write_bytes(b"one")
    moved = inbox.settle(first)
    assert moved == tmp_path / "in" / "done" / "a.pdf" and moved.read_bytes() == b"one"
    second = tmp_path / "in" / "a.pdf"
    second.write_bytes(b"two")
    again = inbox.settle(second, reason="the file is empty (0 bytes)")
    assert again == tmp_path / "in" / "failed" / "a.pdf"
    third = tmp_path / "in" / "a.pdf"
    third.write_bytes(b"three")
    assert inbox.settle(third, reason="bad") == tmp_path / "in" / "failed" / "a (2).pdf"
    assert (tmp_path / "in" / "failed" / ("a.pdf" + REASON_SUFFIX)).read_text().strip() == (
        "the file is empty (0 bytes)"
    )
    assert moved.read_bytes() == b"one"  # nothing overwritten


def test_kept_files_are_taken_once(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path, keep=True, settle_seconds=0.0)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"one")
    inbox.ready(now=0.0)
    assert inbox.ready(now=1.0) == [pdf]
    assert inbox.settle(pdf) == pdf and pdf.exists()
    inbox.ready(now=2.0)
    assert inbox.ready(now=3.0) == []


def test_the_server_inbox_admits_moves_and_survives_a_restart(settings: Settings, tmp_path: Path) -> None:
    """``serve --watch``: files are admitted for the executor and moved once their documents are
    finished; a restart finds the files still there, and a file admitted twice is one document."""
    folder = tmp_path / "inbox"
    (folder / "acme").mkdir(parents=True)
    (folder / "later").mkdir()
    pdf = documents.born_digital_pdf(folder / "acme" / "bill.pdf", pages=1)
    copy = folder / "later" / "bill-again.pdf"
    copy.write_bytes(pdf.read_bytes())
    (folder / "noise.pdf").write_bytes(b"\x00\x01 not a pdf")
    store = Store(settings.resolved_database_url)
    notified = []
    watcher = InboxWatcher(Inbox(folder, settle_seconds=0.0), settings, store, lambda: notified.append(1))
    watcher.scan()  # sees the files
    watcher.scan()  # admits them
    assert notified and not (folder / "noise.pdf").exists()
    reason = (folder / "failed" / ("noise.pdf" + REASON_SUFFIX)).read_text()
    assert "unsupported file type" in reason
    # the copy has the same content: one document, and the copy is done at once
    assert (folder / "done" / "later" / "bill-again.pdf").exists()
    assert pdf.exists()  # still waiting for the executor

    # the server stops here; the next one finds bill.pdf again: the same document, not a second
    store.close()
    store = Store(settings.resolved_database_url)
    restarted = InboxWatcher(Inbox(folder, settle_seconds=0.0), settings, store, lambda: None)
    restarted.scan()
    restarted.scan()
    assert (folder / "done" / "acme" / "bill.pdf").exists()
    with store.sessions() as session:
        docs = session.query(Document).all()
        by_status = sorted((d.status, d.client_ref) for d in docs)
    assert by_status == [("failed", None), ("processing", "acme")]
    store.close()


@pytest.mark.parametrize("when", ["processed", "failed"])
def test_the_server_inbox_moves_a_file_when_its_document_is_finished(
    settings: Settings, tmp_path: Path, when: str
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    documents.born_digital_pdf(folder / "bill.pdf", pages=1)
    store = Store(settings.resolved_database_url)
    watcher = InboxWatcher(Inbox(folder, settle_seconds=0.0), settings, store, lambda: None)
    watcher.scan()
    watcher.scan()
    assert (folder / "bill.pdf").exists()
    with store.sessions.begin() as session:  # as the executor leaves it
        doc = session.query(Document).one()
        doc.status, doc.error = when, ("page 1: the OCR worker process crashed" if when == "failed" else None)
    watcher.scan()
    target = folder / ("done" if when == "processed" else "failed") / "bill.pdf"
    assert target.exists() and not (folder / "bill.pdf").exists()
    if when == "failed":
        assert "crashed" in target.with_name("bill.pdf" + REASON_SUFFIX).read_text()
    store.close()
