"""The admin routes (and ``munseo token``): tokens are random, stored only as hashes, expire,
revoke at once and never reach the logs; the audit log records who did what."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from munseo.cli import app as cli_app
from munseo.service.auth import create_token, hash_token
from munseo.store.models import ApiToken
from tests.service.common import Client

pytestmark = pytest.mark.postgres


def test_tokens_are_random_hashed_expire_and_revoke_at_once(service: Client) -> None:
    made = service.call("POST", "/api/tokens", "admin", json={"role": "reviewer", "name": "scanner-3"})
    assert made.status_code == 201, made.text
    token, record = made.json()["token"], made.json()["record"]
    other = service.call("POST", "/api/tokens", "admin", json={"role": "reviewer", "name": "scanner-4"}).json()
    assert token != other["token"] and len(token) >= 40
    assert record["prefix"] == token[:12] and token not in made.text.replace(f'"token":"{token}"', "")
    with service.store.sessions() as session:
        rows = session.scalars(select(ApiToken)).all()
    stored = " ".join(f"{r.name} {r.token_hash} {r.prefix}" for r in rows)
    assert token not in stored and hash_token(token) in stored
    listed = service.call("GET", "/api/tokens", "admin").text
    assert token not in listed and hash_token(token) not in listed

    assert service.client.get("/api/documents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = service.call("POST", f"/api/tokens/{record['id']}/revoke", "admin")
    assert revoked.json()["revoked"] is True and revoked.json()["revoked_by"] == "admin-tester"
    again = service.client.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401

    expired = create_token(service.store, "viewer", "short", expires_in=timedelta(seconds=-1))
    assert service.client.get("/api/documents", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    live = create_token(service.store, "viewer", "long", expires_in=timedelta(days=1))
    assert service.client.get("/api/documents", headers={"Authorization": f"Bearer {live}"}).status_code == 200
    bad = service.call("POST", "/api/tokens", "admin", json={"role": "root"})
    assert bad.status_code == 422


def test_token_command_line_makes_lists_and_revokes(service: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNSEO_DATABASE_URL", service.store.url)
    monkeypatch.setenv("MUNSEO_DATA_DIR", str(Path(service.client.app.state.settings.data_dir)))
    runner = CliRunner()
    made = runner.invoke(cli_app, ["token", "create", "--role", "viewer", "--name", "nightly", "--expires-days", "2"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    record = service.store.tokens.use(hash_token(token))
    assert record is not None and record.expires_at is not None
    listing = runner.invoke(cli_app, ["token", "ls"])
    assert "nightly" in listing.stdout and token not in listing.stdout
    assert runner.invoke(cli_app, ["token", "revoke", str(record.id)]).exit_code == 0
    assert service.store.tokens.use(hash_token(token)) is None
    missing = runner.invoke(cli_app, ["token", "revoke", "987654"])
    assert missing.exit_code == 7 and "no token with id 987654" in missing.output


def test_tokens_never_reach_the_logs(service: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    made = service.call("POST", "/api/tokens", "admin", json={"role": "viewer", "name": "logged?"}).json()
    token = made["token"]
    service.client.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    service.client.post("/login", data={"token": token})
    service.client.cookies.clear()
    service.client.get("/api/documents", headers={"Authorization": f"Bearer {token}x"})
    assert caplog.records, "nothing was logged: the check would prove nothing"
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert token not in text and token[12:] not in text


def test_audit_log_records_who_did_what(service: Client) -> None:
    service.call("POST", "/api/tokens", "admin", json={"role": "viewer", "name": "audited"})
    made = service.store.tokens.all()[0]
    service.call("POST", f"/api/tokens/{made.id}/revoke", "admin")
    service.call("POST", "/api/documents", "reviewer", files={"files": ("blank.txt", b"")})
    page = service.call("GET", "/api/audit", "admin").json()
    events = [(e["actor"], e["action"], e["target"]) for e in page["items"]]
    assert ("admin-tester", "revoke_token", f"token:{made.id}") in events
    assert ("admin-tester", "create_token", f"token:{made.id}") in events
    uploads = service.call("GET", "/api/audit?action=upload&actor=reviewer-tester", "admin").json()
    assert uploads["total"] >= 1 and all(e["action"] == "upload" for e in uploads["items"])
    assert uploads["items"][0]["detail"]["filename"] == "blank.txt"
    assert uploads["items"][0]["detail"]["status"] == "failed"
    assert service.call("GET", "/api/audit", "reviewer").status_code == 403
