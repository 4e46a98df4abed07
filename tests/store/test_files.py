"""The data directory's layout: originals by content hash (stored once, whole or not at all) and
page images beside them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from munseo.store.files import DataDir


def _source(path: Path, content: bytes) -> tuple[Path, str]:
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_an_original_is_stored_once_under_its_hash(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    source, sha = _source(tmp_path / "scan.pdf", b"%PDF-1.7 one")
    stored = data.store_original(source, sha, "application/pdf")
    assert stored == tmp_path / "data" / "originals" / sha[:2] / f"{sha}.pdf"
    assert stored.read_bytes() == b"%PDF-1.7 one"
    mtime = stored.stat().st_mtime_ns
    again, _ = _source(tmp_path / "same.pdf", b"%PDF-1.7 one")
    assert data.store_original(again, sha, "application/pdf") == stored and stored.stat().st_mtime_ns == mtime
    assert data.original_path(sha, "image/unknown").suffix == ""
    assert data.page_image_path(sha, 3) == tmp_path / "data" / "pages" / sha[:2] / sha / "0003.jpg"


def test_a_copy_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    source, sha = _source(tmp_path / "page.png", b"\x89PNG whatever")
    target = data.original_path(sha, "image/png")
    target.mkdir(parents=True)  # a folder where the file should go: the final rename fails
    with pytest.raises(OSError):
        data.store_original(source, sha, "image/png")
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no .part file left
