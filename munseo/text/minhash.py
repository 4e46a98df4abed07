"""Near-duplicate texts: the same paper scanned again (other skew, noise, OCR slips) or exported
again, told apart from another document of the same kind.

A text's shingles are its three-character runs with whitespace and punctuation removed, so a line
broken elsewhere or an OCR slip touches only the shingles around it. A MinHash ``signature`` of
``PERMUTATIONS`` values estimates the Jaccard similarity of two shingle sets (the share of equal
values); locality-sensitive hashing cuts it into ``BANDS`` bands of ``ROWS`` values, and two texts
that share any band are candidates, so finding the candidates of a new document is one indexed
lookup whatever the collection's size. With 60 bands of 3 rows a pair at similarity 0.4 becomes a
candidate with probability 0.98, a pair at 0.1 with 0.06; two random real bills share a band one
time in a thousand.

Chosen on bills of the corpora's ``train`` split, rendered, scanned twice and read by munseo
(``benchmarks/bench_duplicates.py --split train``): with five-character shingles and 0.5, 12 of
100 second scans of degraded 200-DPI pages were missed (their readings differ by 8–12% of the
characters); three-character shingles (then linked at an estimated similarity of 0.4) found all
100. The report is on the ``dev`` split.

Shingles alone cannot tell a rescan from another filled-in copy of one form: ``munseo synth``
documents of one institution and type share 0.4–0.55 of their shingles, as much as a degraded
rescan does, and even 0.8 of their letters in order. So a band match only makes a ``CANDIDATE``,
and the texts decide (``likeness``): a second scan differs by OCR slips, scattered or where a
stamp or a ruled table was read worse, while two copies of one form differ in their figures
(dates, numbers, sums), which OCR reads well. On synthetic documents of seeds 1–3 (about 130
rescans over four runs of ``bench_duplicates.py --only synth --seed N``) rescans' figures lined up
0.84 or more and their letters 0.63 or more; distinct documents of one kind had figures 0.76 or
less. ``FIGURES`` sits between; ``LETTERS`` is a floor below every rescan (distinct documents'
letters reached 0.8, so letters alone do not separate). Text without a digit is judged by its
letters alone, above the 0.82 the most alike distinct documents reached. A band match needs an
estimated similarity of ``CANDIDATE`` (0.25) to be compared; a rescan's was 0.37 or more. The report is on seed 7, where
three pairs of distinct documents printed with figures 0.80–0.82 alike were still linked
(BENCHMARKS.md, "Near-duplicate rescans").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from munseo.text.analysis import normalise

SHINGLE = 3
BANDS, ROWS = 60, 3
PERMUTATIONS = BANDS * ROWS
# Below this many shingles a text says too little (a blank page, a stamp) to be matched at all.
MIN_SHINGLES = 20
# Estimated shingle similarity from which a document sharing a band is compared text to text.
CANDIDATE = 0.25
# A rescan's letters and figures line up at least this much (``Likeness``); with no figures at all,
# its letters must line up ``LETTERS_ALONE``.
LETTERS, FIGURES, LETTERS_ALONE = 0.55, 0.80, 0.85
# Letters and digits compared at most from the start of each text: bounds the alignment's time.
COMPARED = 20_000

_PRIME = 4_294_967_291  # the largest prime below 2**32: a·x + b of 32-bit values fits 64 bits


def _constant(kind: str, i: int) -> int:
    # From a hash, not a random generator: stored signatures must agree across processes, machines
    # and library versions.
    return int.from_bytes(hashlib.blake2b(f"munseo-minhash:{kind}:{i}".encode(), digest_size=8).digest(), "little")


_A = np.array([1 + _constant("a", i) % (_PRIME - 1) for i in range(PERMUTATIONS)], dtype=np.uint64)
_B = np.array([_constant("b", i) % _PRIME for i in range(PERMUTATIONS)], dtype=np.uint64)
# Shingles hashed per step: bounds the temporary (PERMUTATIONS × _CHUNK) array of a huge text.
_CHUNK = 8192
_NOT_TEXT = re.compile(r"[\W_]+")
_NOT_DIGIT = re.compile(r"\D+")
_DIGIT = re.compile(r"\d+")


def _flat(text: str) -> str:
    return _NOT_TEXT.sub("", normalise(text))


def shingles(text: str) -> np.ndarray:
    """The 32-bit hashes of the text's distinct ``SHINGLE``-character runs (letters and digits only)."""
    flat = _flat(text)
    runs = {flat[i : i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}
    return np.array(
        sorted(int.from_bytes(hashlib.blake2b(r.encode(), digest_size=4).digest(), "little") for r in runs),
        dtype=np.uint64,
    )


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (``PERMUTATIONS`` uint32 values), or None for a text too short to match."""
    values = shingles(text)
    if len(values) < MIN_SHINGLES:
        return None
    lowest = np.full(PERMUTATIONS, _PRIME, dtype=np.uint64)
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        hashed = (_A[:, None] * chunk[None, :] + _B[:, None]) % _PRIME
        lowest = np.minimum(lowest, hashed.min(axis=1))
    return lowest.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.mean(a == b))


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per band (the band's number and values hashed into a signed 63-bit integer)."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(1, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


@dataclass(frozen=True)
class Likeness:
    """How alike two readings are, as shares (0–1) of characters that line up in order (1 −
    Indel distance / both lengths): over their letters, and over their figures (digits)."""

    letters: float
    figures: float | None  # None when neither text has a digit

    @property
    def rescan(self) -> bool:
        """Whether the two readings are one paper read twice."""
        if self.figures is None:
            return self.letters >= LETTERS_ALONE
        return self.letters >= LETTERS and self.figures >= FIGURES


def likeness(a: str, b: str) -> Likeness:
    """``Likeness`` of two texts, over the first ``COMPARED`` letters and digits of each."""
    # cut before normalising: the flattened text is never longer than about the raw text
    flat_a, flat_b = _flat(a[: 2 * COMPARED])[:COMPARED], _flat(b[: 2 * COMPARED])[:COMPARED]
    letters_a, letters_b = _DIGIT.sub("", flat_a), _DIGIT.sub("", flat_b)
    digits_a, digits_b = _NOT_DIGIT.sub("", flat_a), _NOT_DIGIT.sub("", flat_b)
    figures = Indel.normalized_similarity(digits_a, digits_b) if digits_a or digits_b else None
    return Likeness(Indel.normalized_similarity(letters_a, letters_b), figures)
