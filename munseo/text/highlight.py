"""Where a search's words stand in a page: snippets with their highlights, and the word boxes to
mark on the page image. Matching is case-insensitive and finds a word inside longer ones (위원회
in 정무위원회는), as the index does."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

Span = tuple[int, int]
SNIPPET_CHARS = 160


def spans(text: str, words: Sequence[str]) -> list[Span]:
    """Where any of ``words`` occurs in ``text`` (start, end), left to right, overlaps merged."""
    if not words:
        return []
    pattern = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)), re.IGNORECASE)
    merged: list[Span] = []
    for match in pattern.finditer(text):
        if merged and match.start() <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], match.end()))
        else:
            merged.append((match.start(), match.end()))
    return merged


def snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> tuple[str, list[Span]]:
    """About ``width`` characters of ``text`` around the first place its words occur (the start of the
    text when none does), on one line, and the highlights in the snippet's own offsets."""
    found = spans(text, words)
    start = max(0, found[0][0] - width // 3) if found else 0
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= start - 15 else start
    end = min(len(text), start + width)
    piece = text[start:end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shown = prefix + piece.replace("\n", " ") + suffix
    offset = len(prefix) - start
    marks = [(max(s, start) + offset, min(e, end) + offset) for s, e in found if s < end and e > start]
    return shown, marks


def matching_boxes(blocks: Iterable[dict[str, Any]], words: Sequence[str]) -> list[list[int]]:
    """The boxes of a stored page's words (``blocks`` as the store keeps them) that hold one of
    ``words``, or are a piece of one (OCR may split 전세사기 into 전세 and 사기)."""
    wanted = [w.lower() for w in words if w]
    boxes = []
    for block in blocks:
        for line in block.get("lines", []):
            for word in line.get("words", []):
                text = str(word.get("text", "")).lower()
                if not text:
                    continue
                if any(w in text or (len(text) >= 2 and text in w) for w in wanted):
                    boxes.append([int(v) for v in word["bbox"]])
    return boxes
