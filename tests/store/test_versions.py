"""Model versions in the database (SQLite and PostgreSQL): at most one active, activation moves it
in one step, metrics are added to and never lost, shadows are listed apart."""

from __future__ import annotations

from munseo.store.repository import Store


def _add(store: Store, version: str) -> None:
    store.versions.add(version=version, backend="linear", path=f"/m/{version}", label_mappings={}, metrics={"a": 1})


def test_one_version_is_active_at_a_time(store: Store) -> None:
    for version in ("v1", "v2", "v3"):
        _add(store, version)
    assert store.versions.active() is None
    assert store.versions.activate("v1").version == "v1"
    assert store.versions.activate("v3").version == "v3"
    assert store.versions.active().version == "v3"
    assert [v.version for v in store.versions.all() if v.active] == ["v3"]
    assert store.versions.activate("nope") is None and store.versions.active().version == "v3"
    assert [v.version for v in store.versions.all()] == ["v3", "v2", "v1"]  # newest first
    assert set(store.versions.names().values()) == {"v1", "v2", "v3"}


def test_annotations_add_to_the_metrics_and_shadows_are_listed_apart(store: Store) -> None:
    _add(store, "v1")
    _add(store, "v2")
    store.versions.annotate("v1", {"retrain": {"promoted": False}})
    store.versions.annotate("missing", {"x": 1})  # nothing to annotate: no error, nothing written
    assert store.versions.get("v1").metrics == {"a": 1, "retrain": {"promoted": False}}
    assert store.versions.set_shadow("v2", True).shadow is True
    assert [v.version for v in store.versions.shadows()] == ["v2"]
    store.versions.set_shadow("v2", False)
    assert store.versions.shadows() == [] and store.versions.set_shadow("missing", True) is None
