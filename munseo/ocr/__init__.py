"""The OCR stage: preprocessing, page segmentation, and engines behind one protocol."""

from munseo.ocr.engine import OcrEngine, OcrError
from munseo.ocr.page import PageReading, ReadOptions, read_page
from munseo.ocr.preprocess import PreprocessOptions, preprocess
from munseo.ocr.tesseract import DEFAULT_LANGUAGES, Layout, TesseractEngine

__all__ = [
    "DEFAULT_LANGUAGES",
    "Layout",
    "OcrEngine",
    "OcrError",
    "PageReading",
    "PreprocessOptions",
    "ReadOptions",
    "TesseractEngine",
    "preprocess",
    "read_page",
]
