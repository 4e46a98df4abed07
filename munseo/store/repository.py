"""The database behind munseo and its repositories: every query lives in one of them, and callers
hand them plain values. Each call is one transaction unless the caller passes one of
``Store.transaction()`` to span several repositories; a failure in one document never touches
another."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from munseo.store.audit import Audit
from munseo.store.base import Transaction
from munseo.store.db import make_engine, migrate, session_factory
from munseo.store.documents import Documents
from munseo.store.duplicates import NearDuplicates
from munseo.store.jobs import Jobs
from munseo.store.labels import Labels
from munseo.store.learning import Learning
from munseo.store.search import Search
from munseo.store.similar import Similar
from munseo.store.stats import Stats
from munseo.store.tokens import Tokens
from munseo.store.versions import ModelVersions


class Store:
    """The database, migrated to the newest schema on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        migrate(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self.search = Search(self.sessions)
        self.duplicates = NearDuplicates(self.sessions)
        self.similar = Similar(self.sessions)
        self.stats = Stats(self.sessions)
        self.documents = Documents(self.sessions, self.search, self.duplicates, self.similar, self.stats)
        self.jobs = Jobs(self.sessions)
        self.labels = Labels(self.sessions)
        self.learning = Learning(self.sessions)
        self.versions = ModelVersions(self.sessions)
        self.tokens = Tokens(self.sessions)
        self.audit = Audit(self.sessions)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One commit for the writes of several repositories (each given ``tx=``)."""
        with self.sessions.begin() as session:
            yield session

    def ping(self) -> None:
        """Raises when the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()
