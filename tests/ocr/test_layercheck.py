"""The text-layer check: one line the layer claims, read by OCR, agrees with a faithful layer and
not with a mis-mapped one; an OCR reading too unsure to judge by keeps the layer."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from munseo.evaluate.testpages import FONT_DIR, SENTENCES
from munseo.ingest import LayerSample
from munseo.ocr import TesseractEngine
from munseo.ocr.layercheck import MIN_AGREEMENT, LayerCheck, check_layer
from tests.documents import misread


def _line(text: str, dpi: int = 300) -> Image.Image:
    font = ImageFont.truetype(str(FONT_DIR / "NanumGothic.ttf"), round(12 * dpi / 72))
    image = Image.new("L", (round(len(text) * 12 * dpi / 72), round(24 * dpi / 72)), 255)
    ImageDraw.Draw(image).text((20, image.height // 2), text, font=font, fill=0, anchor="lm")
    return image


def test_a_faithful_layer_agrees_and_a_mismapped_one_does_not(engine: TesseractEngine) -> None:
    shown = SENTENCES[1]
    faithful = check_layer(engine, LayerSample(_line(shown), 300, shown))
    assert faithful.agreement > 0.9 and not faithful.distrusted and faithful.ms > 0
    mismapped = check_layer(engine, LayerSample(_line(shown), 300, misread(shown)))
    assert mismapped.agreement < MIN_AGREEMENT and mismapped.distrusted
    assert "read by OCR instead" in mismapped.reason()
    # a font that exports Hangul as Latin junk: the Latin model is unsure, the Korean one reads it
    junk = check_layer(engine, LayerSample(_line(shown), 300, "Qmxtvt pzwp qvtlzz pu tlrp qtvmp zvt"))
    assert junk.distrusted, junk


def test_an_unsure_reading_proves_nothing() -> None:
    assert not LayerCheck(agreement=0.1, confidence=0.3, ms=1.0).distrusted
    assert LayerCheck(agreement=0.1, confidence=0.9, ms=1.0).distrusted
