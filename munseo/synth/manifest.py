"""The manifest: one JSON line per generated input with its labels and ground truth.

Text ground truth is the text drawn on the page, line by line in reading (and drawing) order,
joined with "\\n". Line boxes are ``[x0, y0, x1, y1]`` in pixels of the page rendered at the record's
``dpi`` (origin top-left, x1/y1 exclusive); for a scanned page they are the axis-aligned bounds of
the skewed line.

A text-layer extraction of a born-digital PDF matches the ground truth in the sense of
:func:`text_layer_matches`: the same characters in the same order once whitespace is removed, and
every word or line break of the ground truth is whitespace in the extraction too. The extraction
may break more often: pdfium starts a new line between text objects whose boxes do not touch,
which happens inside a justified line (and, where a line switches font subsets, inside a word).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from munseo.text import merge_pages

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class LineTruth:
    text: str
    box: Box


@dataclass(frozen=True)
class PageTruth:
    number: int
    width: int
    height: int
    text: str
    lines: tuple[LineTruth, ...]
    skew: float = 0.0


@dataclass(frozen=True)
class Labels:
    institution: str
    doc_type: str


@dataclass(frozen=True)
class ManifestRecord:
    """One generated input. ``kind`` is "document" or, for an unknown input, what it is."""

    id: str
    file: str
    labels: Labels
    page_count: int
    born_digital: bool
    dpi: int
    format: str
    kind: str
    difficulty: str
    fragment: bool
    fields: dict[str, str] = field(default_factory=dict)
    pages: tuple[PageTruth, ...] = ()

    @property
    def text(self) -> str:
        """The ground truth of the whole input, pages separated as in a document's stored text."""
        return merge_pages([page.text for page in self.pages])

    def to_json(self) -> str:
        data = {
            "id": self.id,
            "file": self.file,
            "labels": {"institution": self.labels.institution, "doc_type": self.labels.doc_type},
            "page_count": self.page_count,
            "born_digital": self.born_digital,
            "dpi": self.dpi,
            "format": self.format,
            "kind": self.kind,
            "difficulty": self.difficulty,
            "fragment": self.fragment,
            "fields": self.fields,
            "pages": [
                {
                    "number": p.number,
                    "width": p.width,
                    "height": p.height,
                    "skew": p.skew,
                    "text": p.text,
                    "lines": [{"text": line.text, "box": list(line.box)} for line in p.lines],
                }
                for p in self.pages
            ],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> ManifestRecord:
        data = json.loads(line)
        pages = tuple(
            PageTruth(
                p["number"],
                p["width"],
                p["height"],
                p["text"],
                tuple(LineTruth(item["text"], tuple(item["box"])) for item in p["lines"]),
                p["skew"],
            )
            for p in data["pages"]
        )
        return cls(
            data["id"],
            data["file"],
            Labels(**data["labels"]),
            data["page_count"],
            data["born_digital"],
            data["dpi"],
            data["format"],
            data["kind"],
            data["difficulty"],
            data["fragment"],
            data["fields"],
            pages,
        )


def read_manifest(path: Path) -> list[ManifestRecord]:
    """The records of a ``manifest.jsonl``."""
    with path.open(encoding="utf-8") as handle:
        return [ManifestRecord.from_json(line) for line in handle if line.strip()]


def _breaks(text: str) -> tuple[str, set[int]]:
    """``text`` without whitespace, and the positions in it that whitespace preceded."""
    chars: list[str] = []
    breaks: set[int] = set()
    for ch in text:
        if ch.isspace():
            breaks.add(len(chars))
        else:
            chars.append(ch)
    return "".join(chars), breaks


def text_layer_matches(extracted: str, truth: str) -> bool:
    """Whether a text-layer extraction reproduces the ground truth (see the module docstring)."""
    extracted_chars, extracted_breaks = _breaks(extracted)
    truth_chars, truth_breaks = _breaks(truth)
    return extracted_chars == truth_chars and truth_breaks - {0, len(truth_chars)} <= extracted_breaks
