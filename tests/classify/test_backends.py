"""Classifier backends by name: the registry gives each backend behind the one protocol, an unknown
name is its own error naming the choices, and a registered backend class is enough to add one."""

from __future__ import annotations

import pytest

from munseo.classify import backends
from munseo.classify.backends import BACKENDS, LinearBackend, TransformerBackend, UnknownBackend, get_backend
from munseo.classify.options import TrainOptions


def test_backends_are_found_by_name() -> None:
    assert isinstance(get_backend("linear"), LinearBackend)
    assert isinstance(get_backend("transformer"), TransformerBackend)
    assert get_backend("linear").refits and not get_backend("transformer").refits
    assert "c" in get_backend("linear").options(TrainOptions())


def test_an_unknown_backend_names_the_choices() -> None:
    with pytest.raises(UnknownBackend) as caught:
        get_backend("svm")
    assert caught.value.name == "svm" and "linear or transformer" in str(caught.value)


def test_a_new_backend_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "plain", "munseo.classify.backends:LinearBackend")
    assert isinstance(get_backend("plain"), backends.LinearBackend)
