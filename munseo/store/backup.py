"""Backups while the service runs: ``backup`` writes a consistent snapshot of the database (SQLite's
online backup, or ``pg_dump`` of one exported snapshot) and then the content-addressed originals,
page images and model versions; ``restore`` brings one back into an empty data directory.

Files are copied after the database snapshot. Every file a row points to is written before its row
(originals before documents, images before pages, model folders before versions) and never changed
afterwards, so the copied files include every file the snapshot names; a file the snapshot does not
name yet is harmless. ``manifest.json`` is written last: a folder without it is not a backup.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Connection, Engine, String, func, inspect, literal, select, text, update
from sqlalchemy.engine import URL, make_url

from munseo import __version__
from munseo.store.db import make_engine, migrate
from munseo.store.models import Base, Document, ModelVersion, Page, utcnow

MANIFEST = "manifest.json"
SQLITE_FILE, PG_FILE = "database.sqlite", "database.pgdump"
FOLDERS = ("originals", "pages", "models")  # what the data directory holds besides the database
Progress = Callable[[int, int], None]  # files copied, files in all


class BackupProblem(StrEnum):
    NOT_EMPTY = "not_empty"  # the backup folder, or the data directory or database restored into
    NOT_A_BACKUP = "not_a_backup"
    WRONG_DATABASE = "wrong_database"  # a SQLite backup into PostgreSQL, or the other way
    TOOL_FAILED = "tool_failed"  # pg_dump / pg_restore missing or failing


class BackupError(Exception):
    def __init__(self, kind: BackupProblem, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Manifest:
    created_at: str
    munseo_version: str
    database: str  # "sqlite" or "postgresql"
    data_dir: str  # as the rows' paths spell it; restore rewrites them to the new one
    rows: dict[str, int] = field(default_factory=dict)  # per table, in the snapshot
    files: int = 0

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False))

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise BackupError(
                BackupProblem.NOT_A_BACKUP, f"{folder}: no {MANIFEST}, so not a finished backup"
            ) from None
        except (ValueError, TypeError) as exc:
            raise BackupError(BackupProblem.NOT_A_BACKUP, f"{path}: not a munseo backup manifest ({exc})") from exc


def backup(database_url: str, data_dir: Path, target: Path, progress: Progress | None = None) -> Manifest:
    """Snapshot the database and copy the data directory's files into ``target`` (new or empty)."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(BackupProblem.NOT_EMPTY, f"{target} is not empty: back up into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    engine = make_engine(database_url)
    try:
        if url.get_backend_name() == "sqlite":
            rows = _sqlite_backup(engine, target / SQLITE_FILE)
        else:
            rows = _pg_backup(engine, url, target / PG_FILE)
    finally:
        engine.dispose()
    files = _copy_files(data_dir, target / "files", progress)
    manifest = Manifest(utcnow().isoformat(), __version__, url.get_backend_name(), str(data_dir), rows, files)
    manifest.write(target)
    return manifest


def restore(source: Path, database_url: str, data_dir: Path, progress: Progress | None = None) -> Manifest:
    """Bring a backup back: into an empty (or new) data directory and an empty database."""
    manifest = Manifest.read(source)
    url = make_url(database_url)
    if url.get_backend_name() != manifest.database:
        raise BackupError(
            BackupProblem.WRONG_DATABASE,
            f"{source} holds a {manifest.database} database; restore it into a {manifest.database} database "
            f"(MUNSEO_DATABASE_URL is {url.get_backend_name()})",
        )
    if data_dir.exists() and any(p.name in FOLDERS for p in data_dir.iterdir()):
        raise BackupError(BackupProblem.NOT_EMPTY, f"{data_dir} already holds munseo files: restore into a new one")
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError(BackupProblem.NOT_EMPTY, f"the database {url.render_as_string()} is not empty")
        if manifest.database == "sqlite":
            engine.dispose()
            _sqlite_restore(source / SQLITE_FILE, Path(url.database or ""))
        else:
            _pg_restore(url, source / PG_FILE)
        _copy_files(source / "files", data_dir, progress)
        _relocate(engine, manifest.data_dir, str(data_dir))
        migrate(engine)  # a backup made by an older munseo
    finally:
        engine.dispose()
    return manifest


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per munseo table."""
    with engine.connect() as connection:
        return _counts(connection)


def _counts(connection: Connection) -> dict[str, int]:
    count = select(func.count())
    return {t.name: connection.execute(count.select_from(t)).scalar_one() for t in Base.metadata.sorted_tables}


def _sqlite_backup(engine: Engine, target: Path) -> dict[str, int]:
    source = sqlite3.connect(engine.url.database or "")
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one consistent snapshot, while writers go on
    finally:
        copy.close()
        source.close()
    snapshot = make_engine(f"sqlite:///{target}")
    try:
        return row_counts(snapshot)
    finally:
        snapshot.dispose()


def _sqlite_restore(source: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        leftover.unlink(missing_ok=True)  # checked empty above
    shutil.copyfile(source, database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (kept out of the process list) and the environment holding it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _tool(name: str, *args: str, env: dict[str, str]) -> None:
    binary = shutil.which(name)
    if binary is None:
        raise BackupError(BackupProblem.TOOL_FAILED, f"{name} is not installed (Debian: postgresql-client)")
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(BackupProblem.TOOL_FAILED, f"{name} failed: {done.stderr.strip()[-2000:]}")


def _pg_backup(engine: Engine, url: URL, target: Path) -> dict[str, int]:
    """pg_dump of a snapshot exported by a transaction that also counts the rows, so both agree."""
    plain, env = _libpq(url)
    with engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        rows = _counts(connection)
        _tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={target}", f"--dbname={plain}", env=env)  # fmt: skip
        connection.rollback()
    return rows


def _pg_restore(url: URL, source: Path) -> None:
    plain, env = _libpq(url)
    _tool("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={plain}", str(source), env=env)


def _copy_files(root: Path, target: Path, progress: Progress | None) -> int:
    files = [p for folder in FOLDERS for p in sorted((root / folder).rglob("*")) if p.is_file()]
    files = [p for p in files if not p.name.endswith(".part")]  # copies still being written
    for i, path in enumerate(files, 1):
        copy = target / path.relative_to(root)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        if progress:
            progress(i, len(files))
    return len(files)


def _relocate(engine: Engine, old: str, new: str) -> None:
    """Point the rows' file paths from the backed-up data directory to the restored one."""
    if old == new:
        return
    prefix = old.rstrip("/") + "/"
    n = len(prefix)
    with engine.begin() as connection:
        for column in (Document.original_path, Page.image_path, ModelVersion.path):
            connection.execute(
                update(column.class_)
                .where(func.substr(column, 1, n) == prefix)
                .values({column.key: literal(new.rstrip("/") + "/", String).op("||")(func.substr(column, n + 1))})
            )
