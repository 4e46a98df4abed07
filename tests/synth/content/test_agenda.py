"""의사일정 (an agenda): a sitting's time and place, and the bills it takes up, counted in its fields."""

from __future__ import annotations

from tests.synth.common import built


def test_an_agenda_lists_its_items_and_counts_them() -> None:
    for seed in range(6):
        document, text = built("의사일정", seed)
        assert "의사일정" in text and "일시:" in text
        count = int(document.fields["안건 수"])
        assert count >= 1 and f"{count}." in text and "법률안" in text
