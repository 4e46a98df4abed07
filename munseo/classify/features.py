"""Text features of the ``linear`` backend: TF-IDF over character n-grams (or morphemes).

Every n-gram is a 64-bit key (a multiplicative hash of its code points and its length), so that
featurising a batch is a handful of vectorised NumPy operations rather than a Python loop over
n-grams: this is what keeps the whole linear model above 1,000 documents/s on one core. Keys are
hashed into buckets; the vocabulary is the ``max_features`` buckets with the highest document
frequency (at least ``min_df``). ``morph`` instead uses the morphemes (form/tag) of
kiwipiepy and their n-grams, for the comparison in BENCHMARKS.md.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import sparse

_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MIX3 = np.uint64(0x94D049BB133111EB)
_WORD_SALT = np.uint64(0x6A09E667F3BCC908)  # keeps word n-gram keys apart from character n-gram keys
_HEAD_SALT = np.uint64(0x3C6EF372FE94F82B)  # keeps the opening's n-gram keys apart from the body's
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d")
VOCABULARY_FILE = "vocabulary.npz"


def normalize(text: str) -> str:
    """NFC, lower case, every digit as 0 (numbers carry no class), whitespace runs as one space."""
    text = unicodedata.normalize("NFC", text).lower()
    return _SPACES.sub(" ", _DIGITS.sub("0", text)).strip()


def _mix(keys: np.ndarray, n: int) -> np.ndarray:
    """SplitMix64's finaliser over (key + n): every output bit depends on every input bit."""
    keys = (keys + np.uint64(n)) * _MIX
    keys = (keys ^ (keys >> np.uint64(30))) * _MIX2
    keys = (keys ^ (keys >> np.uint64(27))) * _MIX3
    return keys ^ (keys >> np.uint64(31))


def _sequence_keys(codes: np.ndarray, ngram_min: int, ngram_max: int) -> np.ndarray:
    """Keys of all n-grams (ngram_min ≤ n ≤ ngram_max) of a sequence of uint64 codes."""
    parts = []
    running = codes
    for n in range(1, ngram_max + 1):
        if len(running) == 0:
            break
        if n >= ngram_min:
            parts.append(_mix(running, n))
        running = running[:-1] * _PRIME + codes[n:]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def char_keys(text: str, ngram_min: int, ngram_max: int) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return _sequence_keys(codes, ngram_min, ngram_max)


def char_wb_keys(text: str, ngram_min: int, ngram_max: int) -> np.ndarray:
    """Keys of the character n-grams inside words, each word padded with a space on both sides
    (scikit-learn's ``char_wb``): an n-gram never spans two words, so ``bill of`` gives `` of``
    but not ``l o``."""
    words = text.split()
    if not words:
        return np.empty(0, dtype=np.uint64)
    padded = " " + "  ".join(words) + " "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # word number of every position: a word's own trailing space closes it, and the next
    # word's leading space opens the next one
    lengths = np.array([len(w) + 2 for w in words])
    word = np.repeat(np.arange(len(words)), lengths)
    parts = []
    running = codes
    for n in range(1, ngram_max + 1):
        if len(running) == 0:
            break
        if n >= ngram_min:
            inside = word[: len(running)] == word[n - 1 :]
            parts.append(_mix(running[inside], n))
        running = running[:-1] * _PRIME + codes[n:]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def word_keys(text: str, ngram_min: int, ngram_max: int) -> np.ndarray:
    """Keys of the n-grams of whitespace-separated words, apart from every character n-gram's."""
    codes = np.array([_token_code(w) for w in text.split()], dtype=np.uint64)
    return _sequence_keys(codes, ngram_min, ngram_max) ^ _WORD_SALT


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError as exc:
        raise RuntimeError("the morph analyzer needs kiwipiepy: pip install 'munseo[kiwi]'") from exc
    with warnings.catch_warnings():  # kiwipiepy notes that 0 now means one thread, which is what we want
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(num_workers=0)


