"""Text analysis for search: the terms a page is indexed under, and what a query looks for.

Korean glues particles and endings to its words (위원회는, 위원회의) and builds compounds
(정무위원회), so whitespace words match badly. Four analyzers, chosen by measurement
(``benchmarks/bench_search.py``, BENCHMARKS.md):

- ``bigram`` (the default): Hangul and Hanja runs as overlapping two-character pieces, Latin words
  and numbers whole. A query word is a phrase of its pieces, so it matches wherever it occurs as a
  substring: 위원회 finds 위원회는 and 정무위원회. Needs no model and indexes fastest.
- ``trigram``: the same with three-character pieces; a one- or two-syllable query word is the
  start of a piece, so 전세 finds 전세사기 but not 사기전세. Measured a little below bigrams (MRR
  0.643 against 0.654 on SQLite), with a bigger index and slower queries.
- ``morpheme``: Kiwi's morphemes (kiwipiepy, optional), content morphemes only.
- ``word``: whitespace words, lowercased, punctuation stripped: the baseline.

A query is a list of phrases, all of which must match; a phrase is terms that must stand next to
each other. ``"..."`` in a query keeps its words together as one phrase. Terms are stored encoded
(``encode``) as plain ASCII words, so that any database's full-text parser keeps them whole
whatever its locale.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

# Look-alike middle dots and the like are separators: 시·도 is 시 and 도.
_RUN = re.compile(r"[\uac00-\ud7a3]+|[\u3400-\u9fff\uf900-\ufaff]+|[a-z]+|[0-9]+")
_HANGUL_OR_HANJA = re.compile(r"[\uac00-\ud7a3\u3400-\u9fff\uf900-\ufaff]")
_QUOTED = re.compile(r'"([^"]*)"')


def normalise(text: str) -> str:
    """NFKC (full-width forms, compatibility jamo), lowercase: what every analyzer starts from."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Phrase:
    """Terms that must stand next to each other; ``prefix``: the last may be the start of a term."""

    terms: tuple[str, ...]
    prefix: bool = False


class Analyzer(Protocol):
    name: str

    def terms(self, text: str) -> list[str]:
        """The terms ``text`` is indexed under, in order."""
        ...

    def phrase(self, words: str) -> Phrase | None:
        """What one query word (or a quoted run of words) looks for; None when it has no terms."""
        ...


class NgramAnalyzer:
    """Hangul and Hanja runs as overlapping ``n``-character pieces (a shorter run whole), Latin
    words and numbers whole."""

    def __init__(self, n: int = 2) -> None:
        self.n, self.name = n, {2: "bigram", 3: "trigram"}.get(n, f"{n}-gram")

    def _run_terms(self, run: str) -> list[str]:
        if not _HANGUL_OR_HANJA.match(run) or len(run) <= self.n:
            return [run]
        return [run[i : i + self.n] for i in range(len(run) - self.n + 1)]

    def terms(self, text: str) -> list[str]:
        return [term for run in _RUN.findall(normalise(text)) for term in self._run_terms(run)]

    def phrase(self, words: str) -> Phrase | None:
        runs = _RUN.findall(normalise(words))
        if not runs:
            return None
        # A query shorter than a piece (법, or 전세 among trigrams) is the start of a piece: 법 finds
        # 법률 and 법 alike.
        if len(runs) == 1 and len(runs[0]) < self.n and _HANGUL_OR_HANJA.match(runs[0]):
            return Phrase((runs[0],), prefix=True)
        return Phrase(tuple(term for run in runs for term in self._run_terms(run)))


class WordAnalyzer:
    name = "word"

    def terms(self, text: str) -> list[str]:
        words = (re.sub(r"^\W+|\W+$", "", w) for w in normalise(text).split())
        return [w for w in words if w]

    def phrase(self, words: str) -> Phrase | None:
        terms = self.terms(words)
        return Phrase(tuple(terms)) if terms else None


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("the morpheme analyzer needs kiwipiepy: pip install 'munseo[kiwi]'") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(num_workers=0)


# Nouns, verb and adjective stems, roots, foreign words, Hanja, numbers: what a searcher types.
_CONTENT_TAGS = ("NN", "NR", "NP", "VV", "VA", "XR", "SL", "SH", "SN")


class MorphemeAnalyzer:
    name = "morpheme"

    def terms(self, text: str) -> list[str]:
        return [t.form.lower() for t in _kiwi().tokenize(normalise(text)) if t.tag.startswith(_CONTENT_TAGS)]

    def phrase(self, words: str) -> Phrase | None:
        terms = self.terms(words)
        return Phrase(tuple(terms)) if terms else None


ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "bigram": lambda: NgramAnalyzer(2),
    "trigram": lambda: NgramAnalyzer(3),
    "word": WordAnalyzer,
    "morpheme": MorphemeAnalyzer,
}
DEFAULT_ANALYZER = "bigram"


def get_analyzer(name: str = DEFAULT_ANALYZER) -> Analyzer:
    """The analyzer called ``name``; ``ValueError`` naming the known ones otherwise."""
    if name not in ANALYZERS:
        raise ValueError(f"no search analyzer {name!r}; known: {', '.join(ANALYZERS)}")
    return ANALYZERS[name]()


def parse_query(query: str, analyzer: Analyzer) -> list[Phrase]:
    """The phrases of a query: each ``"quoted run"`` one phrase, each other word one."""
    phrases: list[Phrase | None] = [analyzer.phrase(q) for q in _QUOTED.findall(query)]
    phrases += [analyzer.phrase(word) for word in _QUOTED.sub(" ", query).split()]
    return [p for p in phrases if p is not None]


def encode(term: str) -> str:
    """A term as a plain ASCII word (``x`` and the hex of its UTF-8): full-text parsers of any
    locale keep it whole, and a prefix of a term encodes to a prefix of its code."""
    return "x" + term.encode().hex()


def query_words(query: str) -> list[str]:
    """The words of a query as a reader would look for them in a text (quotes dropped,
    normalised): used to find snippets and the words to highlight."""
    words = [w for q in _QUOTED.findall(query) for w in q.split()] + _QUOTED.sub(" ", query).split()
    return [n for n in (re.sub(r"^\W+|\W+$", "", normalise(w)) for w in words) if n]
