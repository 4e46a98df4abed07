"""검토보고서 (the staff's examination): the bill it examines, its course and reasons, its author."""

from __future__ import annotations

from tests.synth.common import built


def test_an_examination_names_its_bill_and_its_examiner() -> None:
    for seed in range(6):
        document, text = built("검토보고서", seed)
        assert f"의안번호제{document.fields['의안번호']}호" in text
        assert "Ⅰ.제안경과" in text and "Ⅱ.제안이유" in text
        assert "".join(document.fields["작성자"].split()) in text and document.fields["소관위원회"].endswith("위원회")
