"""Model versions: registered from trained folders, one active, hot-swapped in every process.

The database records which version is active. Each process keeps the classifier it loaded and
checks the active version at most once a second; a newer one is loaded beside the old, then
swapped in, so a batch in flight finishes on the model it started with.

A version is activated only if its folder is whole (every file's SHA-256 as its config.json
lists it). Should the active folder be damaged later, or a newly active version fail to load, the
process keeps serving the classifier it holds and says what is wrong (``ModelHolder.problem``,
shown by ``/readyz`` and logged once).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from munseo.classify import Classifier, ClassifyError
from munseo.classify.errors import RegistryError, UnknownVersion
from munseo.classify.package import read_config
from munseo.store.models import ModelVersion
from munseo.store.repository import Store

log = logging.getLogger(__name__)


def register_model(store: Store, data_dir: Path, folder: Path, activate: bool = False) -> ModelVersion:
    """Check a trained model folder by loading it, copy it into the data directory, record it."""
    try:
        classifier = Classifier(folder)
    except ClassifyError as exc:
        raise RegistryError(str(exc)) from exc
    version = classifier.version
    if store.versions.get(version) is not None:
        raise RegistryError(f"model version {version} is registered already")
    target = data_dir / "models" / version
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(folder, target)
    metrics_file = target / "metrics.json"
    manifest_file = target / "training_data.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    if manifest_file.exists():
        metrics = {**metrics, "training_data": json.loads(manifest_file.read_text())}
    record = store.versions.add(
        version=version,
        backend=classifier.backend,
        path=str(target),
        label_mappings=json.loads((target / "label_mappings.json").read_text()),
        metrics=metrics,
    )
    if activate:
        activate_model(store, version)
    return record


def list_models(store: Store) -> list[ModelVersion]:
    return store.versions.all()


def activate_model(store: Store, version: str) -> ModelVersion:
    """Make ``version`` the active model (and no other), in one transaction."""
    record = store.versions.get(version)
    if record is None:
        raise UnknownVersion(f"no model version {version}")
    if not Path(record.path).is_dir():
        raise RegistryError(f"model version {version} has no folder at {record.path}")
    try:
        read_config(Path(record.path))  # every file there and unchanged
    except ClassifyError as exc:
        raise RegistryError(f"model version {version} cannot be activated: {exc}") from exc
    activated = store.versions.activate(version)
    if activated is None:  # unregistered in between
        raise UnknownVersion(f"no model version {version}")
    return activated


def active_model(store: Store) -> ModelVersion | None:
    return store.versions.active()


@dataclass(frozen=True)
class LoadedModel:
    record_id: int
    version: str
    classifier: Classifier


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file of a model folder: cheap to take every
    second, and it changes when a file is rewritten, so the checksums are read only then."""
    try:
        stats = sorted((str(p.relative_to(folder)), p.stat()) for p in folder.rglob("*") if p.is_file())
        return tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)
    except OSError:
        return ()


class ModelHolder:
    """The active model of this process, reloaded when another version becomes active."""

    def __init__(self, store: Store, check_every: float = 1.0) -> None:
        self.store = store
        self.check_every = check_every
        # what is wrong with the active version while the classifier in hand goes on serving
        self.problem: str | None = None
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        # the version that could not be loaded, as its folder was then: not tried again until it changes
        self._failed: tuple[int, tuple[tuple[str, int, int], ...]] | None = None
        self._current: LoadedModel | None = None
        self._shadows: list[LoadedModel] = []
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> LoadedModel | None:
        """The model to use for one batch (None when no version is active)."""
        self._check()
        if self._current is None:
            # none in hand: another thread may be loading it this moment; wait for that load and
            # look again rather than answer "no model" (what 50 clients at once saw on a fresh server)
            return self.refresh()
        return self._current

    def in_hand(self) -> LoadedModel | None:
        """The model in hand when no check of the active version is due: what ``get`` gives
        without touching the database; None when ``get`` has work to do."""
        if self._current is None or time.monotonic() - self._checked >= self.check_every:
            return None
        return self._current

    def shadows(self) -> list[LoadedModel]:
        """The versions that classify new documents beside the active one (never the active one)."""
        self._check()
        return list(self._shadows)

    def _check(self) -> None:
        if time.monotonic() - self._checked >= self.check_every:
            self.refresh()

    def refresh(self) -> LoadedModel | None:
        with self._lock:
            self._checked = time.monotonic()
            record = active_model(self.store)
            if record is None:
                self._current, self.problem = None, None
            elif self._current is None or self._current.record_id != record.id:
                self._load(record)
            else:
                self._verify(record)
            loaded = {m.record_id: m for m in self._shadows}
            shadows = []
            for r in self.store.versions.shadows():
                if record is not None and r.id == record.id:
                    continue
                try:
                    shadows.append(loaded.get(r.id) or LoadedModel(r.id, r.version, Classifier(r.path)))
                except ClassifyError:  # a shadow that cannot be loaded never stops the active model
                    log.exception("shadow version %s cannot be loaded; it is left out", r.version)
            self._shadows = shadows
            return self._current

    def _load(self, record: ModelVersion) -> None:
        """Swap in the active version; if it cannot be loaded, keep the classifier in hand (there
        is none to keep on a first load: then the error goes to the caller)."""
        fingerprint = _fingerprint(Path(record.path))
        if self._current is not None and self._failed == (record.id, fingerprint):
            return  # reading a large damaged folder's checksums every second would cost the service
        try:
            classifier = Classifier(record.path)
        except ClassifyError as exc:
            self._failed = (record.id, fingerprint)
            if self._current is None:
                self._report(f"active version {record.version} cannot be loaded: {exc}")
                raise
            self._report(
                f"active version {record.version} cannot be loaded: {exc}; "
                f"still serving version {self._current.version}"
            )
            return
        self._current = LoadedModel(record.id, record.version, classifier)
        self._fingerprint, self.problem = fingerprint, None

    def _verify(self, record: ModelVersion) -> None:
        """Check the active folder again when any of its files changed."""
        fingerprint = _fingerprint(Path(record.path))
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        try:
            read_config(Path(record.path))
        except ClassifyError as exc:
            self._report(f"the folder of active version {record.version} is damaged: {exc}; serving the copy in memory")
            return
        self.problem = None

    def _report(self, problem: str) -> None:
        if problem != self.problem:
            log.error("%s", problem)
        self.problem = problem
