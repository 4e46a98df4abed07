"""A large upload, while it arrives, is spooled inside the data directory, never in the machine's
shared temp folder: `munseo serve` makes DATA_DIR/tmp its temp folder."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from munseo.config import Settings
from munseo.service.auth import create_token
from munseo.service.cli import STALE_TEMP_SECONDS
from munseo.store.repository import Store
from tests.conftest import _free_port
from tests.scenarios.test_server_kill import _serve

pytestmark = pytest.mark.slow
BOUNDARY = "munseo-spool-test"


def _open_in(pid: int, folder: Path) -> list[str]:
    """Files the process holds open inside ``folder``. Python's temp files are unnamed (O_TMPFILE):
    no listing shows them, the process's open descriptors do."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith(f"{folder.resolve()}/"):
            found.append(target)
    return found


def test_an_upload_is_spooled_in_the_data_directory_not_in_the_system_temp(tmp_path: Path) -> None:
    data, system_tmp = tmp_path / "data", tmp_path / "system-tmp"
    system_tmp.mkdir()
    (data / "tmp").mkdir(parents=True)
    stale = data / "tmp" / "left-by-a-crash"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - STALE_TEMP_SECONDS - 60,) * 2)
    settings = Settings(data_dir=data, database_url=f"sqlite:///{tmp_path / 'munseo.db'}")
    store = Store(settings.resolved_database_url)
    headers = {"Authorization": f"Bearer {create_token(store, 'admin')}"}
    store.close()
    env = {
        **os.environ,
        "MUNSEO_DATA_DIR": str(data),
        "MUNSEO_DATABASE_URL": settings.database_url or "",
        "TMPDIR": str(system_tmp),
    }
    # Noise does not compress: a PNG of about 3 MiB, past Starlette's 1 MiB spooling threshold.
    noise = np.random.default_rng(5).integers(0, 256, (1000, 1000, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    png = buffer.getvalue()
    assert len(png) > 2 * 2**20
    port, log = _free_port(), tmp_path / "serve.log"
    seen: dict[str, list[str]] = {}

    def body() -> Iterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        yield png[: 2 * 2**20]
        deadline = time.monotonic() + 15  # the server is now holding 2 MiB of an unfinished upload
        while time.monotonic() < deadline and not (
            _open_in(server.pid, data / "tmp") or _open_in(server.pid, system_tmp)
        ):
            time.sleep(0.05)
        seen["data"], seen["system"] = _open_in(server.pid, data / "tmp"), _open_in(server.pid, system_tmp)
        yield png[2 * 2**20 :]
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    server = _serve(env, port, log)
    try:
        assert not stale.exists(), "a day-old leftover of a crash is removed at start"
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/documents",
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            content=body(),
            timeout=60,
        )
        assert answer.status_code == 202, answer.text
    finally:
        server.kill()
        server.wait(timeout=30)
    assert seen["system"] == [], f"spooled outside the data directory: {seen['system']}"
    assert len(seen["data"]) == 1, "the upload's spool file, inside DATA_DIR/tmp"
