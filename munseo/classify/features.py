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
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import chain
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


Keys = tuple[np.ndarray, np.ndarray]  # (n-gram keys, the number of the text each comes from)


def _segmented_keys(codes: np.ndarray, lengths: np.ndarray, owners: np.ndarray, ngram_min: int, ngram_max: int) -> Keys:
    """Keys of the n-grams (ngram_min ≤ n ≤ ngram_max) of a sequence of uint64 codes made of
    consecutive segments of ``lengths`` codes, only where an n-gram lies inside one segment; each
    key with its segment's owner. The whole sequence is hashed at once: a batch of texts costs a
    few NumPy operations over all of them rather than a few per text."""
    segment = np.repeat(np.arange(len(lengths)), lengths)
    keys, where = [], []
    running = codes
    for n in range(1, ngram_max + 1):
        if len(running) == 0:
            break
        if n >= ngram_min:
            first = segment[: len(running)]
            inside = first == segment[n - 1 :]
            keys.append(_mix(running[inside], n))
            where.append(first[inside])
        running = running[:-1] * _PRIME + codes[n:]
    if not keys:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    return np.concatenate(keys), owners[np.concatenate(where)]


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def char_keys(texts: Sequence[str], ngram_min: int, ngram_max: int) -> Keys:
    """Keys of the character n-grams of each text (none spans two texts)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return _segmented_keys(_codes("".join(texts)), lengths, np.arange(len(texts)), ngram_min, ngram_max)


def char_wb_keys(texts: Sequence[str], ngram_min: int, ngram_max: int) -> Keys:
    """Keys of the character n-grams inside words, each word padded with a space on both sides
    (scikit-learn's ``char_wb``): an n-gram never spans two words, so ``bill of`` gives `` of``
    but not ``l o``."""
    per_text = [text.split() for text in texts]
    words = list(chain.from_iterable(per_text))
    if not words:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    # every word padded on both sides, one after the other: " w1  w2  w3 "
    codes = _codes(" " + "  ".join(words) + " ")
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
    owners = np.repeat(np.arange(len(texts)), np.fromiter(map(len, per_text), dtype=np.int64, count=len(texts)))
    return _segmented_keys(codes, lengths, owners, ngram_min, ngram_max)


def _token_keys(per_text: list[list[str]], ngram_min: int, ngram_max: int) -> Keys:
    """Keys of the n-grams of each text's tokens."""
    codes = np.array([_token_code(token) for token in chain.from_iterable(per_text)], dtype=np.uint64)
    lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    return _segmented_keys(codes, lengths, np.arange(len(per_text)), ngram_min, ngram_max)


def word_keys(texts: Sequence[str], ngram_min: int, ngram_max: int) -> Keys:
    """Keys of the n-grams of whitespace-separated words, apart from every character n-gram's."""
    keys, owners = _token_keys([text.split() for text in texts], ngram_min, ngram_max)
    return keys ^ _WORD_SALT, owners


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


def morph_keys(texts: Sequence[str], ngram_min: int, ngram_max: int) -> Keys:
    kiwi = _kiwi()
    return _token_keys([[f"{t.form}/{t.tag}" for t in kiwi.tokenize(text)] for text in texts], ngram_min, ngram_max)


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

    def groups(self, texts: Sequence[str]) -> list[Keys]:
        """The keys of the texts' n-grams (each with the number of its text), then (with
        ``head_chars``) those of their openings."""
        texts = [normalize(text)[: self.max_chars] for text in texts]
        groups = [self._keys(texts)]
        if self.head_chars:
            keys, owners = self._keys([text[: self.head_chars] for text in texts])
            groups.append((keys ^ _HEAD_SALT, owners))
        return groups

    def buckets(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's distinct hash buckets (at least as many as its TF-IDF row's non-zeros), as
        ``text number << hash_bits | bucket``, sorted."""
        mask = np.uint64((1 << self.hash_bits) - 1)
        groups = self.groups(texts)
        keys = np.concatenate([k for k, _ in groups]) & mask
        owners = np.concatenate([o for _, o in groups]).astype(np.uint64)
        pairs = np.sort(((owners << np.uint64(self.hash_bits)) | keys).astype(np.int64))
        # distinct by a sort: NumPy's hashed ``unique`` is several times slower on arrays this large
        return pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs

    def _keys(self, texts: Sequence[str]) -> Keys:
        if self.analyzer == "morph":
            return morph_keys(texts, self.ngram_min, self.ngram_max)
        analyzer = char_wb_keys if self.analyzer == "char_wb" else char_keys
        keys, owners = analyzer(texts, self.ngram_min, self.ngram_max)
        if self.word_ngram_max:
            words, word_owners = word_keys(texts, 1, self.word_ngram_max)
            keys, owners = np.concatenate([keys, words]), np.concatenate([owners, word_owners])
        return keys, owners


BATCH_TEXTS = 256  # texts featurised at once, at most
BATCH_CHARS = 1 << 18  # characters featurised at once, at most (unless one text has more)


def _spans(texts: Sequence[str], max_chars: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive batches of ``texts``, each of at most ``BATCH_TEXTS`` texts and
    ``BATCH_CHARS`` characters (a text's counted up to ``max_chars``, where it is cut): a batch's
    n-gram keys are computed at once, and take memory in proportion to its characters."""
    start, chars = 0, 0
    for stop, text in enumerate(texts):
        length = min(len(text), max_chars)
        if stop > start and (stop - start == BATCH_TEXTS or chars + length > BATCH_CHARS):
            yield start, stop
            start, chars = stop, 0
        chars += length
    if start < len(texts):
        yield start, len(texts)


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
        for start, stop in _spans(texts, config.max_chars):
            present = config.buckets(texts[start:stop])
            buckets, counts = np.unique(present & ((1 << config.hash_bits) - 1), return_counts=True)
            df[buckets] += counts
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
        also: Sequence[str] = (),
    ) -> tuple[Vocabulary, sparse.csr_matrix]:
        """``fit`` on ``texts``, then ``transform`` of the same texts and then of ``also`` (texts
        that do not count in the document frequencies), written straight into arrays of their
        final size and type (no stacking of parts, no conversion): training holds one copy of
        its rows, in the float64 that liblinear reads."""
        vocabulary, bound = cls._fit(texts, config)
        bound += sum(len(config.buckets(also[start:stop])) for start, stop in _spans(also, config.max_chars))
        texts = [*texts, *also] if also else texts
        values = np.empty(bound, dtype=dtype)
        indices = np.empty(bound, dtype=np.int32)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        filled = 0
        for start, stop in _spans(texts, config.max_chars):
            batch = texts[start:stop]
            doc, feature, weight = vocabulary._weights(batch)
            values[filled : filled + len(weight)] = weight
            indices[filled : filled + len(weight)] = feature
            indptr[start + 1 : stop + 1] = filled + np.cumsum(np.bincount(doc, minlength=len(batch)))
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
        groups = self.config.groups(texts)
        doc, feature, values = self._group_weights(groups[0], len(texts), mask)
        if not self.config.head_chars:
            return doc, feature, values
        head_doc, head_feature, head_values = self._group_weights(groups[1], len(texts), mask)
        # an opening's n-gram and a body n-gram can share a bucket: their values are added
        combined, where = np.unique(
            np.concatenate([doc * len(self) + feature, head_doc * len(self) + head_feature]), return_inverse=True
        )
        summed = np.bincount(
            where, weights=np.concatenate([values, head_values * self.config.head_weight]), minlength=len(combined)
        )
        doc, feature = np.divmod(combined, len(self))
        return doc, feature, summed.astype(np.float32)

    def _group_weights(self, group: Keys, count: int, mask: np.uint64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_weights`` of one group of keys of ``count`` texts."""
        keys, owners = group
        features = self.table[(keys & mask).astype(np.int64)]
        known = features >= 0
        combined, tf = np.unique(owners[known] * len(self) + features[known], return_counts=True)
        doc, feature = np.divmod(combined, len(self))
        tf = tf.astype(np.float32)
        values = (1.0 + np.log(tf) if self.config.sublinear_tf else tf) * self.idf[feature]
        norms = np.sqrt(np.bincount(doc, weights=values.astype(np.float64) ** 2, minlength=count))
        values = values / np.maximum(norms[doc], 1e-12)
        return doc, feature, values.astype(np.float32)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts`` (computed a batch at a time to bound memory, see ``_spans``)."""
        parts = []
        for start, stop in _spans(texts, self.config.max_chars):
            batch = texts[start:stop]
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
