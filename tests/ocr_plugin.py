"""OCR engines added by name (``MUNSEO_OCR_ENGINE=tests.ocr_plugin:make``): Tesseract reading
every page as one block with the English model, under a name of its own; and one that cannot read
a line on its own."""

from __future__ import annotations

import numpy as np
from PIL import Image

from munseo.config import Settings
from munseo.elements import Line
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
