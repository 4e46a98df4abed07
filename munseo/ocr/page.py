"""One page image in, one checked reading out: the OCR stage's single per-page step.

``read_page`` owns the page image, so the image it returns is the one the word boxes refer to:

1. A page whose text lines run up and down, or that orientation detection finds upside down, is
   turned upright first (the engine's orientation detection says which way), then cleaned up
   (``preprocess``): deskew, and denoise where the page measures noisy.
2. Reading (``OcrEngine.recognize``), which itself never reads less than a whole-page reading.
3. A poor reading (page confidence below ``retry_below``) is checked for orientation (an upside-down
   page reads poorly) and read turned, then read again with the other treatment (denoised and
   binarised if it was not binarised, as scanned if it was). Each time the reading with the most
   confident characters is kept (``munseo.ocr.quality.score``).
4. Repair (``munseo.ocr.repair``) of the characters the Korean models cannot write.
5. A page whose confidence stays below ``review_below`` is flagged for review, with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from munseo.elements import PageQuality, PageResult, Preprocessing
from munseo.ocr import quality
from munseo.ocr.circled import DigitReader, circled_reader
from munseo.ocr.engine import OcrEngine
from munseo.ocr.preprocess import PreprocessOptions, lies_on_side, preprocess, to_gray
from munseo.ocr.repair import repair_blocks

# Orientation is checked on a copy at this resolution: as sure as at 300 DPI, in half the time.
OSD_DPI = 150
# Below this many pixels on its short side (at OSD_DPI) an image is not checked for orientation.
MIN_OSD_SIDE = 64


@dataclass(frozen=True)
class ReadOptions:
    preprocess: PreprocessOptions = field(default_factory=PreprocessOptions)
    repair: bool = True
    retry_below: float = 0.75
    review_below: float = 0.7


@dataclass
class PageReading:
    """A page as read, and the page image (after clean-up and turning) its boxes refer to."""

    result: PageResult
    image: np.ndarray


def _read(engine: OcrEngine, gray: np.ndarray, dpi: int, number: int, record: Preprocessing) -> PageReading:
    result = engine.recognize(gray, dpi, number=number)
    result.preprocessing = record
    return PageReading(result, gray)


def _turn(gray: np.ndarray, clockwise: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(gray, k=-(clockwise // 90))) if clockwise else gray


def _upside_down(engine: OcrEngine, gray: np.ndarray, dpi: int) -> bool:
    """Whether orientation detection, on a copy shrunk to ``OSD_DPI``, finds the page upside down.

    Asked of every page that does not lie on its side: an upside-down page read as it lies takes
    four to six times as long as an upright one (the recogniser searches hard through what it
    cannot read), and the check costs about a tenth of an upright page's reading.
    """
    scale = min(1.0, OSD_DPI / dpi)
    if min(gray.shape[:2]) * scale < MIN_OSD_SIDE:  # a sliver or a stamp: nothing to turn by
        return False
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    return engine.detect_orientation(small, round(dpi * scale)) == 180


def _poor(reading: PageReading, options: ReadOptions) -> bool:
    """Below the retry confidence, unless the page simply has no text (a blank page reads as nothing)."""
    result = reading.result
    blank = not result.words and result.quality is not None and result.quality.coverage == 1.0
    return result.mean_confidence < options.retry_below and not blank


def _treatment(record: Preprocessing) -> str:
    if record.binarized:
        return "denoised+binarised" if record.denoised else "binarised"
    return "denoised" if record.denoised else "as-scanned"


def _better(a: PageReading, b: PageReading) -> PageReading:
    return b if quality.score(b.result.words) > quality.score(a.result.words) else a


def read_page(
    engine: OcrEngine, image: Image.Image | np.ndarray, dpi: int, number: int = 1, options: ReadOptions | None = None
) -> PageReading:
    options = options or ReadOptions()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    original = to_gray(image) if isinstance(image, Image.Image) else image
    if lies_on_side(original):
        rotation = engine.detect_orientation(original, dpi)
    else:
        rotation = 180 if _upside_down(engine, original, dpi) else 0
    original = _turn(original, rotation)
    gray, record = preprocess(original, options.preprocess)
    timings["preprocess"] = (time.perf_counter() - start) * 1000
    best = _read(engine, gray, dpi, number, record)
    treatment = _treatment(record)
    if _poor(best, options):
        degrees = engine.detect_orientation(best.image, dpi)
        if degrees:
            again = _read(engine, _turn(best.image, degrees), dpi, number, record)
            if _better(best, again) is again:
                best, rotation = again, (rotation + degrees) % 360
                original = _turn(original, degrees)
    if _poor(best, options):
        treated = not record.binarized
        other = PreprocessOptions(deskew=options.preprocess.deskew, denoise=treated, binarize=treated)
        other_gray, other_record = preprocess(original, other)
        again = _read(engine, other_gray, dpi, number, other_record)
        if _better(best, again) is again:
            best, treatment = again, _treatment(other_record)
    result = best.result
    page_quality = result.quality or PageQuality(reading="whole-page", coverage=1.0)
    page_quality.treatment, page_quality.rotation = treatment, rotation
    if options.repair:
        circled = circled_reader(best.image, engine) if isinstance(engine, DigitReader) else None
        result.blocks, page_quality.repairs = repair_blocks(result.blocks, circled)
        result.text = "\n".join(b.text for b in result.blocks)
    if result.mean_confidence < options.review_below and result.words:
        page_quality.needs_review = True
        page_quality.reasons.append(
            f"page confidence {result.mean_confidence:.2f} is below {options.review_below:.2f}"
            f" (coverage of the page's text {page_quality.coverage:.0%})"
        )
    result.quality = page_quality
    timings["ocr"] = (time.perf_counter() - start) * 1000 - timings["preprocess"]
    result.timings_ms = timings
    return best
