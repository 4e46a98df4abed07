"""Model versions registered in the database; at most one is active."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from munseo.store.base import Repository
from munseo.store.models import ModelVersion


class ModelVersions(Repository):
    def get(self, version: str) -> ModelVersion | None:
        with self.sessions() as session:
            return session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()

    def add(
        self, *, version: str, backend: str, path: str, label_mappings: dict[str, Any], metrics: dict[str, Any]
    ) -> ModelVersion:
        with self.sessions.begin() as session:
            record = ModelVersion(
                version=version, backend=backend, path=path, label_mappings=label_mappings, metrics=metrics
            )
            session.add(record)
            session.flush()
            return record

    def annotate(self, version: str, extra: dict[str, Any]) -> None:
        """Add to a version's recorded metrics (e.g. how a retrain compared it with its predecessor)."""
        with self.sessions.begin() as session:
            record = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()
            if record is not None:
                record.metrics = {**record.metrics, **extra}

    def all(self) -> list[ModelVersion]:
        """Newest first."""
        with self.sessions() as session:
            return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))

    def activate(self, version: str) -> ModelVersion | None:
        """Make ``version`` the active one (and no other), in one transaction; None if it is unknown."""
        with self.sessions.begin() as session:
            record = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()
            if record is None:
                return None
            session.execute(update(ModelVersion).where(ModelVersion.id != record.id).values(active=False))
            record.active = True
            return record

    def active(self) -> ModelVersion | None:
        with self.sessions() as session:
            return session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))).first()

    def set_shadow(self, version: str, on: bool) -> ModelVersion | None:
        """Let ``version`` classify new documents beside the active one (``on``), or stop; None if unknown."""
        with self.sessions.begin() as session:
            record = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()
            if record is not None:
                record.shadow = on
            return record

    def shadows(self) -> list[ModelVersion]:
        with self.sessions() as session:
            return list(session.scalars(select(ModelVersion).where(ModelVersion.shadow.is_(True))))

    def names(self) -> dict[int, str]:
        """Version name by record id."""
        with self.sessions() as session:
            return {i: name for i, name in session.execute(select(ModelVersion.id, ModelVersion.version))}
