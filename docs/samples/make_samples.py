"""Render the sample pages shown in the README (run from the repository root).

    .venv/bin/python docs/samples/make_samples.py

Writes bill.png (의안원문, first page), minutes.png (회의록, a page of speaker turns) and
letter-scanned.png (공문 as scanned: seal, skew, noise, a pen mark), each 1000 px wide.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image

from munseo.synth.content import BUILDERS, Context
from munseo.synth.degrade import ScanEffects, pixel_box, rasterize, scan
from munseo.synth.difficulty import difficulty
from munseo.synth.graphics import pen_marks
from munseo.synth.layout import Page, layout
from munseo.synth.render_pdf import pdf_bytes

HERE = Path(__file__).parent
WIDTH = 1000


def _pages(doc_type: str, institution: str, seed: int) -> list[Page]:
    document = BUILDERS[doc_type](Context(random.Random(seed), institution, difficulty("realistic")))
    return layout(document.blocks, document.template)


def _save(image: np.ndarray, name: str, colors: int = 0) -> None:
    picture = Image.fromarray(image)
    picture = picture.resize((WIDTH, round(picture.height * WIDTH / picture.width)), Image.Resampling.LANCZOS)
    if colors:  # a palette keeps the noisy scan small
        picture = picture.quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    picture.save(HERE / name, optimize=True)
    print(HERE / name)


def main() -> None:
    bill = _pages("의안원문", "보건복지위원회", 21)
    _save(rasterize(pdf_bytes(bill[:1]), 200, color=False)[0], "bill.png")

    minutes = _pages("회의록", "교육위원회", 34)
    _save(rasterize(pdf_bytes(minutes[1:2]), 200, color=False)[0], "minutes.png")

    letter = _pages("공문", "국토교통위원회", 12)[:1]
    dpi = 200
    page = rasterize(pdf_bytes(letter), dpi, color=True)[0]
    height, width = page.shape[:2]
    rng = np.random.default_rng(4)
    boxes = [pixel_box(line.bbox, dpi, width, height) for line in letter[0].lines]
    pen_marks(page, boxes[4:12], 1, rng, dpi)
    effects = ScanEffects(
        skew=-1.3,
        paper=238,
        ink=28,
        lighting=0.14,
        blur=0.6,
        noise=2.0,
        salt_pepper=0.0004,
        jpeg_quality=70,
        marks=1,
        edge_shadow=True,
    )
    scanned, _ = scan(page, effects, rng)
    _save(scanned, "letter-scanned.png", colors=32)


if __name__ == "__main__":
    main()
