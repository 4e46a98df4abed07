"""Korean helpers: particles after a word, and the National Assembly session of a date."""

from __future__ import annotations

from datetime import date

from munseo.synth.korean import josa, session


def test_particles_and_sessions() -> None:
    assert josa("교육부장관", "이/가") == "교육부장관이"
    assert josa("국회", "은/는") == "국회는"
    assert josa("법률", "으로/로") == "법률로"
    assert josa("제3조", "을/를") == "제3조를"
    assert josa("“1천만원”", "으로/로") == "“1천만원”으로"
    assert session(date(2024, 6, 20)) == (415, "임시회")
    assert session(date(2024, 10, 1)) == (418, "정기회")
    assert session(date(2025, 1, 15)) == (420, "임시회")
