"""Scan effects: line boxes follow the page when it is skewed."""

from __future__ import annotations

import numpy as np

from munseo.synth.degrade import ScanEffects, pixel_box, rasterize, scan, transform_box
from munseo.synth.render_pdf import pdf_bytes
from tests.synth.common import pages_of


def test_boxes_follow_the_skew() -> None:
    pages = pages_of("공문", "교육위원회", 5)
    dpi = 150
    image = rasterize(pdf_bytes(pages[:1], text_only=True), dpi, color=False)[0]
    height, width = image.shape
    effects = ScanEffects(3.0, 255, 0, 0.0, 0.0, 0.0, 0.0, 95, 0, False)
    skewed, matrix = scan(image, effects, np.random.default_rng(0))
    covered = np.zeros((height, width), dtype=bool)
    for line in pages[0].lines:
        x0, y0, x1, y1 = transform_box(pixel_box(line.bbox, dpi, width, height), matrix, width, height)
        covered[y0:y1, x0:x1] = True
    dark = skewed < 128
    assert dark.sum() > 1000 and int((dark & ~covered).sum()) <= 2
