"""What every repository shares: the session factory, and joining a caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

# A unit of work spanning repositories (``Store.transaction()``): callers pass it on, never query it.
Transaction = Session


class Repository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @contextmanager
    def _write(self, tx: Transaction | None = None) -> Iterator[Session]:
        """The caller's transaction when given (committed by the caller), else one of its own."""
        if tx is not None:
            yield tx
            return
        with self.sessions.begin() as session:
            yield session
