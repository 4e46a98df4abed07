"""Access control and web security: every endpoint × every role, token life (expiry, revocation,
never stored or logged in the clear), the audit log, security headers, the sign-in rate limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from munseo.cli import app as cli_app
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token, hash_token
from munseo.service.routes_web import WEB
from munseo.service.schemas import DocumentSummary, SearchItem
from munseo.store.documents import NewPage
from munseo.store.models import ApiToken, Role
from munseo.store.repository import Store
from tests.conftest import fresh_postgres_database

pytestmark = pytest.mark.postgres

PUBLIC, PAGE = "public", "page"  # no token needed; a web page (no cookie: sent to the sign-in page)

# Every route of the app and who may call it. A new route missing here fails the test below.
ACCESS: dict[tuple[str, str], str] = {
    ("POST", "/api/documents"): "reviewer",
    ("GET", "/api/documents"): "viewer",
    ("GET", "/api/documents/{doc_id}"): "viewer",
    ("GET", "/api/documents/{doc_id}/pages/{number}/image"): "viewer",
    ("GET", "/api/documents/{doc_id}/hits"): "viewer",
    ("GET", "/api/documents/{doc_id}/similar"): "viewer",
    ("GET", "/api/search"): "viewer",
    ("GET", "/api/jobs/{job_id}"): "viewer",
    ("GET", "/api/review/queue"): "viewer",
    ("POST", "/api/documents/{doc_id}/review"): "reviewer",
    ("POST", "/api/documents/{doc_id}/review/undo"): "reviewer",
    ("POST", "/api/classify/text"): "viewer",
    ("POST", "/api/classify/document"): "viewer",
    ("GET", "/api/labels/proposed"): "viewer",
    ("POST", "/api/labels/proposed/{proposal_id}/confirm"): "admin",
    ("GET", "/api/models"): "viewer",
    ("POST", "/api/models/{version}/activate"): "admin",
    ("POST", "/api/models/{version}/shadow"): "admin",
    ("POST", "/api/models/retrain"): "admin",
    ("GET", "/api/models/retrains"): "viewer",
    ("GET", "/api/stats"): "viewer",
    ("GET", "/metrics"): "viewer",
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): "viewer",
    ("GET", "/api/tokens"): "admin",
    ("POST", "/api/tokens"): "admin",
    ("POST", "/api/tokens/{token_id}/revoke"): "admin",
    ("GET", "/api/audit"): "admin",
    ("GET", "/openapi.json"): "viewer",
    ("GET", "/docs"): PAGE,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/upload"): PAGE,
    ("GET", "/documents"): PAGE,
    ("GET", "/documents/{doc_id}"): PAGE,
    ("GET", "/review"): PAGE,
    ("GET", "/models"): PAGE,
    ("GET", "/dashboard"): PAGE,
    ("GET", "/admin"): PAGE,
}
ROLES = ("none", "viewer", "reviewer", "admin")
PARAMS = {"doc_id": "1", "number": "1", "job_id": "1", "version": "v-none", "proposal_id": "1", "token_id": "999"}
QUERIES = {"/api/search": "?q=법률", "/api/documents/{doc_id}/hits": "?q=법률"}


class Client:
    def __init__(self, client: TestClient, tokens: dict[str, str], store: Store) -> None:
        self.client, self.tokens, self.store = client, tokens, store

    def call(self, method: str, path: str, role: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}
        return self.client.request(method, path, headers=headers, follow_redirects=False, **kw)


@pytest.fixture(scope="module")
def service(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("access-data"),
        database_url=fresh_postgres_database(postgres_url),
        login_attempts_per_minute=5,
    )
    store = Store(settings.resolved_database_url)
    tokens = {role: create_token(store, role, name=f"{role}-tester") for role in ROLES[1:]}
    with TestClient(create_app(settings, executor="none"), client=("10.0.0.1", 5000)) as client:
        yield Client(client, tokens, store)
    store.close()


def _body(method: str, path: str) -> dict[str, Any]:
    if method != "POST" or path in ("/logout", "/api/documents/{doc_id}/review/undo"):
        return {}
    if path == "/login":
        return {"data": {"token": "msk_wrong"}}
    if path in ("/api/documents", "/api/classify/document"):
        return {"files": {("files" if path == "/api/documents" else "file"): ("a.txt", b"not a document")}}
    bodies = {
        "/api/documents/{doc_id}/review": {"action": "accept"},
        "/api/classify/text": {"text": "국회 법률안"},
        "/api/models/{version}/shadow": {"on": True},
        "/api/tokens": {"role": "viewer", "name": "made-by-test"},
    }
    return {"json": bodies.get(path, {})}


def test_the_table_covers_every_route(service: Client) -> None:
    routes = {
        (method, context.route.path)
        for context in iter_route_contexts(service.client.app.router.routes)
        if isinstance(context.route, APIRoute)
        for method in context.route.methods
    }
    assert routes == set(ACCESS)


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_every_endpoint_for_every_role(service: Client, method: str, path: str) -> None:
    need = ACCESS[(method, path)]
    url = path.format(**PARAMS) + QUERIES.get(path, "")
    for role in ROLES:
        if path == "/login":  # the sign-in form's limit is tested on its own
            break
        answer = service.call(method, url, role, **_body(method, path))
        seen = f"{method} {url} as {role}: {answer.status_code} {answer.text[:200]}"
        assert answer.status_code < 500 or answer.status_code == 503, seen  # 503: no model is active here
        if need == PUBLIC:
            assert answer.status_code not in (401, 403), seen
        elif need == PAGE:  # pages read the session cookie, never a bearer header
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), seen
        elif role == "none":
            assert answer.status_code == 401, seen
            assert answer.json()["error"]["code"] == "unauthorized", seen
        elif Role(role).rank < Role(need).rank:
            assert answer.status_code == 403, seen
            assert need in answer.json()["error"]["message"], seen
        else:
            assert answer.status_code not in (401, 403), seen


def test_pages_by_role_and_the_admin_page_for_admins_only(service: Client) -> None:
    for role in ROLES[1:]:
        service.client.cookies.set("munseo_token", service.tokens[role])
        try:
            documents = service.client.get("/documents")
            admin = service.client.get("/admin")
        finally:
            service.client.cookies.clear()
        assert documents.status_code == 200
        assert ('href="/admin"' in documents.text) is (role == "admin")
        assert admin.status_code == (200 if role == "admin" else 403)


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


def test_lists_honour_their_filters_and_leak_no_fields(service: Client) -> None:
    """A viewer's lists (documents, search, review queue) give summaries only: never a document's
    text, its pages, its content hash or where the server keeps its files; and every filter holds."""
    store, secret_path = service.store, "/srv/munseo-private/originals/secret.pdf"
    made = {}
    bills = (("a", "전세사기 피해자 지원에 관한 특별법 일부개정법률안", "batch-a"), ("b", "소득세법 개정안", "b"))
    for name, text, ref in bills:
        doc_id = store.documents.start(
            sha256=f"leak-{name}".ljust(64, "0"),
            filename=f"{name}.pdf",
            mime="application/pdf",
            size=1,
            page_count=1,
            original_path=secret_path,
            client_ref=ref,
        )
        page = NewPage(1, 100, 100, 300, "ocr", text, text, [], 0.9, str(Path(secret_path).with_suffix(".jpg")))
        store.documents.finish(doc_id, [page], text)
        made[name] = doc_id
    listed = service.call("GET", "/api/documents?page_size=200", "viewer")
    searched = service.call("GET", "/api/search", "viewer", params={"q": "개정"})
    queue = service.call("GET", "/api/review/queue?page_size=200", "viewer")
    summary = set(DocumentSummary.model_fields)
    for answer, fields in ((listed, summary), (searched, set(SearchItem.model_fields)), (queue, summary)):
        assert answer.status_code == 200, answer.text
        assert answer.json()["items"] or answer is queue
        for item in answer.json()["items"]:
            assert set(item) <= fields and not {"text", "pages", "sha256", "original_path"} & set(item)
        assert "/srv/munseo-private" not in answer.text and "leak-" not in answer.text
    assert "피해자 지원에 관한 특별법" not in listed.text  # no text in a list
    assert {i["id"] for i in searched.json()["items"]} >= set(made.values())

    def ids(**params: str) -> set[int]:
        answer = service.call("GET", "/api/documents", "viewer", params={"page_size": "200", **params})
        assert answer.status_code == 200, answer.text
        return {i["id"] for i in answer.json()["items"]}

    assert ids(q="전세사기") == {made["a"]} and ids(q="소득세법") == {made["b"]}
    assert ids(client_ref="batch-a", q="개정") == {made["a"]}
    assert made["a"] not in ids(status="failed") and made["a"] in ids(status="processed")
    assert ids(label="committee:없는위원회") == set()


def test_security_headers_and_no_inline_script(service: Client) -> None:
    for url in ("/login", "/healthz", "/api/documents"):
        headers = service.client.get(url).headers
        policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    templates = list((WEB / "templates").glob("*.html"))
    assert len(templates) >= 8
    for template in templates:
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{template.name} has an inline script"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{template.name} has an inline event handler"


def test_sign_in_is_rate_limited(service: Client) -> None:
    settings = service.client.app.state.settings
    limit = settings.login_attempts_per_minute
    answers = [service.client.post("/login", data={"token": f"msk_guess{i}"}) for i in range(limit)]
    assert [a.status_code for a in answers] == [401] * limit
    blocked = service.client.post("/login", data={"token": service.tokens["viewer"]}, follow_redirects=False)
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["retry-after"]) <= 61
    assert "Too many failed sign-ins" in blocked.text
    elsewhere = TestClient(service.client.app, client=("10.0.0.2", 5000))
    ok = elsewhere.post("/login", data={"token": service.tokens["viewer"]}, follow_redirects=False)
    assert ok.status_code == 303
