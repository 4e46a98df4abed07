"""Tesseract 5 (LSTM) through tesserocr: one initialised engine per process, no spawn per page.

Tesseract must run single-threaded, one process per core: OpenMP threads of processes side by side
fight over the cores and run many times slower (``../shared/ocr-notes.md``). ``OMP_THREAD_LIMIT``
is set before tesserocr is imported, which is what Tesseract reads.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import time
from enum import StrEnum
from pathlib import Path

import numpy as np
import tesserocr
from PIL import Image

from munseo.elements import (
    BBox,
    Block,
    EngineInfo,
    Line,
    PageResult,
    PageSource,
    Word,
    union_bbox,
)
from munseo.ocr.engine import OcrError
from munseo.ocr.layout import Region, find_regions

_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


class Layout(StrEnum):
    AUTO = "auto"  # munseo's own segmentation, each region read as a uniform block (PSM 6)
    SINGLE_BLOCK = "single-block"  # the whole page as one uniform block (PSM 6)
    TESSERACT = "tesseract"  # Tesseract's automatic page segmentation (PSM 3)


def find_tessdata(languages: str, tessdata_dir: Path | None = None) -> Path:
    """The folder holding every ``*.traineddata`` that ``languages`` ("kor+eng") names."""
    wanted = languages.split("+")
    candidates = [str(tessdata_dir)] if tessdata_dir else []
    if os.environ.get("TESSDATA_PREFIX"):
        candidates.append(os.environ["TESSDATA_PREFIX"])
    candidates.extend(_TESSDATA_CANDIDATES)
    for folder in candidates:
        if all((Path(folder) / f"{lang}.traineddata").is_file() for lang in wanted):
            return Path(folder)
    raise OcrError(
        f"Tesseract language data for {languages!r} not found in {', '.join(candidates)}; "
        "install the Debian packages tesseract-ocr-kor and tesseract-ocr-eng or set MUNSEO_TESSDATA_DIR"
    )


class TesseractEngine:
    """Tesseract kor+eng, LSTM only. Not thread-safe: one instance per process."""

    name = "tesseract"

    def __init__(
        self,
        languages: str = "kor+eng",
        tessdata_dir: Path | None = None,
        layout: Layout = Layout.AUTO,
    ) -> None:
        self.languages = languages
        self.layout = Layout(layout)
        psm = tesserocr.PSM.AUTO if self.layout is Layout.TESSERACT else tesserocr.PSM.SINGLE_BLOCK
        path = find_tessdata(languages, tessdata_dir)
        try:
            self._api = tesserocr.PyTessBaseAPI(
                path=str(path) + os.sep, lang=languages, psm=psm, oem=tesserocr.OEM.LSTM_ONLY
            )
        except RuntimeError as exc:
            raise OcrError(f"Tesseract failed to start with {languages!r} from {path}: {exc}") from exc
        self.version = tesserocr.PyTessBaseAPI.Version()

    def close(self) -> None:
        self._api.End()

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        start = time.perf_counter()
        gray = np.asarray(image.convert("L")) if isinstance(image, Image.Image) else image
        height, width = gray.shape[:2]
        whole = [Region((0, 0, width, height), 0, 1)]
        # A page where segmentation finds nothing is still read whole: a blank page costs little.
        regions = (find_regions(gray) or whole) if self.layout is Layout.AUTO else whole
        blocks: list[Block] = []
        for region in regions:
            blocks.extend(self._read_region(gray, region.bbox, dpi))
        columns = max((r.columns for r in regions), default=1)
        layout = (
            self.layout.value
            if self.layout is not Layout.AUTO
            else ("single-block" if columns == 1 else f"columns:{columns}")
        )
        words = [w for b in blocks for line in b.lines for w in line.words]
        return PageResult(
            number=number,
            width=width,
            height=height,
            dpi=dpi,
            source=PageSource.OCR,
            text="\n".join(b.text for b in blocks),
            blocks=blocks,
            mean_confidence=sum(w.confidence for w in words) / len(words) if words else 0.0,
            engine=EngineInfo(name=self.name, version=self.version, languages=self.languages, layout=layout),
            timings_ms={"ocr": (time.perf_counter() - start) * 1000},
        )

    def _read_region(self, gray: np.ndarray, box: BBox, dpi: int) -> list[Block]:
        x0, y0, x1, y1 = box
        self._api.SetImage(Image.fromarray(np.ascontiguousarray(gray[y0:y1, x0:x1])))
        self._api.SetSourceResolution(dpi)
        if not self._api.Recognize():
            return []
        return _collect_blocks(self._api.GetIterator(), x0, y0)


def _collect_blocks(iterator: tesserocr.PyResultIterator, dx: int, dy: int) -> list[Block]:
    """Walk Tesseract's words into blocks → lines → words, offset by the region's origin.

    Tesseract's Korean model reports each syllable as a word and marks the real spaces with
    ``BlanksBeforeWord``; syllables with no blank before them are joined back into one word.
    """
    level = tesserocr.RIL.WORD
    blocks: list[list[list[tuple[str, BBox, float]]]] = []
    for word in tesserocr.iterate_level(iterator, level):
        try:
            text = word.GetUTF8Text(level).strip()
        except RuntimeError:  # an element with no text (a picture or line region in PSM 3)
            continue
        box = word.BoundingBox(level)
        if not text or box is None:
            continue
        bbox: BBox = (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
        confidence = min(1.0, max(0.0, word.Confidence(level) / 100))
        if not blocks or word.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            blocks.append([])
        if not blocks[-1] or word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            blocks[-1].append([])
        line = blocks[-1][-1]
        if line and word.BlanksBeforeWord() == 0:
            prev_text, prev_box, prev_conf = line[-1]
            weight = len(prev_text) / (len(prev_text) + len(text))
            line[-1] = (
                prev_text + text,
                union_bbox([prev_box, bbox]),
                prev_conf * weight + confidence * (1 - weight),
            )
        else:
            line.append((text, bbox, confidence))
    result = []
    for block in blocks:
        lines = [
            Line(
                bbox=union_bbox([w[1] for w in words]),
                words=[Word(text=t, bbox=b, confidence=c) for t, b, c in words],
            )
            for words in block
            if words
        ]
        if lines:
            result.append(Block(bbox=union_bbox([ln.bbox for ln in lines]), lines=lines))
    return result