def _token_code(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def morph_keys(text: str, ngram_min: int, ngram_max: int) -> np.ndarray:
    tokens = _kiwi().tokenize(text)
    codes = np.array([_token_code(f"{t.form}/{t.tag}") for t in tokens], dtype=np.uint64)
    return _sequence_keys(codes, ngram_min, ngram_max)


@dataclass(frozen=True)
class FeatureConfig:
    analyzer: Literal["char", "char_wb", "morph"] = "char"
    ngram_min: int = 1
    ngram_max: int = 3
    # word n-grams added to the character ones (0: none), for the ``char`` and ``char_wb`` analyzers
    word_ngram_max: int = 0
    max_features: int = 300_000
    min_df: int = 2
    sublinear_tf: bool = True
    max_chars: int = 100_000
    hash_bits: int = 22
    # the n-grams of the text's first ``head_chars`` characters also count as features of their own
    # (0: none), their TF-IDF values normalised apart and scaled by ``head_weight``: a document's
    # opening (title, letterhead, heading) says more about its kind and issuer than its middle
    head_chars: int = 0
    head_weight: float = 0.5

    def groups(self, text: str) -> list[np.ndarray]:
        """The keys of the whole text's n-grams, then (with ``head_chars``) those of its opening."""
        text = normalize(text)[: self.max_chars]
        groups = [self._keys(text)]
        if self.head_chars:
            groups.append(self._keys(text[: self.head_chars]) ^ _HEAD_SALT)
        return groups

    def buckets(self, text: str) -> np.ndarray:
        """The distinct hash buckets of a text's n-grams: at least as many as its TF-IDF row's non-zeros."""
        mask = np.uint64((1 << self.hash_bits) - 1)
        return np.unique((np.concatenate(self.groups(text)) & mask).astype(np.int64))

    def _keys(self, text: str) -> np.ndarray:
        if self.analyzer == "morph":
            return morph_keys(text, self.ngram_min, self.ngram_max)
        analyzer = char_wb_keys if self.analyzer == "char_wb" else char_keys
        keys = analyzer(text, self.ngram_min, self.ngram_max)
        if self.word_ngram_max:
            keys = np.concatenate([keys, word_keys(text, 1, self.word_ngram_max)])
        return keys


class Vocabulary:
    """The n-gram buckets a model knows, with their inverse document frequencies.

    Keys are hashed into ``2**hash_bits`` buckets, so counting document frequencies takes a fixed
    amount of memory however many distinct n-grams a corpus has; the ``max_features`` buckets with
    the highest document frequency become the features, and a bucket → feature table makes the
    lookup one array index."""

    def __init__(self, config: FeatureConfig, buckets: np.ndarray, idf: np.ndarray) -> None:
        self.config = config
        self.buckets = buckets.astype(np.int64)
        self.idf = idf.astype(np.float32)
        self.table = np.full(1 << config.hash_bits, -1, dtype=np.int32)
        self.table[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.buckets)

    @classmethod
    def fit(cls, texts: Sequence[str], config: FeatureConfig) -> Vocabulary:
        return cls._fit(texts, config)[0]

    @classmethod
    def _fit(cls, texts: Sequence[str], config: FeatureConfig) -> tuple[Vocabulary, int]:
        """The vocabulary, and how many (text, bucket) pairs the texts have: an upper bound of the
        non-zeros of their TF-IDF rows."""
        df = np.zeros(1 << config.hash_bits, dtype=np.int64)
        pairs = 0
        for text in texts:
            present = config.buckets(text)
            df[present] += 1
            pairs += len(present)
        candidates = np.flatnonzero(df >= config.min_df)
        if len(candidates) == 0:
            raise ValueError(f"no feature occurs in at least {config.min_df} training texts")
        # highest document frequency first; ties broken by bucket so the result is deterministic
        order = np.lexsort((candidates, -df[candidates]))[: config.max_features]
        buckets = np.sort(candidates[order])
        idf = np.log((1 + len(texts)) / (1 + df[buckets])) + 1.0
        return cls(config, buckets, idf), pairs

    @classmethod
    def fit_transform(
        cls,
        texts: Sequence[str],
        config: FeatureConfig,
        dtype: type = np.float32,
        chunk: int = 256,
        also: Sequence[str] = (),
    ) -> tuple[Vocabulary, sparse.csr_matrix]:
        """``fit`` on ``texts``, then ``transform`` of the same texts and then of ``also`` (texts
        that do not count in the document frequencies), written straight into arrays of their
        final size and type (no stacking of parts, no conversion): training holds one copy of
        its rows, in the float64 that liblinear reads."""
        vocabulary, bound = cls._fit(texts, config)
        bound += sum(len(config.buckets(text)) for text in also)
        texts = [*texts, *also] if also else texts
        values = np.empty(bound, dtype=dtype)
        indices = np.empty(bound, dtype=np.int32)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        filled = 0
        for start in range(0, len(texts), chunk):
            batch = texts[start : start + chunk]
            doc, feature, weight = vocabulary._weights(batch)
            values[filled : filled + len(weight)] = weight
            indices[filled : filled + len(weight)] = feature
            indptr[start + 1 : start + len(batch) + 1] = filled + np.cumsum(np.bincount(doc, minlength=len(batch)))
            filled += len(weight)
        matrix = sparse.csr_matrix(
            (values[:filled], indices[:filled], indptr), shape=(len(texts), len(vocabulary)), copy=False
        )
        return vocabulary, matrix

    def _weights(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document index, feature id, TF-IDF value), sorted by document then feature: the whole
        text's values L2-normalised, plus (with ``head_chars``) its opening's, normalised apart and
        scaled by ``head_weight``."""
        mask = np.uint64((1 << self.config.hash_bits) - 1)
        per_text = [self.config.groups(t) for t in texts]
        doc, feature, values = self._group_weights([g[0] for g in per_text], mask)
        if not self.config.head_chars:
            return doc, feature, values
        head_doc, head_feature, head_values = self._group_weights([g[1] for g in per_text], mask)
        # an opening's n-gram and a body n-gram can share a bucket: their values are added
        combined, where = np.unique(
            np.concatenate([doc * len(self) + feature, head_doc * len(self) + head_feature]), return_inverse=True
        )
        summed = np.bincount(
            where, weights=np.concatenate([values, head_values * self.config.head_weight]), minlength=len(combined)
        )
        doc, feature = np.divmod(combined, len(self))
        return doc, feature, summed.astype(np.float32)

    def _group_weights(self, keys: list[np.ndarray], mask: np.uint64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_weights`` of one group of keys per text."""
        per_doc = [self.table[(k & mask).astype(np.int64)] for k in keys]
        lengths = np.array([len(k) for k in per_doc], dtype=np.int64)
        features = np.concatenate(per_doc) if per_doc else np.empty(0, dtype=np.int32)
        docs = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        known = features >= 0
        combined, tf = np.unique(docs[known] * len(self) + features[known], return_counts=True)
        doc, feature = np.divmod(combined, len(self))
        tf = tf.astype(np.float32)
        values = (1.0 + np.log(tf) if self.config.sublinear_tf else tf) * self.idf[feature]
        norms = np.sqrt(np.bincount(doc, weights=values.astype(np.float64) ** 2, minlength=len(keys)))
        values = values / np.maximum(norms[doc], 1e-12)
        return doc, feature, values.astype(np.float32)

    def transform(self, texts: Sequence[str], chunk: int = 256) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts`` (computed ``chunk`` texts at a time to bound memory)."""
        parts = []
        for start in range(0, len(texts), chunk):
            batch = texts[start : start + chunk]
            doc, feature, values = self._weights(batch)
            indptr = np.r_[0, np.cumsum(np.bincount(doc, minlength=len(batch)))]
            parts.append(sparse.csr_matrix((values, feature, indptr), shape=(len(batch), len(self))))
        if not parts:
            return sparse.csr_matrix((0, len(self)), dtype=np.float32)
        return sparse.vstack(parts, format="csr")

    def transform_padded(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The ONNX model's inputs: feature ids and values, one row per text, padded with (0, 0.0)."""
        doc, feature, values = self._weights(texts)
        counts = np.bincount(doc, minlength=len(texts))
        width = max(1, int(counts.max()) if len(counts) else 1)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        column = np.arange(len(doc)) - np.repeat(starts, counts)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        weights = np.zeros((len(texts), width), dtype=np.float32)
        ids[doc, column] = feature
        weights[doc, column] = values
        return ids, weights

    def save(self, folder: Path) -> None:
        np.savez(folder / VOCABULARY_FILE, buckets=self.buckets, idf=self.idf)

    def config_dict(self) -> dict[str, Any]:
        return asdict(self.config)

    @classmethod
    def load(cls, folder: Path, config: dict[str, Any]) -> Vocabulary:
        with np.load(folder / VOCABULARY_FILE) as arrays:
            return cls(FeatureConfig(**config), arrays["buckets"], arrays["idf"])
