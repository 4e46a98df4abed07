"""API tokens with roles viewer < reviewer < admin: random, stored only as hashes, expiring when
asked to, revocable; making and revoking one is written to the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from munseo.store.audit import Actor
from munseo.store.models import ApiToken, Role, utcnow
from munseo.store.repository import Store

TOKEN_PREFIX = "msk_"
CLI = Actor("cli", Role.ADMIN.value)  # commands run on the server itself


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    store: Store,
    role: Role | str,
    name: str = "",
    expires_in: timedelta | None = None,
    by: Actor = CLI,
) -> tuple[str, ApiToken]:
    """Make a token with ``role``, and its record; only its hash is kept, so this is the one time the
    token is seen."""
    role = Role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + expires_in if expires_in is not None else None
    record = store.tokens.add(
        name=name or role.value, role=role.value, token_hash=hash_token(token), prefix=token[:12], expires_at=expires_at
    )
    detail = {"name": record.name, "role": role.value, "expires_at": expires_at.isoformat() if expires_at else None}
    store.audit.record(by, "create_token", f"token:{record.id}", detail)
    return token, record


def create_token(store: Store, role: Role | str, name: str = "", expires_in: timedelta | None = None) -> str:
    """``issue_token`` for callers that need only the token."""
    return issue_token(store, role, name, expires_in)[0]


def revoke_token(store: Store, token_id: int, by: Actor = CLI) -> ApiToken:
    """Revoke for good (raises ``TokenNotFound``)."""
    record = store.tokens.revoke(token_id, by.name)
    store.audit.record(by, "revoke_token", f"token:{record.id}", {"name": record.name, "prefix": record.prefix})
    return record


def verify_token(store: Store, token: str) -> ApiToken | None:
    """The live token record for ``token``, or None."""
    return store.tokens.use(hash_token(token))
