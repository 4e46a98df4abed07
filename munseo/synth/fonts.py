"""The Nanum fonts used for every rendered page, and their metrics."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

GOTHIC = "NanumGothic"
GOTHIC_BOLD = "NanumGothicBold"
MYEONGJO = "NanumMyeongjo"
MYEONGJO_BOLD = "NanumMyeongjoBold"
FONTS = (GOTHIC, GOTHIC_BOLD, MYEONGJO, MYEONGJO_BOLD)

# Vertical extent of a text line relative to the font size: every glyph the generator draws lies
# within [baseline - ASCENT * size, baseline + DESCENT * size] (checked by the tests).
ASCENT = 0.86
DESCENT = 0.24


def font_dir() -> Path:
    """Where the Nanum TrueType files are (Debian's fonts-nanum, or ``MUNSEO_FONT_DIR``)."""
    return Path(os.environ.get("MUNSEO_FONT_DIR", "/usr/share/fonts/truetype/nanum"))


@cache
def register_fonts() -> None:
    """Register the four Nanum faces with reportlab (once per process)."""
    for name in FONTS:
        path = font_dir() / f"{name}.ttf"
        if not path.is_file():
            raise FileNotFoundError(f"font {path} not found: install fonts-nanum or set MUNSEO_FONT_DIR")
        pdfmetrics.registerFont(TTFont(name, str(path)))


@cache
def _face(font: str) -> TTFont:
    register_fonts()
    return pdfmetrics.getFont(font)


@cache
def char_width(font: str, char: str) -> float:
    """Advance width of ``char`` at size 1 in points."""
    return _face(font).stringWidth(char, 1.0)


def missing_glyphs(text: str, font: str) -> set[str]:
    """Characters of ``text`` (other than whitespace) that ``font`` has no glyph for."""
    cmap = _face(font).face.charToGlyph
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
