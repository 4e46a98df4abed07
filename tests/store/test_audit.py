"""The audit log (SQLite and PostgreSQL): events are added, read newest first, filtered by action
and actor, and paged."""

from __future__ import annotations

from munseo.store.audit import Actor, AuditFilter
from munseo.store.repository import Store


def test_events_are_read_newest_first_filtered_and_paged(store: Store) -> None:
    admin, reviewer = Actor("admin-1", "admin"), Actor("rev-1", "reviewer")
    store.audit.record(admin, "upload", "document:1", {"filename": "a.pdf"})
    store.audit.record(reviewer, "review", "document:1")
    store.audit.record(admin, "activate", "model:v2")
    everything = store.audit.search(AuditFilter())
    assert everything.total == 3
    assert [e.action for e in everything.events] == ["activate", "review", "upload"]
    assert everything.events[2].detail == {"filename": "a.pdf"} and everything.events[1].detail == {}
    by_admin = store.audit.search(AuditFilter(actor="admin-1"))
    assert by_admin.total == 2 and {e.role for e in by_admin.events} == {"admin"}
    reviews = store.audit.search(AuditFilter(action="review"))
    assert [(e.actor, e.target) for e in reviews.events] == [("rev-1", "document:1")]
    page = store.audit.search(AuditFilter(limit=1, offset=1))
    assert page.total == 3 and [e.action for e in page.events] == ["review"]
