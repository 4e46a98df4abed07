"""보도자료 (a press release): when it may be published, who answers for it, and its title."""

from __future__ import annotations

from tests.synth.common import built


def test_a_press_release_says_when_and_who() -> None:
    for seed in range(6):
        document, text = built("보도자료", seed)
        assert "보도자료" in text and "배포일시" in text and "담당부서" in text
        assert "".join(document.fields["제목"].split()) in text
        assert document.fields["보도일시"]
