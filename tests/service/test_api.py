"""The app against a real PostgreSQL: health, who may call what, the error shape of a refusal,
the documentation behind a token."""

from __future__ import annotations

import pytest

from tests.service.common import Api

pytestmark = pytest.mark.postgres


def test_auth_roles_and_error_shape(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    missing = api.client.get("/api/documents")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized" and "Bearer" in missing.json()["error"]["message"]
    wrong = api.client.get("/api/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert api.post("/api/documents", role="viewer", files=[("files", ("a.png", b"x"))]).status_code == 403
    version = api.get("/api/models").json()[0]["version"]
    refused = api.post(f"/api/models/{version}/activate", role="reviewer")
    assert refused.status_code == 403 and "admin" in refused.json()["error"]["message"]
    assert api.get("/readyz").json()["ready"] is True
    assert api.client.get("/openapi.json").status_code == 401
    assert "/api/documents" in api.get("/openapi.json").json()["paths"]
    docs = api.client.get("/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"] == "/login?next=/docs"
    assert api.client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert api.get("/metrics").status_code == 200 and "munseo_documents" in api.get("/metrics").text
