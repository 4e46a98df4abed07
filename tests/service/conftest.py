"""The API test modules' shared set-up: two model versions trained once, and per module a server
on a fresh PostgreSQL database with the embedded worker doing real OCR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munseo.classify import TrainOptions, load_dataset, load_schema, train
from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests.conftest import fresh_postgres_database
from tests.corpus import make_documents, write_jsonl
from tests.service.common import Api, Client


@pytest.fixture(scope="session")
def model_folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two versions of a linear model, trained here on generated texts."""
    root = tmp_path_factory.mktemp("service-models")
    schema = load_schema()
    folders = []
    for seed in (1, 2):
        data = write_jsonl(root / f"train-{seed}.jsonl", make_documents(400, seed=seed))
        folder = root / f"model-{seed}"
        train(load_dataset([str(data)], schema), schema, folder, TrainOptions(seed=seed))
        folders.append(folder)
    return folders


@pytest.fixture(scope="module")
def api(postgres_url: str, model_folders: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp("service-data")
    settings = Settings(
        data_dir=data_dir,
        database_url=fresh_postgres_database(postgres_url),
        workers=2,
        max_file_bytes=3_000_000,
        sync_max_pages=2,
    )
    store = Store(settings.resolved_database_url)
    tokens = {role: create_token(store, role, name=f"{role}-tester") for role in ("viewer", "reviewer", "admin")}
    for i, folder in enumerate(model_folders):
        register_model(store, data_dir, folder, activate=i == 0)
    with TestClient(create_app(settings, executor="local")) as client:
        yield Api(client, tokens, store, settings)
    store.close()


@pytest.fixture(scope="module")
def service(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("access-data"),
        database_url=fresh_postgres_database(postgres_url),
        login_attempts_per_minute=5,
    )
    store = Store(settings.resolved_database_url)
    tokens = {role: create_token(store, role, name=f"{role}-tester") for role in ("viewer", "reviewer", "admin")}
    with TestClient(create_app(settings, executor="none"), client=("10.0.0.1", 5000)) as client:
        yield Client(client, tokens, store)
    store.close()
