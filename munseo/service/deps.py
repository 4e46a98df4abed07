"""What the API's routes share: the error shape, the caller's identity, and the role checks
(``Viewer``, ``Reviewer``, ``Admin``). Routes and the app import this module; it imports neither."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator, Field

from munseo.service.auth import verify_token
from munseo.store.audit import Actor
from munseo.store.models import Role, utcnow
from munseo.store.repository import Store

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    503: "unavailable",
    507: "insufficient_storage",
}


class ApiError(HTTPException):
    """An error with the stable JSON shape ``{"error": {"code", "message", "detail"}}``."""

    def __init__(self, status: int, message: str, code: str | None = None, detail: Any = None) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code or CODES.get(status, "error")
        self.extra = detail


def error_response(status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None):
    return JSONResponse(
        {"error": {"code": code, "message": message, "detail": detail}}, status_code=status, headers=headers
    )


# Ids as the database stores them (a 32-bit integer column): anything larger is not found, not a 500.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# Pages of a list: far enough for any collection, small enough that the offset fits in SQL.
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
# Filters by label, TASK:LABEL, all of them (the document list and search).
LabelFilter = Annotated[
    list[Annotated[str, Field(pattern=r"^[^:]+:.+$")]] | None,
    Query(description="TASK:LABEL, e.g. doc_type:심사보고서 (repeatable)"),
]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, str):
        datetime.fromisoformat(value)  # ValueError: not ISO 8601 (a bare number is not a date here)
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role.value)


def audit(request: Request, who: Principal, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
    """Record in the audit log that ``who`` did ``action`` to ``target``."""
    request.app.state.store.audit.record(who.actor, action, target, detail)


class TokenCache:
    """Verified tokens for a short while, so a busy client costs no database read per request. A token
    revoked through the API stops working at once (``forget``); one revoked from the command line, or
    expiring, within ``ttl`` seconds."""

    def __init__(self, store: Store, ttl: float = 10.0) -> None:
        self.store, self.ttl = store, ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> tuple[bool, Principal | None]:
        """(whether the cache knows the token now, what it knows): no database read."""
        with self._lock:
            hit = self._cache.get(token)
        return (True, hit[1]) if hit and time.monotonic() < hit[0] else (False, None)

    def lookup(self, token: str) -> Principal | None:
        now = time.monotonic()
        known, principal = self.cached(token)
        if known:
            return principal
        record = verify_token(self.store, token)
        principal = Principal(record.name, Role(record.role)) if record else None
        until = now + self.ttl
        if record is not None and record.expires_at is not None:  # never cached past its expiry
            expires = record.expires_at
            if expires.tzinfo is None:  # SQLite gives datetimes back without their zone
                expires = expires.replace(tzinfo=UTC)
            until = min(until, now + (expires - utcnow()).total_seconds())
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (until, principal)
        return principal

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


class RateLimit:
    """At most ``limit`` events per ``window`` seconds for each key (a client address)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 if it may now."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._events.get(key, []) if now - t < self.window]
            self._events[key] = recent
            if len(recent) < self.limit:
                return 0
            return max(1, int(self.window - (now - recent[0])) + 1)

    def add(self, key: str) -> None:
        with self._lock:
            if len(self._events) > 10_000:
                self._events.clear()
            self._events.setdefault(key, []).append(time.monotonic())


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller's token must have ``role`` or a higher one.

    Asynchronous, so that a token the cache knows costs no trip to the thread pool; one it does not
    know is read from the database there."""

    async def check(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            token = request.cookies.get("munseo_token", "")
        if not token:
            raise ApiError(401, "an API token is required: send 'Authorization: Bearer TOKEN'")
        tokens: TokenCache = request.app.state.tokens
        known, principal = tokens.cached(token.strip())
        if not known:
            principal = await run_in_threadpool(tokens.lookup, token.strip())
        if principal is None:
            raise ApiError(401, "the API token is not valid (unknown or revoked)")
        if principal.role.rank < role.rank:
            raise ApiError(403, f"this needs the {role.value} role; your token has {principal.role.value}")
        request.state.principal = principal
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
