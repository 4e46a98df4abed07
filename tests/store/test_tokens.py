"""API token records on SQLite and PostgreSQL: only a live token (not revoked, not expired) is found
by its hash, and finding it records its use; every token is listed, newest first; revoking is for
good and a second revoke keeps the first one's time and author; an unknown id is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from munseo.store.models import utcnow
from munseo.store.repository import Store
from munseo.store.tokens import TokenNotFound


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives the stored UTC time back without its zone; PostgreSQL with it."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def test_only_a_live_token_is_used_and_its_use_is_recorded(store: Store) -> None:
    live = store.tokens.add(name="scanner", role="reviewer", token_hash="a" * 64, prefix="msk_aaaaaaaa")
    later = store.tokens.add(
        name="batch", role="viewer", token_hash="b" * 64, prefix="msk_bbbbbbbb", expires_at=utcnow() + timedelta(days=1)
    )
    expired = store.tokens.add(
        name="old", role="admin", token_hash="c" * 64, prefix="msk_cccccccc", expires_at=utcnow() - timedelta(seconds=1)
    )
    revoked = store.tokens.add(name="gone", role="admin", token_hash="d" * 64, prefix="msk_dddddddd")
    store.tokens.revoke(revoked.id, "root")
    assert [t.id for t in store.tokens.all()] == [revoked.id, expired.id, later.id, live.id]
    assert all(t.last_used_at is None for t in store.tokens.all())

    before = utcnow()
    used, used_later = store.tokens.use("a" * 64), store.tokens.use("b" * 64)  # expires tomorrow: still live
    assert used is not None and (used.id, used.name, used.role) == (live.id, "scanner", "reviewer")
    assert used_later is not None and used_later.id == later.id
    for refused in ("c" * 64, "d" * 64, "e" * 64):  # expired, revoked, unknown
        assert store.tokens.use(refused) is None
    last_used = {t.id: _utc(t.last_used_at) for t in store.tokens.all()}
    assert last_used[expired.id] is None and last_used[revoked.id] is None
    for record in (used, used_later):
        assert record.last_used_at is not None and before <= record.last_used_at
        assert last_used[record.id] == record.last_used_at


def test_revoking_twice_keeps_the_first_revocation_and_an_unknown_id_is_refused(store: Store) -> None:
    token = store.tokens.add(name="ops", role="admin", token_hash="a" * 64, prefix="msk_aaaaaaaa")
    other = store.tokens.add(name="ci", role="viewer", token_hash="b" * 64, prefix="msk_bbbbbbbb")
    first = store.tokens.revoke(token.id, "kim")
    assert first.revoked and first.revoked_by == "kim" and first.revoked_at is not None
    second = store.tokens.revoke(token.id, "lee")
    assert second.revoked and second.revoked_by == "kim" and _utc(second.revoked_at) == _utc(first.revoked_at)
    stored = {t.id: t for t in store.tokens.all()}
    assert stored[token.id].revoked_by == "kim" and _utc(stored[token.id].revoked_at) == _utc(first.revoked_at)
    assert not stored[other.id].revoked and stored[other.id].revoked_at is None  # the other token is untouched
    assert store.tokens.use("a" * 64) is None and store.tokens.use("b" * 64) is not None
    with pytest.raises(TokenNotFound):
        store.tokens.revoke(other.id + 1000, "kim")
    assert len(store.tokens.all()) == 2
