"""심사보고서 (a committee's report): the review's course, dates and result, in its fields and text."""

from __future__ import annotations

from tests.synth.common import built


def test_a_review_report_states_its_course_and_result() -> None:
    results = set()
    for seed in range(8):
        document, text = built("심사보고서", seed)
        assert "심사보고서" in text and "Ⅰ.심사경과" in text and "회부일자" in text
        assert document.fields["의안번호"] in text
        results.add(document.fields["심사결과"])
    assert results <= {"원안가결", "수정가결"} and results  # a reviewed bill passes as proposed or amended
