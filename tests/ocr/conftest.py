"""What the OCR tests share: the Tesseract engine, and real Korean legal text to render."""

from __future__ import annotations

import pytest

from munseo.evaluate.realpages import RealText, load_real_text
from munseo.ocr import TesseractEngine
from tests.corpus import CORPORA


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


@pytest.fixture(scope="module")
def text() -> RealText:
    if not (CORPORA / "kr-laws.jsonl.xz").is_file():
        pytest.fail(f"{CORPORA}: the real-text corpora are missing (../shared/corpora from the project root)")
    return load_real_text(CORPORA, "train", seed=3, documents=40)


@pytest.fixture(scope="module")
def bench_text() -> RealText:
    """The text ``benchmarks/bench_ocr_real.py`` draws its pages from (dev split, its default seed):
    for tests that pin a page of the benchmark that once went wrong."""
    return load_real_text(CORPORA, "dev", seed=11, documents=400)
