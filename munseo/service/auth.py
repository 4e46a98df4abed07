"""API tokens with roles viewer < reviewer < admin, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from munseo.store.models import ApiToken, Role, utcnow
from munseo.store.repository import Store

TOKEN_PREFIX = "msk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, role: Role | str, name: str = "") -> str:
    """Make a token with ``role``; only its hash is kept, so this is the one time it is seen."""
    role = Role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.sessions.begin() as session:
        session.add(ApiToken(name=name or role.value, role=role.value, token_hash=hash_token(token), prefix=token[:12]))
    return token


def verify_token(store: Store, token: str) -> ApiToken | None:
    """The live token record for ``token``, or None."""
    with store.sessions.begin() as session:
        record = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked.is_(False))
        ).first()
        if record is not None:
            record.last_used_at = utcnow()
        return record
