"""OCR engines added by name (``MUNSEO_OCR_ENGINE=tests.ocr_plugin:make``): Tesseract reading
every page as one block with the English model, under a name of its own; one that cannot read a
line on its own; one written to the protocol as it was before ``read_line``; one whose worker
process dies on any page it has to read; and one that takes a second longer over every page."""

from __future__ import annotations

import os
import time

import numpy as np
from PIL import Image

from munseo.config import Settings
from munseo.elements import Line, PageResult
from munseo.ocr import Layout, OcrError, TesseractEngine


class WholePageEnglish(TesseractEngine):
    name = "whole-page-english"


def make(settings: Settings) -> WholePageEnglish:
    return WholePageEnglish(languages="eng", tessdata_dir=settings.tessdata_dir, layout=Layout.SINGLE_BLOCK)


class LineBlind(TesseractEngine):
    """Tesseract that cannot read a line on its own: an engine the text-layer check cannot use
    (``MUNSEO_OCR_ENGINE=tests.ocr_plugin:line_blind``)."""

    name = "line-blind"

    def read_line(self, image: Image.Image | np.ndarray, dpi: int, latin: bool = False) -> Line | None:
        raise OcrError("line-blind reads whole pages only")


def line_blind(settings: Settings) -> LineBlind:
    return LineBlind(tessdata_dir=settings.tessdata_dir)


class PagesOnly:
    """An engine with ``recognize`` and ``detect_orientation`` only, as plugins written before
    ``OcrEngine.read_line`` are (``MUNSEO_OCR_ENGINE=tests.ocr_plugin:pages_only``)."""

    name = "pages-only"

    def __init__(self, settings: Settings) -> None:
        self._tesseract = TesseractEngine(tessdata_dir=settings.tessdata_dir)

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        return self._tesseract.recognize(image, dpi, number)

    def detect_orientation(self, gray: np.ndarray, dpi: int) -> int:
        return self._tesseract.detect_orientation(gray, dpi)


def pages_only(settings: Settings) -> PagesOnly:
    return PagesOnly(settings)


class Crashing(PagesOnly):
    """An engine whose process dies on any page it has to read (text layers are taken unread):
    ``MUNSEO_OCR_ENGINE=tests.ocr_plugin:crashing``."""

    name = "crashing"

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        os._exit(70)

    def detect_orientation(self, gray: np.ndarray, dpi: int) -> int:
        os._exit(70)


def crashing(settings: Settings) -> Crashing:
    return Crashing(settings)


class Slow(PagesOnly):
    """Tesseract that waits ``SLOW_SECONDS`` before reading each page, whatever the machine's speed:
    ``MUNSEO_OCR_ENGINE=tests.ocr_plugin:slow``."""

    name = "slow"
    SLOW_SECONDS = 1.0

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        time.sleep(self.SLOW_SECONDS)
        return super().recognize(image, dpi, number)


def slow(settings: Settings) -> Slow:
    return Slow(settings)
