"""MinHash signatures: stable, and their agreement tracks how alike two texts are."""

from __future__ import annotations

from munseo.text.minhash import (
    BANDS,
    PERMUTATIONS,
    band_keys,
    from_bytes,
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
