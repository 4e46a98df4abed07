"""The OCR stage: preprocessing, page segmentation, and engines behind one protocol."""

from munseo.ocr.engine import OcrEngine, OcrError
from munseo.ocr.preprocess import PreprocessOptions, preprocess
from munseo.ocr.tesseract import Layout, TesseractEngine

__all__ = ["Layout", "OcrEngine", "OcrError", "PreprocessOptions", "TesseractEngine", "preprocess"]
