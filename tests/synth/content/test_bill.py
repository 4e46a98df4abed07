"""의안원문 (the bill itself): number, sponsors, the reasons section, and its fields in its text."""

from __future__ import annotations

import re

from tests.synth.common import built


def test_a_bill_carries_its_number_sponsors_and_reasons() -> None:
    for seed in range(6):
        document, text = built("의안원문", seed)
        assert re.fullmatch(r"\d{7}", document.fields["의안번호"]), document.fields
        assert document.fields["의안번호"] in text and "제안이유및주요내용" in text
        assert ("발의자" in text) or ("제출자:정부" in text)
        assert document.fields["소관위원회"].endswith("위원회")
