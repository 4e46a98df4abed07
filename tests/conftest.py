"""Shared fixtures: settings on a temp data dir, and the store on SQLite and on a real PostgreSQL.

PostgreSQL: ``MUNSEO_TEST_DATABASE_URL`` if set (a server you run), otherwise a throwaway cluster
made with initdb in a temp dir and started with pg_ctl on a free port, torn down after the session.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from munseo.config import Settings
from munseo.store.repository import Store

# Property tests draw the same examples on every run, so CI cannot fail one run in eight on a rare
# example; explore new ones locally with ``pytest --hypothesis-seed=N`` or the "explore" profile.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("MUNSEO_HYPOTHESIS_PROFILE", "ci"))


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install the Debian package postgresql (make test does)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Cluster:
    """initdb + pg_ctl in a temp dir. As root, the server runs as the 'postgres' system user."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="munseo-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> str:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "munseo", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"
        )
        self.resume()
        return f"postgresql+psycopg://munseo@127.0.0.1:{self.port}/postgres"

    def pause(self) -> None:
        """Stop the server, keeping its data (an outage)."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database; tests make their own databases."""
    if os.environ.get("MUNSEO_TEST_DATABASE_URL"):
        yield os.environ["MUNSEO_TEST_DATABASE_URL"]
        return
    cluster = _Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


_db_numbers = itertools.count(1)


def fresh_postgres_database(server_url: str) -> str:
    url = make_url(server_url)
    name = f"munseo_test_{os.getpid()}_{next(_db_numbers)}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'munseo.db'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, workers=2)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.resolved_database_url)
    yield store
    store.close()


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A throwaway redis-server on ``port`` (Debian package redis-server), once it takes connections."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    server = start_redis(port, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def start_celery_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A ``munseo worker`` process of one slot, in a session of its own (stop it with killpg)."""
    return subprocess.Popen(
        [sys.executable, "-m", "munseo", "worker", "--concurrency", "1", "--hostname", f"{name}@%h"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
