"""Administration: API tokens (list, make, revoke) and the audit log. Admins only."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from munseo.errors import http_status
from munseo.service.auth import issue_token, revoke_token
from munseo.service.deps import Admin, ApiError, Id, Offset
from munseo.service.routes_documents import ERRORS
from munseo.service.schemas import AuditEventOut, AuditList, TokenCreated, TokenOut, TokenRequest
from munseo.store.audit import AuditFilter
from munseo.store.tokens import TokenNotFound

router = APIRouter()


@router.get("/api/tokens", response_model=list[TokenOut], responses=ERRORS, tags=["admin"])
def list_tokens(request: Request, _: Admin) -> list[TokenOut]:
    """Every token, newest first, with its first characters (never the token or its hash)."""
    return [TokenOut.model_validate(t, from_attributes=True) for t in request.app.state.store.tokens.all()]


@router.post("/api/tokens", status_code=201, response_model=TokenCreated, responses=ERRORS, tags=["admin"])
def make_token(request: Request, who: Admin, body: TokenRequest) -> TokenCreated:
    """Make a token; the answer holds it this one time."""
    expires = timedelta(days=body.expires_days) if body.expires_days is not None else None
    token, record = issue_token(request.app.state.store, body.role, body.name, expires, by=who.actor)
    return TokenCreated(token=token, record=TokenOut.model_validate(record, from_attributes=True))


@router.post("/api/tokens/{token_id}/revoke", response_model=TokenOut, responses=ERRORS, tags=["admin"])
def revoke(request: Request, who: Admin, token_id: Id) -> TokenOut:
    """Revoke a token for good: it is refused from the next request on."""
    try:
        record = revoke_token(request.app.state.store, token_id, by=who.actor)
    except TokenNotFound as exc:
        raise ApiError(http_status(exc), str(exc)) from exc
    request.app.state.tokens.forget()
    return TokenOut.model_validate(record, from_attributes=True)


@router.get("/api/audit", response_model=AuditList, responses=ERRORS, tags=["admin"])
def audit_log(
    request: Request,
    _: Admin,
    action: Annotated[str | None, Query(max_length=40, description="e.g. upload, review, activate")] = None,
    actor: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> AuditList:
    """Who uploaded, reviewed, activated, shadowed, retrained, confirmed, made and revoked what, newest first."""
    page = request.app.state.store.audit.search(AuditFilter(action, actor, limit, offset))
    return AuditList(
        items=[AuditEventOut.model_validate(e, from_attributes=True) for e in page.events], total=page.total
    )
