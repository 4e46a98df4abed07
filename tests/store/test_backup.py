"""munseo backup / restore: a snapshot taken while documents are being processed restores into a
fresh data directory with every document, page, label, review and model it held, on both databases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from munseo.classify import Classifier
from munseo.classify.registry import register_model
from munseo.cli import app as cli_app
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token
from munseo.store.backup import BackupError, BackupProblem, Manifest, backup, restore, row_counts
from munseo.store.models import Document, ModelVersion, Page
from munseo.store.repository import Store
from tests import documents
from tests.conftest import fresh_postgres_database
from tests.corpus import trained_model

pytestmark = pytest.mark.slow


def _empty_database(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'munseo.db'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


def _check_restored(store: Store, manifest: Manifest, data_dir: Path) -> None:
    """The restored database is the snapshot, and every file a row names is there and usable."""
    assert row_counts(store.engine) == manifest.rows
    with store.sessions() as session:
        originals = session.scalars(select(Document.original_path).where(Document.original_path.is_not(None))).all()
        images = session.scalars(select(Page.image_path).where(Page.image_path.is_not(None))).all()
        models = session.scalars(select(ModelVersion.path)).all()
    assert originals and images and models
    for path in [*originals, *images, *models]:
        assert Path(path).is_relative_to(data_dir) and Path(path).exists(), path
    for path in models:
        Classifier(path)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_backup_while_processing_restores_everything(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    live = tmp_path / "live"
    settings = Settings(data_dir=live, database_url=_empty_database(kind, live, request), workers=1)
    store = Store(settings.resolved_database_url)
    register_model(store, live, trained_model(tmp_path), activate=True)
    headers = {"Authorization": f"Bearer {create_token(store, 'admin')}"}

    def upload(client: TestClient, *paths: Path) -> list[int]:
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        answer = client.post("/api/documents", headers=headers, files=files)
        assert answer.status_code == 202, answer.text
        return [d["document_id"] for d in answer.json()["documents"]]

    def wait(client: TestClient, doc_ids: list[int]) -> None:
        deadline = time.monotonic() + 240
        while any(client.get(f"/api/documents/{i}", headers=headers).json()["status"] != "processed" for i in doc_ids):
            assert time.monotonic() < deadline
            time.sleep(0.3)

    with TestClient(create_app(settings, executor="local")) as client:
        first = upload(client, documents.born_digital_pdf(tmp_path / "bill.pdf", pages=2))
        wait(client, first)
        task, label = next(iter(client.get(f"/api/documents/{first[0]}", headers=headers).json()["labels"].items()))
        reviewed = client.post(f"/api/documents/{first[0]}/review", headers=headers, json={"action": "accept"}).json()
        assert reviewed["reviewed_by"]
        scans = [documents.png_page(tmp_path / f"scan-{i}.png", seed=60 + i, dpi=200)[0] for i in range(5)]
        later = upload(client, *scans)

        during = backup(settings.resolved_database_url, live, tmp_path / "backup-1")  # OCR is under way
        with store.sessions() as session:
            unfinished = session.scalars(select(Document.status).where(Document.id.in_(later))).all()
        assert during.rows["documents"] >= 2 and during.files > 0
        assert any(status != "processed" for status in unfinished), "the backup should overlap processing"
        wait(client, later)
        after = backup(settings.resolved_database_url, live, tmp_path / "backup-2")
        assert after.rows == row_counts(store.engine)
        assert after.rows["documents"] == 6 and after.rows["reviews"] >= 1
        with store.sessions() as session:
            assert set(session.scalars(select(Document.status))) == {"processed"}
    store.close()

    for name, manifest in (("backup-1", during), ("backup-2", after)):
        fresh = tmp_path / f"restored-{name}"
        url = _empty_database(kind, fresh, request)
        restore(tmp_path / name, url, fresh)
        restored = Store(url)
        _check_restored(restored, manifest, fresh)
        restored.close()

    fresh = tmp_path / "restored-backup-2"
    again = Settings(data_dir=fresh, database_url=url)
    view = Store(url)
    token = create_token(view, "viewer")
    view.close()
    with TestClient(create_app(again, executor="none")) as client:
        auth = {"Authorization": f"Bearer {token}"}
        doc = client.get(f"/api/documents/{first[0]}", headers=auth).json()
        assert doc["reviewed_by"] == reviewed["reviewed_by"] and doc["labels"][task]["label"] == label["label"]
        assert client.get(f"/api/documents/{later[0]}/pages/1/image", headers=auth).status_code == 200
        listed = client.get("/api/documents", headers=auth).json()
        assert listed["total"] == 6


def test_backup_and_restore_refuse_what_would_mix_or_lose_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = tmp_path / "live"
    store = Store(f"sqlite:///{live / 'munseo.db'}")
    register_model(store, live, trained_model(tmp_path, count=200), activate=True)
    store.close()
    url = f"sqlite:///{live / 'munseo.db'}"
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("something")
    with pytest.raises(BackupError) as refused:
        backup(url, live, tmp_path / "used")
    assert refused.value.kind is BackupProblem.NOT_EMPTY
    backup(url, live, tmp_path / "good")
    with pytest.raises(BackupError) as refused:
        restore(tmp_path / "good", url, live)  # onto the live data directory
    assert refused.value.kind is BackupProblem.NOT_EMPTY
    with pytest.raises(BackupError) as refused:
        restore(tmp_path / "used", f"sqlite:///{tmp_path / 'new' / 'munseo.db'}", tmp_path / "new")
    assert refused.value.kind is BackupProblem.NOT_A_BACKUP
    with pytest.raises(BackupError) as refused:
        restore(tmp_path / "good", "postgresql://nobody@127.0.0.1:1/none", tmp_path / "new")
    assert refused.value.kind is BackupProblem.WRONG_DATABASE

    runner = CliRunner()
    monkeypatch.setenv("MUNSEO_DATA_DIR", str(live))
    monkeypatch.delenv("MUNSEO_DATABASE_URL", raising=False)
    made = runner.invoke(cli_app, ["backup", str(tmp_path / "cli-backup")])
    assert made.exit_code == 0, made.output
    assert "1 model versions" in made.stdout and (tmp_path / "cli-backup" / "manifest.json").exists()
    assert runner.invoke(cli_app, ["backup", str(tmp_path / "cli-backup")]).exit_code == 8
    monkeypatch.setenv("MUNSEO_DATA_DIR", str(tmp_path / "cli-restored"))
    restored = runner.invoke(cli_app, ["restore", str(tmp_path / "cli-backup")])
    assert restored.exit_code == 0, restored.output
    check = Store(f"sqlite:///{tmp_path / 'cli-restored' / 'munseo.db'}")
    assert check.versions.active() is not None
    assert Path(check.versions.active().path).is_relative_to(tmp_path / "cli-restored")
    check.close()
    assert runner.invoke(cli_app, ["restore", str(tmp_path / "cli-backup")]).exit_code == 8
