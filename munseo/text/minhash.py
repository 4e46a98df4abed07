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
characters); three-character shingles and 0.4 found all 100 and linked nothing wrong. The report
is on the ``dev`` split.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

SHINGLE = 3
BANDS, ROWS = 60, 3
PERMUTATIONS = BANDS * ROWS
# Below this many shingles a text says too little (a blank page, a stamp) to be matched at all.
MIN_SHINGLES = 20
# Estimated similarity from which a document counts as a rescan of another.
NEAR_DUPLICATE = 0.4

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


def shingles(text: str) -> np.ndarray:
    """The 32-bit hashes of the text's distinct five-character runs (letters and digits only)."""
    flat = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())
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
