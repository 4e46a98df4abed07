"""An OCR engine added by name (``MUNSEO_OCR_ENGINE=tests.ocr_plugin:make``): Tesseract reading
every page as one block with the English model, under a name of its own."""

from __future__ import annotations

from munseo.config import Settings
from munseo.ocr import Layout, TesseractEngine


class WholePageEnglish(TesseractEngine):
    name = "whole-page-english"


def make(settings: Settings) -> WholePageEnglish:
    return WholePageEnglish(languages="eng", tessdata_dir=settings.tessdata_dir, layout=Layout.SINGLE_BLOCK)
