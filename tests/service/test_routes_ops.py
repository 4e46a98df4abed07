"""The model routes: activating another version while requests are in flight fails none of them."""

from __future__ import annotations

import threading
import time

import pytest

from tests.corpus import make_documents
from tests.service.common import Api

pytestmark = pytest.mark.postgres


def test_hot_reload_fails_no_request_in_flight(api: Api) -> None:
    versions = [m["version"] for m in api.get("/api/models").json()]
    active = next(m["version"] for m in api.get("/api/models").json() if m["active"])
    other = next(v for v in versions if v != active)
    text = make_documents(1, seed=5)[0]["text"]
    statuses: list[int] = []
    seen: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            r = api.post("/api/classify/text", role="viewer", json={"text": text})
            statuses.append(r.status_code)
            if r.status_code == 200:
                seen.add(r.json()["model_version"])

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    activated = api.post(f"/api/models/{other}/activate", role="admin")
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    assert activated.status_code == 200 and activated.json()["active"]
    assert statuses and set(statuses) == {200}
    assert seen == {active, other}
    after = api.post("/api/classify/text", role="viewer", json={"text": text}).json()
    assert after["model_version"] == other
    api.post(f"/api/models/{active}/activate", role="admin")
