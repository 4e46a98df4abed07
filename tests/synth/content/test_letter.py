"""공문 (an official letter): recipient, subject, numbered body and the 시행 footer."""

from __future__ import annotations

from tests.synth.common import built


def test_a_letter_has_its_recipient_subject_body_and_footer() -> None:
    for seed in range(6):
        document, text = built("공문", seed)
        assert "".join(document.fields["수신"].split()) in text and "".join(document.fields["제목"].split()) in text
        assert "1." in text and "2." in text
        assert "".join(document.fields["시행번호"].split()) in text and "시행" in text
