"""The manifest: what counts as a text layer equal to the ground truth."""

from __future__ import annotations

from munseo.synth import (
    text_layer_matches,
)


def test_text_layer_equivalence() -> None:
    truth = "제안이유 및 주요내용\n현행법은 교원의"
    assert text_layer_matches("제안이유 및 \r\n주요내용\r\n현행법은 교원의", truth)
    assert text_layer_matches("제안이유 및 주요\r\n내용 현행법은 교원의", truth)
    assert not text_layer_matches("제안이유 및 주요내용현행법은 교원의", truth)
    assert not text_layer_matches("제안이유 및 주요내용\n현행법은 교원", truth)
    assert not text_layer_matches("주요내용 제안이유 및\n현행법은 교원의", truth)
