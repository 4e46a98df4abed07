"""Scan files: every format holds its pages at their size, resolution and colour (PNG losslessly,
the JPEG-based ones closely), and the bytes depend only on the pixels and settings."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from munseo.synth.degrade import rasterize
from munseo.synth.output import encode_scan


def _pages() -> tuple[np.ndarray, np.ndarray]:
    """A grey page with a dark bar, and a colour page with a red seal-like square."""
    grey = np.full((330, 250), 240, dtype=np.uint8)
    grey[50:80, 30:200] = 20
    colour = np.full((300, 260, 3), 245, dtype=np.uint8)
    colour[100:150, 50:150] = (206, 32, 40)
    return grey, colour


def _dpi(image: Image.Image) -> tuple[int, int]:
    x, y = image.info["dpi"]
    return round(x), round(y)


def test_each_format_holds_its_pages_at_their_size_resolution_and_colour() -> None:
    grey, colour = _pages()
    with Image.open(io.BytesIO(encode_scan([colour], 150, "png", 50))) as png:
        assert np.array_equal(np.asarray(png), colour) and _dpi(png) == (150, 150)
    with Image.open(io.BytesIO(encode_scan([grey], 200, "jpeg", 90))) as jpeg:
        assert jpeg.mode == "L" and _dpi(jpeg) == (200, 200)
        assert np.abs(np.asarray(jpeg, dtype=int) - grey).mean() < 2
    flipped = np.ascontiguousarray(grey[::-1])
    with Image.open(io.BytesIO(encode_scan([grey, flipped], 300, "tiff", 80))) as tiff:
        assert tiff.n_frames == 2 and _dpi(tiff) == (300, 300)
        for frame, page in enumerate((grey, flipped)):
            tiff.seek(frame)
            assert np.abs(np.asarray(tiff, dtype=int) - page).mean() < 2

    pdf = encode_scan([grey, colour], 200, "pdf", 85)
    assert all(not page.get_textpage().get_text_range().strip() for page in pdfium.PdfDocument(pdf))  # image only
    shown_grey, shown_colour = rasterize(pdf, 200, color=True)
    assert shown_grey.shape == (*grey.shape, 3) and shown_colour.shape == colour.shape
    assert np.abs(shown_grey.astype(int) - grey[..., None]).mean() < 2
    assert np.abs(shown_colour.astype(int) - colour).mean() < 2
    assert np.abs(shown_colour[110:140, 60:140].astype(int) - (206, 32, 40)).max() < 12


def test_the_bytes_depend_only_on_the_pixels_and_settings() -> None:
    grey, colour = _pages()
    for fmt, pages in (("pdf", [grey, colour]), ("tiff", [grey, grey]), ("png", [colour]), ("jpeg", [grey])):
        first = encode_scan(pages, 200, fmt, 80)
        assert encode_scan([p.copy() for p in pages], 200, fmt, 80) == first, fmt
        changed = [p.copy() for p in pages]
        changed[0][5, 5] = 0
        assert encode_scan(changed, 200, fmt, 80) != first, fmt
    with pytest.raises(ValueError, match="unknown scan format 'bmp'"):
        encode_scan([grey], 200, "bmp", 80)
    with pytest.raises(ValueError):  # a PNG holds one page
        encode_scan([grey, grey], 200, "png", 80)
