"""Non-text marks: the red official seal (직인) and handwritten-looking pen marks."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from munseo.synth.fonts import MYEONGJO_BOLD, font_dir

SEAL_RED = (206, 32, 40)
_INKS = ((28, 48, 150), (25, 25, 30), (190, 30, 35))  # blue, black and red pens (RGB)


@lru_cache(maxsize=16)
def seal_image(text: str, pixels: int, seed: int) -> Image.Image:
    """A square red seal of ``pixels`` side with ``text`` set in a grid, read in columns from the right.

    The ink is uneven (a smooth random field thins it in places) and the seal is slightly rotated,
    as a hand-pressed stamp is. Returns an RGBA image; transparent outside the ink.
    """
    rng = np.random.default_rng(seed)
    scale = 2
    size = pixels * scale
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    border = max(3, size // 22)
    margin = size // 14  # room for the rotation
    draw.rectangle((margin, margin, size - margin - 1, size - margin - 1), outline=255, width=border)
    chars = [ch for ch in text if not ch.isspace()]
    columns = math.ceil(len(chars) / math.ceil(math.sqrt(len(chars))))
    counts = [len(chars) // columns + (1 if i < len(chars) % columns else 0) for i in range(columns)]
    inner = size - 2 * margin - 3 * border
    cell_w = inner / columns
    font = ImageFont.truetype(str(font_dir() / f"{MYEONGJO_BOLD}.ttf"), round(inner / max(counts) * 1.2))
    index = 0
    for column, count in enumerate(counts):
        cell_h = inner / count
        left = size - margin - 1.5 * border - (column + 1) * cell_w
        for row in range(count):
            top = margin + 1.5 * border + row * cell_h
            glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
            ImageDraw.Draw(glyph).text((font.size, font.size), chars[index], font=font, fill=255, anchor="mm")
            glyph = glyph.crop(glyph.getbbox() or (0, 0, 1, 1))
            glyph = glyph.resize((round(cell_w * 0.88), round(cell_h * 0.88)), Image.Resampling.BICUBIC)
            glyph = glyph.point(lambda v: 255 if v > 70 else v * 3)
            mask.paste(255, (round(left + cell_w * 0.06), round(top + cell_h * 0.06)), glyph)
            index += 1
    mask = mask.filter(ImageFilter.MaxFilter(3))
    field = cv2.resize(rng.random((6, 6), dtype=np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    grain = rng.random((size, size), dtype=np.float32)
    ink = np.asarray(mask, dtype=np.float32) / 255.0
    ink *= np.clip(0.55 + 0.6 * field, 0.0, 1.0) * np.where(grain < 0.06, 0.35, 1.0)
    alpha = Image.fromarray(np.clip(ink * 235, 0, 255).astype(np.uint8))
    alpha = alpha.rotate(float(rng.uniform(-7, 7)), resample=Image.Resampling.BICUBIC)
    alpha = alpha.resize((pixels, pixels), Image.Resampling.LANCZOS)
    seal = Image.new("RGBA", (pixels, pixels), (*SEAL_RED, 0))
    seal.putalpha(alpha)
    return seal


def _bezier(points: np.ndarray, steps: int = 40) -> np.ndarray:
    t = np.linspace(0.0, 1.0, steps)[:, None]
    p0, p1, p2, p3 = points
    return ((1 - t) ** 3) * p0 + 3 * ((1 - t) ** 2) * t * p1 + 3 * (1 - t) * t * t * p2 + (t**3) * p3


def _stroke(image: np.ndarray, path: np.ndarray, ink: tuple[int, int, int], thickness: int) -> None:
    color: tuple[int, ...] = ink if image.ndim == 3 else (int(0.3 * ink[0] + 0.59 * ink[1] + 0.11 * ink[2]),)
    pts = np.round(path * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(image, [pts], False, color, thickness, lineType=cv2.LINE_AA, shift=4)


def pen_marks(
    image: np.ndarray, boxes: list[tuple[int, int, int, int]], count: int, rng: np.random.Generator, dpi: int
) -> None:
    """Draw ``count`` handwritten-looking marks in place: ticks, circles and underlines near lines.

    ``boxes`` are the line boxes of the page in pixels; marks are placed next to, around or under
    them, never as letters, so the ground-truth text is unchanged.
    """
    if not boxes:
        return
    unit = dpi / 72
    ink = _INKS[int(rng.integers(len(_INKS)))]
    thickness = max(1, round(unit * rng.uniform(0.7, 1.4)))
    for _ in range(count):
        x0, y0, x1, y1 = boxes[int(rng.integers(len(boxes)))]
        h = y1 - y0
        kind = rng.integers(3)
        if kind == 0:  # tick in the left margin
            x, y = x0 - 1.6 * h, (y0 + y1) / 2
            pts = np.array(
                [
                    [x - 0.4 * h, y - 0.1 * h],
                    [x - 0.1 * h, y + 0.35 * h],
                    [x + 0.2 * h, y - 0.2 * h],
                    [x + 0.6 * h, y - 0.9 * h],
                ]
            )
            pts += rng.normal(0, 0.06 * h, pts.shape)
            _stroke(image, _bezier(pts), ink, thickness)
        elif kind == 1:  # loose loop around part of the line
            width = min(x1 - x0, h * rng.uniform(3, 8))
            start = x0 + rng.uniform(0, max(1.0, x1 - x0 - width))
            cx, cy = start + width / 2, (y0 + y1) / 2
            angles = np.linspace(0, 2 * np.pi * 1.08, 60) + rng.uniform(0, np.pi)
            rx = width / 2 + 0.3 * h + rng.normal(0, 0.08 * h, angles.shape).cumsum() * 0.15
            ry = 0.85 * h + rng.normal(0, 0.05 * h, angles.shape).cumsum() * 0.15
            path = np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)
            _stroke(image, path, ink, thickness)
        else:  # wavy underline
            y = y1 + 0.15 * h
            xs = np.linspace(x0, x0 + (x1 - x0) * rng.uniform(0.3, 1.0), 50)
            ys = y + np.sin(np.linspace(0, rng.uniform(3, 9), 50)) * 0.08 * h + rng.normal(0, 0.03 * h, 50)
            _stroke(image, np.stack([xs, ys], axis=1), ink, thickness)
