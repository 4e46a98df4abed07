"""The OCR stage: preprocessing, page segmentation, and engines behind one protocol."""

from munseo.ocr.engine import ENGINES, OcrEngine, OcrError, engine_factory, make_engine
from munseo.ocr.page import PageReading, ReadOptions, read_page
from munseo.ocr.preprocess import PreprocessOptions, preprocess
from munseo.ocr.tesseract import DEFAULT_LANGUAGES, Layout, TesseractEngine

__all__ = [
    "DEFAULT_LANGUAGES",
    "ENGINES",
    "Layout",
    "OcrEngine",
    "OcrError",
    "PageReading",
    "PreprocessOptions",
    "ReadOptions",
    "TesseractEngine",
    "engine_factory",
    "make_engine",
    "preprocess",
    "read_page",
]
