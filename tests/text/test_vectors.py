"""The content model behind "similar documents": texts on one subject land close together, the
model survives storage, and a text with no known term has no vector."""

from __future__ import annotations

import json
import lzma

import numpy as np
import pytest

from munseo.text.vectors import ContentModel, fit, from_bytes, to_bytes
from tests.corpus import CORPORA
from tests.store.test_search import _bills


def _labelled_bills(count: int) -> list[tuple[str, str]]:
    found = []
    with lzma.open(CORPORA / "kr-bills.jsonl.xz", "rt", encoding="utf-8") as lines:
        for record in map(json.loads, lines):
            if record["split"] == "train":
                found.append((record["text"], record["labels"]["committee"]))
            if len(found) == count:
                break
    return found


def test_a_bills_neighbours_share_its_committee_far_above_chance() -> None:
    bills = _labelled_bills(1500)
    model = fit([text for text, _ in bills], dims=64)
    vectors = model.embed_many([text for text, _ in bills])
    assert all(v is not None for v in vectors)
    matrix = np.stack([v for v in vectors if v is not None])
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    committees = [c for _, c in bills]
    shared = []
    for i in range(0, 1500, 15):  # 100 queries
        scores = matrix @ matrix[i]
        scores[i] = -1
        shared += [committees[j] == committees[i] for j in np.argsort(-scores)[:5]]
    chance = sum((committees.count(c) / len(committees)) ** 2 for c in set(committees))
    assert np.mean(shared) > 3 * chance, (np.mean(shared), chance)
    assert model.embed("xyzzy qwerty") is None  # no term of the vocabulary


def test_the_model_and_its_vectors_survive_storage() -> None:
    model = fit(_bills()[:200], dims=16)
    again = ContentModel.from_bytes(model.to_bytes())
    text = "국회는 법률안을 의결하였다"
    first, second = model.embed(text), again.embed(text)
    assert first is not None and second is not None and np.allclose(first, second)
    assert np.array_equal(from_bytes(to_bytes(first)), first)


def test_too_little_text_to_learn_from_is_refused() -> None:
    with pytest.raises(ValueError, match="too few texts"):
        fit(["가나", "다라"])
