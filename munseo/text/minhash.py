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
documents of one institution and type share up to 0.6 of their shingles, and a degraded rescan
read with many slips shares less. So a band match only makes a ``CANDIDATE``, and the texts decide
(``likeness``): a second scan differs by OCR slips, scattered or where a stamp or a ruled table was
read worse, while two copies of one form differ in their figures (dates, numbers, sums), which OCR
reads well. A pair is one paper when its letters line up ``LETTERS`` or more and either its
figures line up ``FIGURES`` or more, or its text is alike throughout (shingles ``SHINGLES``,
letters ``LETTERS_CLOSE``) and the figures of one are found in the other (``FIGURES_KEPT``): a
scan whose stamp or pen marks were read as a row of zeros has figures 0.61 alike, but lost none.

Chosen on synthetic documents of seeds 1 and 2 (200 rescans among 5,500 candidate pairs of distinct
documents; ``bench_duplicates.py --only synth --seed N``; the report is on seed 7): rescans'
shingles were 0.71 or more alike, distinct documents' 0.60 or less, and distinct documents' figures
reached 0.82 while a rescan's, with a date or a sum misread, fell to 0.61. Figures alone (0.80)
linked three distinct pairs and missed two rescans there; this rule linked all 200 and no distinct
pair. Text without a digit is judged by its letters alone, above the 0.82 the most alike distinct
documents reached (``LETTERS_ALONE``). A band match needs an estimated similarity of
``CANDIDATE`` (0.25) to be compared.
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
# A rescan's letters line up at least LETTERS, and its figures FIGURES, unless its shingles are
# SHINGLES alike and its letters LETTERS_CLOSE (``Likeness.rescan``); with no figures at all, its
# letters must line up LETTERS_ALONE.
LETTERS, FIGURES, LETTERS_ALONE = 0.55, 0.83, 0.85
SHINGLES, LETTERS_CLOSE = 0.70, 0.85
# … and the figures of the reading with fewer of them are found in order in the other's at least
# this much: a scan can gain figures (a pen mark read as 0s) but keeps the paper's own, while two
# copies of one form differ in theirs.
FIGURES_KEPT = 0.9
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


def _runs(flat: str) -> set[str]:
    return {flat[i : i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def shingles(text: str) -> np.ndarray:
    """The 32-bit hashes of the text's distinct ``SHINGLE``-character runs (letters and digits only)."""
    runs = _runs(_flat(text))
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
    Indel distance / both lengths): over their letters, and over their figures (digits); and the
    Jaccard similarity of their ``SHINGLE``-character runs."""

    letters: float
    figures: float | None  # None when neither text has a digit
    shingles: float = 0.0
    figures_kept: float = 0.0  # share of the fewer figures found in order among the other's

    @property
    def rescan(self) -> bool:
        """Whether the two readings are one paper read twice."""
        if self.figures is None:
            return self.letters >= LETTERS_ALONE
        if self.letters < LETTERS:
            return False
        if self.figures >= FIGURES:
            return True
        return self.shingles >= SHINGLES and self.letters >= LETTERS_CLOSE and self.figures_kept >= FIGURES_KEPT


def likeness(a: str, b: str) -> Likeness:
    """``Likeness`` of two texts, over the first ``COMPARED`` letters and digits of each."""
    # cut before normalising: the flattened text is never longer than about the raw text
    flat_a, flat_b = _flat(a[: 2 * COMPARED])[:COMPARED], _flat(b[: 2 * COMPARED])[:COMPARED]
    letters_a, letters_b = _DIGIT.sub("", flat_a), _DIGIT.sub("", flat_b)
    digits_a, digits_b = _NOT_DIGIT.sub("", flat_a), _NOT_DIGIT.sub("", flat_b)
    figures = Indel.normalized_similarity(digits_a, digits_b) if digits_a or digits_b else None
    fewer = min(len(digits_a), len(digits_b))
    common = (len(digits_a) + len(digits_b) - Indel.distance(digits_a, digits_b)) / 2
    runs_a, runs_b = _runs(flat_a), _runs(flat_b)
    shared = len(runs_a & runs_b) / len(runs_a | runs_b) if runs_a or runs_b else 1.0
    return Likeness(
        Indel.normalized_similarity(letters_a, letters_b), figures, shared, common / fewer if fewer else 0.0
    )
