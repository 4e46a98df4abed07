"""The model registry: a damaged version is never activated, and a process whose active folder is
damaged (or whose newly active version cannot be loaded) keeps serving the classifier it holds and
says so on /readyz and once in the log."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munseo.classify.errors import RegistryError
from munseo.classify.registry import LoadedModel, ModelHolder, activate_model, register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests.corpus import make_documents, trained_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("registry")
    return trained_model(root, count=150, seed=3), trained_model(root, count=150, seed=8)


def _damage(folder: Path) -> tuple[Path, bytes]:
    """Append bytes to the ONNX model of a registered folder; what it held before, to mend it."""
    file = folder / "model.onnx"
    before = file.read_bytes()
    file.write_bytes(before + b"\0damage")
    return file, before


def test_a_damaged_version_is_refused_activation(settings: Settings, store: Store, models: tuple[Path, Path]) -> None:
    good = register_model(store, settings.data_dir, models[0], activate=True)
    other = register_model(store, settings.data_dir, models[1])
    _damage(Path(other.path))
    with pytest.raises(RegistryError, match="corrupt"):
        activate_model(store, other.version)
    assert store.versions.active().version == good.version


def test_the_holder_serves_on_and_reports_a_damaged_folder(
    settings: Settings, store: Store, models: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    record = register_model(store, settings.data_dir, models[0], activate=True)
    holder = ModelHolder(store, check_every=0)
    loaded = holder.get()
    assert loaded is not None and holder.problem is None
    text = make_documents(1, seed=21)[0]["text"]
    expected = loaded.classifier.predict_one(text).labels

    file, before = _damage(Path(record.path))
    with caplog.at_level(logging.ERROR, logger="munseo.classify.registry"):
        assert holder.get() is loaded
        assert holder.get() is loaded
    assert holder.problem is not None and "damaged" in holder.problem and "model.onnx" in holder.problem
    assert len([r for r in caplog.records if "damaged" in r.getMessage()]) == 1  # said once, not every second
    assert holder.get().classifier.predict_one(text).labels == expected

    file.write_bytes(before)  # mended: the problem goes away
    assert holder.get() is loaded and holder.problem is None


def test_a_newly_active_version_that_cannot_load_leaves_the_old_one_serving(
    settings: Settings, store: Store, models: tuple[Path, Path]
) -> None:
    first = register_model(store, settings.data_dir, models[0], activate=True)
    second = register_model(store, settings.data_dir, models[1])
    holder = ModelHolder(store, check_every=0)
    assert holder.get().version == first.version
    activate_model(store, second.version)  # whole when activated, damaged before this process reloads
    file, before = _damage(Path(second.path))
    assert holder.get().version == first.version
    assert holder.problem is not None and second.version in holder.problem and first.version in holder.problem
    assert holder.get().version == first.version and holder.problem is not None  # not read again and again
    file.write_bytes(before)  # mended: the active version is loaded at last
    assert holder.get().version == second.version and holder.problem is None


def test_readyz_reports_the_damage_while_classification_goes_on(
    settings: Settings, store: Store, models: tuple[Path, Path]
) -> None:
    record = register_model(store, settings.data_dir, models[0], activate=True)
    viewer = {"Authorization": f"Bearer {create_token(store, 'viewer')}"}
    text = make_documents(1, seed=22)[0]["text"]
    with TestClient(create_app(settings, executor="none")) as client:
        assert client.get("/readyz", headers=viewer).json()["ready"] is True
        _damage(Path(record.path))
        ready = client.get("/readyz", headers=viewer)
        assert ready.status_code == 503 and "damaged" in ready.json()["checks"]["model"]
        answer = client.post("/api/classify/text", headers=viewer, json={"text": text})
        assert answer.status_code == 200 and answer.json()["model_version"] == record.version


def test_requests_that_arrive_while_the_first_load_runs_wait_for_it(
    settings: Settings, store: Store, models: tuple[Path, Path]
) -> None:
    register_model(store, settings.data_dir, models[0], activate=True)
    holder = ModelHolder(store)
    start = threading.Barrier(8)
    got: list[LoadedModel | None] = []

    def ask() -> None:
        start.wait()
        got.append(holder.get())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and all(model is not None for model in got)
    assert len({id(model) for model in got}) == 1  # loaded once


def test_the_model_in_hand_is_offered_only_while_no_check_is_due(
    settings: Settings, store: Store, models: tuple[Path, Path]
) -> None:
    """``in_hand`` (what the event loop may use without a database query) is None before the first
    load and whenever a check of the active version is due; a second version activated meanwhile is
    what ``get`` then brings."""
    register_model(store, settings.data_dir, models[0], activate=True)
    holder = ModelHolder(store, check_every=0.3)
    assert holder.in_hand() is None
    first = holder.get()
    assert first is not None and holder.in_hand() is first
    second = register_model(store, settings.data_dir, models[1])
    activate_model(store, second.version)
    deadline = time.monotonic() + 5
    while holder.in_hand() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert holder.in_hand() is None  # the check is due: the loop must not answer with the old model
    again = holder.get()
    assert again is not None and again.version == second.version and holder.in_hand() is again
