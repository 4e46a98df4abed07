"""Text recognition metrics."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# Middle dots that look the same on a page and are used for one another in Korean text: statutes
# write ㆍ (U+318D), bills ·, some exports ・ or ‧. No reader of a page can tell them apart.
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("\u318d\u30fb\u2027\uff65", "\u00b7"))


def _normalise(text: str, ignore_whitespace: bool) -> str:
    text = unicodedata.normalize("NFC", text).translate(_MIDDLE_DOTS)
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


CHAR_CLASSES = ("hangul", "latin", "digit", "symbol", "hanja", "other")

# A lone "|" between spaces, or a tab, separates table cells: it is layout, not text.
_CELL_SEPARATOR = re.compile(r"(?:(?<=\s)|^)\|(?=\s|$)|\t", re.M)


def comparable_text(text: str) -> str:
    """Text as the OCR metrics compare it: NFC, look-alike middle dots as one (``·``), and table cell
    separators (a lone ``|`` or a tab) turned into spaces, so that neither a reference's ``" | "``
    nor an engine's tab counts as text."""
    return _CELL_SEPARATOR.sub(" ", unicodedata.normalize("NFC", text).translate(_MIDDLE_DOTS))


def char_class(char: str) -> str:
    """One of ``CHAR_CLASSES``: Hangul syllables, Latin letters, decimal digits, punctuation and
    symbols (circled numbers ①–⑳ included), Hanja, or other (Hangul jamo, other scripts)."""
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3:
        return "hangul"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF:
        return "hanja"
    category = unicodedata.category(char)
    if category == "Nd":
        return "digit"
    if category[0] == "L" and unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    if category[0] in "PS" or category == "No":
        return "symbol"
    return "other"


@dataclass
class ClassErrors:
    """Edit errors and reference characters per character class (whitespace ignored)."""

    errors: Counter[str] = field(default_factory=Counter)
    reference: Counter[str] = field(default_factory=Counter)

    def rate(self, cls: str) -> float | None:
        """Errors over reference characters of ``cls``; None when the reference has none."""
        count = self.reference[cls]
        return self.errors[cls] / count if count else None

    def __add__(self, other: ClassErrors) -> ClassErrors:
        return ClassErrors(self.errors + other.errors, self.reference + other.reference)


def class_errors(reference: str, hypothesis: str) -> ClassErrors:
    """Character errors by class, from a minimal edit alignment with whitespace removed: a
    substitution or deletion counts against the reference character's class, an insertion against
    the inserted character's class. ``rate(cls)`` is then the CER of that class."""
    ref = "".join(comparable_text(reference).split())
    hyp = "".join(comparable_text(hypothesis).split())
    result = ClassErrors(reference=Counter(char_class(c) for c in ref))
    for op in Levenshtein.editops(ref, hyp):
        if op.tag == "insert":
            result.errors[char_class(hyp[op.dest_pos])] += 1
        else:
            result.errors[char_class(ref[op.src_pos])] += 1
    return result


def word_matches(reference: str, hypothesis: str) -> tuple[int, int]:
    """(reference words found in the hypothesis, reference words): words split at whitespace,
    matched as multisets, so a word twice in the reference must be read twice."""
    ref = Counter(comparable_text(reference).split())
    hyp = Counter(comparable_text(hypothesis).split())
    return sum((ref & hyp).values()), sum(ref.values())


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of the reference's words found in the hypothesis (1.0 for an empty reference)."""
    found, total = word_matches(reference, hypothesis)
    return found / total if total else 1.0


def table_rows_kept(reference: str, hypothesis: str, threshold: float = 80.0) -> tuple[int, int]:
    """(table rows found, table rows) for a reference whose rows are lines of cells joined by " | ":
    a row is found when its longest cell appears in the hypothesis (whitespace ignored, fuzzy
    match score at least ``threshold`` of 100, so one misread character does not lose a row).

    The longest cell, not the first: a short first cell (``<신 설>``, a row number) read with two
    look-alike brackets falls below any fair threshold while the row itself was read.
    """
    hyp = "".join(comparable_text(hypothesis).split())
    found = total = 0
    for line in unicodedata.normalize("NFC", reference).splitlines():
        if " | " not in line:
            continue
        total += 1
        longest = max(("".join(cell.split()) for cell in line.split(" | ")), key=len)
        if longest and fuzz.partial_ratio(longest, hyp) >= threshold:
            found += 1
    return found, total
