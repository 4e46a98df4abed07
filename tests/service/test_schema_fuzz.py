"""Schemathesis against munseo's own OpenAPI schema: every operation, a bounded number of generated
requests, sent to a running server as each role and with no token at all. No answer may be a 500,
and every answer must be one the schema documents, in the shape it documents."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.repository import Store
from tests.conftest import fresh_postgres_database
from tests.corpus import trained_model

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROLES = ("viewer", "reviewer", "admin")

schema = schemathesis.openapi.from_dict(create_app(Settings(data_dir=Path("unused"))).openapi())


class Server:
    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        self.url, self.tokens = url, tokens


@pytest.fixture(scope="module")
def server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        data_dir=root / "data", database_url=fresh_postgres_database(postgres_url), max_file_bytes=200_000
    )
    store = Store(settings.resolved_database_url)
    register_model(store, settings.data_dir, trained_model(root, count=200), activate=True)
    tokens = {role: create_token(store, role, name=f"fuzz-{role}") for role in ROLES}
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(settings, executor="none")
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", tokens)
    uv.should_exit = True
    thread.join(timeout=30)


# Whether an upload is a document, or a job or version exists, the schema cannot say: a refusal of
# a schema-valid request is right there (and tested by the tests of those endpoints).
STATEFUL = {"/api/documents", "/api/classify/document"}


@schema.parametrize()
@settings(max_examples=8, suppress_health_check=list(HealthCheck), deadline=None)
def test_no_500s_and_every_answer_matches_the_schema(case: Case, server: Server) -> None:
    excluded = [positive_data_acceptance] if case.operation.path in STATEFUL and case.method == "POST" else []
    for role in (*ROLES, None):
        headers = {"Authorization": f"Bearer {server.tokens[role]}"} if role else {}
        case.call_and_validate(base_url=server.url, headers=headers, excluded_checks=excluded)
