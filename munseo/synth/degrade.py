"""Scan simulation: rasterise laid-out pages and make them look scanned.

Pages are rasterised from their born-digital PDF with pdfium, so the pixels of a scanned page
come from exactly the same layout, fonts and glyph positions as the born-digital version; its line
boxes are the layout boxes scaled to the DPI and moved through the same skew as the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium

Box = tuple[int, int, int, int]


def rasterize(pdf: bytes, dpi: int, *, color: bool) -> list[np.ndarray]:
    """Every page of ``pdf`` at ``dpi``: (H, W) uint8 grey or (H, W, 3) uint8 RGB."""
    document = pdfium.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=not color, rev_byteorder=True)
            array = bitmap.to_numpy()
            images.append(np.ascontiguousarray(array[..., :3] if array.ndim == 3 else array))
            page.close()
        return images
    finally:
        document.close()


def pixel_size(width_pt: float, height_pt: float, dpi: int) -> tuple[int, int]:
    """The bitmap size pdfium renders a page of the given size at ``dpi``."""
    return math.ceil(width_pt * dpi / 72), math.ceil(height_pt * dpi / 72)


def pixel_box(bbox: tuple[float, float, float, float], dpi: int, width: int, height: int) -> Box:
    """A layout box in points as pixels at ``dpi``, rounded outwards and clipped to the page."""
    scale = dpi / 72
    x0, y0, x1, y1 = bbox
    return (
        max(0, math.floor(x0 * scale)),
        max(0, math.floor(y0 * scale)),
        min(width, math.ceil(x1 * scale)),
        min(height, math.ceil(y1 * scale)),
    )


@dataclass(frozen=True)
class ScanEffects:
    """How one page is degraded. ``skew`` in degrees; lengths in pixels at the page's DPI."""

    skew: float
    paper: int
    ink: int
    lighting: float
    blur: float
    noise: float
    salt_pepper: float
    jpeg_quality: int
    marks: int
    edge_shadow: bool


def sample_effects(rng: np.random.Generator, strength: float, dpi: int) -> ScanEffects:
    """Random scan effects; ``strength`` 0..1 scales every effect (skew up to ±3° at full strength)."""
    scale = dpi / 300
    max_skew = 0.6 + 2.4 * strength
    return ScanEffects(
        skew=float(np.clip(rng.normal(0, max_skew / 2), -max_skew, max_skew)),
        paper=int(rng.integers(228, 252) if rng.random() < 0.8 else rng.integers(205, 230)),
        ink=int(rng.integers(15, 40 + round(50 * strength))),
        lighting=float(rng.uniform(0.02, 0.06 + 0.18 * strength)),
        blur=float(rng.uniform(0.2, 0.5 + 1.0 * strength) * scale),
        noise=float(rng.uniform(1.5, 3.0 + 6.0 * strength)),
        salt_pepper=float(rng.uniform(0.0, 0.0004 + 0.003 * strength)),
        jpeg_quality=int(rng.integers(max(35, 85 - round(45 * strength)), 92)),
        marks=int(rng.poisson(0.25 + 1.2 * strength)) if rng.random() < 0.35 + 0.3 * strength else 0,
        edge_shadow=bool(rng.random() < 0.1 + 0.3 * strength),
    )


def skew_matrix(width: int, height: int, degrees: float) -> np.ndarray:
    """The 2x3 affine matrix rotating a page about its centre (positive = counter-clockwise)."""
    return cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)


def transform_box(box: Box, matrix: np.ndarray, width: int, height: int) -> Box:
    """Axis-aligned bounds of ``box`` moved through ``matrix``, clipped to the page."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    moved = corners @ matrix.T
    return (
        max(0, math.floor(moved[:, 0].min())),
        max(0, math.floor(moved[:, 1].min())),
        min(width, math.ceil(moved[:, 0].max())),
        min(height, math.ceil(moved[:, 1].max())),
    )


def scan(image: np.ndarray, effects: ScanEffects, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Degrade a clean page image; returns the scan and the affine matrix applied to its geometry.

    In order: paper and ink tone, skew, uneven lighting (with an edge shadow), blur, sensor noise,
    salt-and-pepper specks. JPEG artefacts come from the encoding of the output file.
    """
    height, width = image.shape[:2]
    tone = effects.ink + np.arange(256, dtype=np.float32) * ((effects.paper - effects.ink) / 255.0)
    pixels = cv2.LUT(image, np.clip(tone, 0, 255).astype(np.uint8))
    matrix = skew_matrix(width, height, effects.skew)
    if effects.skew:
        border = (effects.paper,) * (3 if image.ndim == 3 else 1)
        pixels = cv2.warpAffine(
            pixels, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
        )
    light = np.ones((max(2, height // 32), max(2, width // 32)), dtype=np.float32)
    if effects.lighting:
        small_h, small_w = light.shape
        field = cv2.resize(rng.random((4, 3), dtype=np.float32), (small_w, small_h), interpolation=cv2.INTER_CUBIC)
        ramp = np.linspace(0.0, 1.0, small_w, dtype=np.float32)[None, :]
        ramp = ramp if rng.random() < 0.5 else ramp[:, ::-1]
        light -= effects.lighting * np.clip(0.6 * field + 0.4 * ramp, 0.0, 1.0)
        if effects.edge_shadow:
            band = max(2, small_w // 40)
            edge = np.linspace(0.75, 1.0, band, dtype=np.float32)
            light[:, :band] *= edge if rng.random() < 0.5 else 1.0
            light[:, -band:] *= edge[::-1] if rng.random() < 0.5 else 1.0
    light = cv2.resize(np.clip(light * 255, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_LINEAR)
    if image.ndim == 3:
        light = cv2.merge([light, light, light])
    pixels = cv2.multiply(pixels, light, scale=1 / 255)
    if effects.blur > 0.05:
        pixels = cv2.GaussianBlur(pixels, (0, 0), effects.blur)
    if effects.noise:
        # Grain drawn at half resolution and interpolated: cheaper, and slightly correlated like a
        # real sensor's noise after the scanner's own filtering.
        channels = 3 if pixels.ndim == 3 else 1
        grain = np.empty(((height + 1) // 2, (width + 1) // 2, channels), dtype=np.int16)
        cv2.setRNGSeed(int(rng.integers(1 << 31)))
        cv2.randn(grain, (0.0,) * channels, (effects.noise * 1.4,) * channels)
        noise = cv2.resize(grain, (width, height), interpolation=cv2.INTER_LINEAR)
        pixels = cv2.add(pixels, noise.reshape(pixels.shape), dtype=cv2.CV_8U)
    if effects.salt_pepper:
        count = int(effects.salt_pepper * height * width)
        ys = rng.integers(0, height, count)
        xs = rng.integers(0, width, count)
        values = np.where(rng.random(count) < 0.5, 20, 250).astype(np.uint8)
        pixels[ys, xs] = values[:, None] if pixels.ndim == 3 else values
    return pixels, matrix
