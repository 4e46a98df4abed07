"""The audit log: who uploaded, reviewed, activated, revoked what, and when. Rows are only added."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from munseo.store.base import Repository
from munseo.store.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a token's name and role, or ``cli`` for commands run on the server itself."""

    name: str
    role: str


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class AuditPage:
    total: int
    events: list[AuditEvent] = field(default_factory=list)


class Audit(Repository):
    def record(self, actor: Actor, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        event = AuditEvent(actor=actor.name, role=actor.role, action=action, target=target, detail=detail or {})
        with self.sessions.begin() as session:
            session.add(event)

    def search(self, where: AuditFilter) -> AuditPage:
        """Newest first."""
        query = select(AuditEvent)
        if where.action:
            query = query.where(AuditEvent.action == where.action)
        if where.actor:
            query = query.where(AuditEvent.actor == where.actor)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(where.limit).offset(where.offset)).all()
            return AuditPage(total, list(events))
