"""Request dependencies on SQLite and PostgreSQL: the token cache answers from memory until it
forgets or its time is up, never past a token's expiry; the rate limit holds a client to its limit
per window."""

from __future__ import annotations

import time
from datetime import timedelta

from munseo.service.auth import create_token, hash_token
from munseo.service.deps import RateLimit, TokenCache
from munseo.store.models import Role
from munseo.store.repository import Store


def test_the_token_cache_answers_from_memory_until_it_forgets(store: Store) -> None:
    token = create_token(store, "reviewer", name="scanner")
    cache = TokenCache(store, ttl=60.0)
    assert cache.cached(token) == (False, None)
    principal = cache.lookup(token)
    assert principal is not None and (principal.name, principal.role) == ("scanner", Role.REVIEWER)
    assert principal.actor.role == "reviewer"
    record = store.tokens.use(hash_token(token))
    assert record is not None
    store.tokens.revoke(record.id, "admin")  # revoked behind the cache's back (the command line)
    assert cache.cached(token) == (True, principal)  # known for its ttl: no database read
    cache.forget()  # what a revocation through the API does
    assert cache.lookup(token) is None
    assert cache.cached("msk_unknown") == (False, None) and cache.lookup("msk_unknown") is None
    assert cache.cached("msk_unknown") == (True, None)  # a wrong token is remembered too


def test_a_token_is_never_cached_past_its_expiry(store: Store) -> None:
    token = create_token(store, "viewer", name="short", expires_in=timedelta(seconds=4))
    cache = TokenCache(store, ttl=600.0)
    assert cache.lookup(token) is not None
    time.sleep(4.5)
    assert cache.cached(token) == (False, None) and cache.lookup(token) is None


def test_the_rate_limit_holds_each_client_to_its_limit() -> None:
    limit = RateLimit(3, window=0.5)
    for _ in range(3):
        assert limit.retry_after("10.0.0.1") == 0
        limit.add("10.0.0.1")
    assert limit.retry_after("10.0.0.1") >= 1 and limit.retry_after("10.0.0.2") == 0
    time.sleep(0.6)
    assert limit.retry_after("10.0.0.1") == 0  # the window moved on
