"""API tokens with roles viewer < reviewer < admin, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from munseo.store.models import ApiToken, Role
from munseo.store.repository import Store

TOKEN_PREFIX = "msk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, role: Role | str, name: str = "") -> str:
    """Make a token with ``role``; only its hash is kept, so this is the one time it is seen."""
    role = Role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.tokens.add(name=name or role.value, role=role.value, token_hash=hash_token(token), prefix=token[:12])
    return token


def verify_token(store: Store, token: str) -> ApiToken | None:
    """The live token record for ``token``, or None."""
    return store.tokens.use(hash_token(token))
