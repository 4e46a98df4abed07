"""API tokens, stored only as hashes; each may expire and be revoked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from munseo.store.base import Repository
from munseo.store.models import ApiToken, utcnow


class TokenNotFound(LookupError):
    """No token has this id."""


class Tokens(Repository):
    def add(
        self, *, name: str, role: str, token_hash: str, prefix: str, expires_at: datetime | None = None
    ) -> ApiToken:
        with self.sessions.begin() as session:
            record = ApiToken(name=name, role=role, token_hash=token_hash, prefix=prefix, expires_at=expires_at)
            session.add(record)
            session.flush()
            return record

    def use(self, token_hash: str) -> ApiToken | None:
        """The live token with this hash (not revoked, not expired), its last use set to now; else None."""
        now = utcnow()
        with self.sessions.begin() as session:
            record = session.scalars(
                select(ApiToken).where(
                    ApiToken.token_hash == token_hash,
                    ApiToken.revoked.is_(False),
                    or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                )
            ).first()
            if record is not None:
                record.last_used_at = now
            return record

    def all(self) -> list[ApiToken]:
        """Every token, revoked and expired ones included, newest first."""
        with self.sessions() as session:
            return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))

    def revoke(self, token_id: int, by: str) -> ApiToken:
        """Revoke a token for good; revoking one twice keeps the first time and who did it."""
        with self.sessions.begin() as session:
            record = session.get(ApiToken, token_id)
            if record is None:
                raise TokenNotFound(f"there is no token with id {token_id}")
            if not record.revoked:
                record.revoked, record.revoked_at, record.revoked_by = True, utcnow(), by
            return record
