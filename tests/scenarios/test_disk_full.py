"""The data disk fills up during uploads (a small tmpfs the test mounts): a clear 507 naming the file,
no partial file left behind, a file that was received but could not be stored recorded as failed,
the database consistent; once space returns, the same file is accepted."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from munseo.config import Settings
from munseo.evaluate.testpages import text_pdf
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests.corpus import make_documents

pytestmark = pytest.mark.slow
AS_ROOT = [] if os.geteuid() == 0 else ["sudo", "-n"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 8 MiB tmpfs mounted for the test (as root, or through sudo)."""
    folder = tmp_path / "data"
    folder.mkdir()
    subprocess.run([*AS_ROOT, "mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run([*AS_ROOT, "umount", "-l", str(folder)], check=True)


def _free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _fill(folder: Path, leave: int) -> Path:
    """A file that leaves about ``leave`` bytes free."""
    filler = folder / "filler"
    with filler.open("ab") as out:
        out.write(b"\0" * max(0, _free(folder) - leave))
    return filler


def _noise_png(path: Path, side: int = 640) -> Path:
    """A valid page image that does not compress: about 1.2 MB."""
    pixels = np.random.default_rng(5).integers(0, 256, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def _stray(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and (p.name.endswith(".part") or "incoming" in p.parts)]


def test_a_full_data_disk_refuses_cleanly_and_recovers(small_disk: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=small_disk, database_url=f"sqlite:///{tmp_path / 'munseo.db'}")
    store = Store(settings.resolved_database_url)
    admin = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    image = _noise_png(tmp_path / "big-scan.png")
    size = image.stat().st_size
    first = text_pdf(tmp_path / "first.pdf", make_documents(1, seed=51)[0]["text"])
    with TestClient(create_app(settings, executor="none")) as client:

        def upload(path: Path) -> httpx.Response:
            return client.post("/api/documents", headers=admin, files=[("files", (path.name, path.read_bytes()))])

        assert upload(first).status_code == 202

        # no room to receive the file at all
        filler = _fill(small_disk, size // 2)
        refused = upload(image)
        assert refused.status_code == 507, refused.text
        assert "big-scan.png" in refused.json()["error"]["message"]
        assert _stray(small_disk) == []
        assert client.get("/api/documents", headers=admin).json()["total"] == 1

        # room to receive it, none to keep the original: recorded as failed, no partial copy
        filler.unlink()
        filler = _fill(small_disk, size + size // 2)
        refused = upload(image)
        assert refused.status_code == 507, refused.text
        assert "could not be saved" in refused.json()["error"]["message"]
        assert _stray(small_disk) == []
        failed = client.get("/api/documents", headers=admin, params={"status": "failed"}).json()
        assert failed["total"] == 1 and failed["items"][0]["filename"] == "big-scan.png"

        # space returns: the same file is accepted and its original kept whole
        filler.unlink()
        accepted = upload(image)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["documents"][0]["status"] == "queued"
        originals = [p for p in small_disk.rglob("*") if p.is_file() and p.stat().st_size == size]
        assert len(originals) == 1 and originals[0].read_bytes() == image.read_bytes()
        assert client.get("/readyz", headers=admin).json()["checks"]["database"] == "ok"
    store.close()
