"""회의록 (minutes): a meeting's name and time, and turns of speakers marked ○ in two columns."""

from __future__ import annotations

from tests.synth.common import built


def test_minutes_are_turns_of_named_speakers() -> None:
    for seed in range(5):
        document, text = built("회의록", seed)
        assert document.fields["회의명"] and document.fields["회의 일시"]
        assert text.count("○") >= 4  # several turns, each opened by its speaker
        assert "질의" in text or "의결" in text or "상정" in text
