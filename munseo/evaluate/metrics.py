"""Text recognition metrics."""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein


def _normalise(text: str, ignore_whitespace: bool) -> str:
    text = unicodedata.normalize("NFC", text)
    if ignore_whitespace:
        return "".join(text.split())
    return " ".join(text.split())


def cer(reference: str, hypothesis: str, ignore_whitespace: bool = True) -> float:
    """Character error rate: edit distance over the reference length (NFC, whitespace optional)."""
    ref = _normalise(reference, ignore_whitespace)
    hyp = _normalise(hypothesis, ignore_whitespace)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
