"""Tokens: random, kept only as a hash, verified while live, refused once expired or revoked; making
and revoking one goes to the audit log (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from munseo.service.auth import TOKEN_PREFIX, hash_token, issue_token, revoke_token, verify_token
from munseo.store.audit import Actor, AuditFilter
from munseo.store.repository import Store
from munseo.store.tokens import TokenNotFound


def test_a_token_is_random_hashed_and_verified_while_live(store: Store) -> None:
    token, record = issue_token(store, "reviewer", name="scanner-1")
    other, _ = issue_token(store, "reviewer")
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40 and token != other
    assert record.token_hash == hash_token(token) and token not in record.token_hash
    assert record.prefix == token[:12]
    live = verify_token(store, token)
    assert live is not None and live.role == "reviewer" and live.name == "scanner-1"
    assert verify_token(store, token + "x") is None


def test_expired_and_revoked_tokens_are_refused_and_audited(store: Store) -> None:
    expired, _ = issue_token(store, "viewer", expires_in=timedelta(seconds=-1))
    assert verify_token(store, expired) is None
    token, record = issue_token(store, "admin", name="ops")
    admin = Actor("root-admin", "admin")
    revoke_token(store, record.id, by=admin)
    assert verify_token(store, token) is None
    with pytest.raises(TokenNotFound):
        revoke_token(store, 999_999, by=admin)
    events = store.audit.search(AuditFilter()).events
    assert [e.action for e in events] == ["revoke_token", "create_token", "create_token"]
    assert events[0].actor == "root-admin" and events[0].detail["name"] == "ops"
    assert all(token not in str(e.detail) for e in events)
