"""MinHash signatures: stable, and their agreement tracks how alike two texts are."""

from __future__ import annotations

from munseo.text.minhash import (
    BANDS,
    CANDIDATE,
    PERMUTATIONS,
    Likeness,
    band_keys,
    from_bytes,
    likeness,
    shingles,
    signature,
    similarity,
    to_bytes,
)

TEXT = (
    "정무위원회는 금융소비자 보호에 관한 법률 일부개정법률안을 심사하고 원안대로 가결하였다. "
    "국회는 2024년 11월 15일 제418회 정기회 제12차 본회의를 열어 법률안 27건을 의결하였다."
)


def test_layout_and_case_do_not_change_the_shingles() -> None:
    assert list(shingles(TEXT)) == list(shingles(TEXT.replace(" ", "\n").upper()))
    assert len(shingles("가나")) == 0 and len(shingles("가나다라")) == 2


def test_signatures_are_stable_and_estimate_similarity() -> None:
    sig = signature(TEXT)
    assert sig is not None and sig.shape == (PERMUTATIONS,)
    assert list(from_bytes(to_bytes(sig))) == list(sig)
    assert list(signature(TEXT)) == list(sig)  # no per-process salt: stored signatures stay valid
    slipped = signature(TEXT.replace("금융", "금옹").replace("의결", "외결"))
    other = signature("기획재정부는 소득세법 시행령 개정으로 연간 3,200억원의 세수 감소가 예상된다고 밝혔다. " * 2)
    assert slipped is not None and other is not None
    assert 0.5 < similarity(sig, slipped) < 1.0
    assert similarity(sig, other) < 0.1
    assert len(band_keys(sig)) == BANDS and all(0 <= k < 2**63 for k in band_keys(sig))
    assert signature("별지 제1호서식") is None


FORM = (
    "국회사무처 의사국 수신 정무위원회 위원장 제목 제{0}회 국회(정기회) 제{1}차 본회의 안건 송부 "
    "1. {2}년 {3}월 {4}일 개의된 제{0}회 국회(정기회) 제{1}차 본회의에서 의결된 법률안 {5}건을 "
    "붙임과 같이 송부하니 소관 위원회의 심사에 참고하시기 바랍니다. 붙임 의결 안건 목록 1부. 끝."
)


def test_a_rescan_reads_alike_and_another_copy_of_the_form_does_not() -> None:
    first = FORM.format(418, 12, 2024, 11, 15, 27)
    slipped = first.replace("송부", "송무", 1).replace("위원장", "위윈장").replace("참고", "잠고")
    other = FORM.format(421, 3, 2025, 2, 7, 9)  # the same form, other figures
    assert likeness(first, slipped).rescan and likeness(first, slipped).figures == 1.0
    assert likeness(first, first.replace(" ", "\n")) == Likeness(1.0, 1.0, 1.0, 1.0)  # layout is no difference
    # The shingles alone make the other copy a candidate; its figures tell it apart.
    sig_first, sig_other = signature(first), signature(other)
    assert sig_first is not None and sig_other is not None and similarity(sig_first, sig_other) >= CANDIDATE
    assert likeness(first, other).letters == 1.0 and not likeness(first, other).rescan
    # A longer form, alike throughout but for its figures, is still another document.
    longer = FORM + " 참고 자료는 의사국 의안과에서 열람할 수 있습니다."
    assert not likeness(longer.format(418, 12, 2024, 11, 15, 27), longer.format(421, 3, 2025, 2, 7, 9)).rescan
    # Without figures, the letters alone decide, by a stricter measure.
    assert likeness("법률안 심사", "법률안 심사") == Likeness(1.0, None, 1.0, 0.0)
    assert Likeness(0.84, None).rescan is False and Likeness(0.6, 0.9).rescan is True


def test_a_rescan_whose_marks_read_as_figures_is_still_one_paper() -> None:
    """A stamp or pen marks read as a row of zeros: the figures line up 0.6, but the paper's own
    figures are all there, and everything else reads alike."""
    first = FORM.format(418, 12, 2024, 11, 15, 27) * 2
    marked = first.replace("붙임과 같이", "붙임과 " + "0 " * 24 + "같이", 1).replace("송부", "송무", 1)
    alike = likeness(first, marked)
    assert alike.figures is not None and alike.figures < 0.83 and alike.figures_kept == 1.0
    assert alike.rescan
    # The same marks on another copy of the form do not make it this paper.
    other = FORM.format(421, 3, 2025, 2, 7, 9) * 2
    assert not likeness(other.replace("붙임과 같이", "붙임과 0 0 0 0 0 0 같이", 1), first).rescan
