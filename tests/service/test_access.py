"""Access control and web security: every endpoint × every role, token life (expiry, revocation,
never stored or logged in the clear), the audit log, security headers, the sign-in rate limit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from munseo.service.routes_web import WEB
from munseo.service.schemas import DocumentSummary, SearchItem
from munseo.store.documents import NewPage
from munseo.store.models import Role
from tests.service.common import Client

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
