"""The element tree every stage after ingest speaks: document → page → block → line → word.

Geometry is ``(x0, y0, x1, y1)`` in the page image's pixel coordinates (origin top left) at the
page's ``dpi``; confidences are 0–1. Text-layer pages carry the same tree with confidence 1.0.
These are pydantic models so that the store keeps them as JSON and the API returns them as is.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

BBox = tuple[int, int, int, int]


def union_bbox(boxes: list[BBox]) -> BBox:
    """The smallest box that holds all ``boxes`` (which must not be empty)."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


class Word(BaseModel):
    text: str
    bbox: BBox
    confidence: float = Field(ge=0.0, le=1.0)
    cell: int | None = Field(None, description="In a table row: the index of the word's cell in ``Line.cells``.")


CELL_SEPARATOR = " | "


class Line(BaseModel):
    """A line of text, or one row of a table: then ``cells`` holds the cell boxes left to right and
    each word says its cell, and the text puts ``CELL_SEPARATOR`` between cells."""

    bbox: BBox
    words: list[Word]
    cells: list[BBox] = Field(default_factory=list)

    @property
    def text(self) -> str:
        if not self.cells:
            return " ".join(w.text for w in self.words)
        parts: list[list[str]] = [[] for _ in self.cells]
        for word in self.words:
            parts[word.cell if word.cell is not None else 0].append(word.text)
        return CELL_SEPARATOR.join(" ".join(p) for p in parts)

    @property
    def confidence(self) -> float:
        return _mean([w.confidence for w in self.words])


class BlockKind(StrEnum):
    TEXT = "text"
    TABLE = "table"


class Block(BaseModel):
    bbox: BBox
    lines: list[Line]
    kind: BlockKind = BlockKind.TEXT

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class PageSource(StrEnum):
    TEXT_LAYER = "text-layer"
    OCR = "ocr"


class Preprocessing(BaseModel):
    """What was done to a page image before OCR, so a result can be reproduced and judged."""

    skew_angle: float = 0.0
    noise_sigma: float | None = Field(None, description="Measured gaussian noise (grey levels), when measured.")
    impulse_share: float | None = Field(None, description="Measured share of salt-and-pepper pixels.")
    deskewed: bool = False
    denoised: bool = False
    paper_cleared: bool = Field(
        False, description="Pixels too light to be ink set to white: a page whose darkest mass was speckle."
    )
    binarized: bool = False


class Repair(BaseModel):
    """One character sequence the recogniser cannot write, put back from its context."""

    rule: str
    before: str
    after: str


class PageQuality(BaseModel):
    """How far a page's reading can be trusted, and how it was arrived at."""

    reading: str = Field(
        description="The reading kept: 'regions', 'whole-page', 'tesseract-layout', or 'blank' (no glyph-sized ink)."
    )
    coverage: float = Field(description="Share of the page's glyph-sized ink that lies inside read words.")
    candidates: dict[str, float] = Field(
        default_factory=dict, description="Each reading tried and its score (confident characters)."
    )
    rotation: int = Field(0, description="Degrees the page was turned (clockwise) to read it upright.")
    treatment: str = Field("as-scanned", description="The image treatment of the reading kept.")
    repairs: list[Repair] = Field(default_factory=list)
    needs_review: bool = False
    reasons: list[str] = Field(default_factory=list, description="Why the page needs review.")


class EngineInfo(BaseModel):
    name: str
    version: str
    languages: str
    layout: str = Field(description="How the page was segmented, e.g. 'single-block' or 'columns:2'.")


class PageResult(BaseModel):
    """One page as read: its text, its tree, and how it was obtained."""

    number: int = Field(ge=1)
    width: int
    height: int
    dpi: int
    source: PageSource
    text: str
    blocks: list[Block] = Field(default_factory=list)
    mean_confidence: float = Field(0.0, ge=0.0, le=1.0)
    engine: EngineInfo | None = None
    preprocessing: Preprocessing | None = None
    quality: PageQuality | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        return [w for b in self.blocks for line in b.lines for w in line.words]


class DocumentResult(BaseModel):
    pages: list[PageResult]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)
