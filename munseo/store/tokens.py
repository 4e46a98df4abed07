"""API tokens, stored only as hashes."""

from __future__ import annotations

from sqlalchemy import select

from munseo.store.base import Repository
from munseo.store.models import ApiToken, utcnow


class Tokens(Repository):
    def add(self, *, name: str, role: str, token_hash: str, prefix: str) -> None:
        with self.sessions.begin() as session:
            session.add(ApiToken(name=name, role=role, token_hash=token_hash, prefix=prefix))

    def use(self, token_hash: str) -> ApiToken | None:
        """The live (not revoked) token with this hash, its last use set to now; None if there is none."""
        with self.sessions.begin() as session:
            record = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked.is_(False))
            ).first()
            if record is not None:
                record.last_used_at = utcnow()
            return record
