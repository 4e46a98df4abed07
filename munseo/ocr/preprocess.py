"""Image clean-up before OCR: deskew, denoise, binarise. Each step is recorded in the result."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from munseo.elements import Preprocessing

# Angles searched by the deskew estimate, in degrees. Scans arrive within a few degrees of
# straight; the search goes well past that so a careless feed (up to ±15°) is still corrected.
MAX_SKEW = 15.0
# Below this the page is left alone: rotating costs time and softens glyphs for no gain.
MIN_CORRECTION = 0.15


@dataclass(frozen=True)
class PreprocessOptions:
    deskew: bool = True
    denoise: bool = False
    binarize: bool = False


def to_gray(image: Image.Image) -> np.ndarray:
    if image.mode != "L":
        image = image.convert("L")
    return np.asarray(image)


def ink_mask(small: np.ndarray) -> np.ndarray:
    """Which pixels of a shrunken page are ink.

    Shrinking with area averaging fades speckle (salt-and-pepper, grain) below the threshold, and
    dividing by the background (a max filter wider than any glyph) flattens uneven lighting, so a
    shaded corner is not taken for a block of ink.
    """
    background = cv2.dilate(small, np.ones((15, 15), np.uint8))
    flat = cv2.divide(small, background, scale=255)
    _, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary > 0


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive) by which the text lines are tilted.

    Projection-profile method on a downscaled copy: ink pixels are projected onto the vertical
    axis at each candidate angle; text lines line up (the profile is sharpest) at the true angle.
    """
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ys, xs = np.nonzero(ink_mask(small))
    if len(xs) < 200:
        return 0.0
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        rad = np.deg2rad(angle)
        projected = ys * np.cos(rad) + xs * np.sin(rad)
        hist = np.bincount((projected - projected.min()).astype(np.int64))
        return float(np.dot(hist, hist))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.5001, 0.05)
    return round(float(max(fine, key=sharpness)), 2)


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees about the centre, keeping the size and filling with white."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Flatten uneven lighting (divide by a blurred background), then Otsu's threshold."""
    kernel = max(15, (min(gray.shape) // 30) | 1)
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25), kernel // 4 | 1)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, background, scale=255)
    _, out = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def preprocess(image: Image.Image, options: PreprocessOptions) -> tuple[np.ndarray, Preprocessing]:
    """Apply the enabled steps to a page image; return the grayscale result and what was done."""
    gray = to_gray(image)
    record = Preprocessing()
    if options.denoise:
        gray = cv2.medianBlur(gray, 3)
        record.denoised = True
    if options.deskew:
        angle = estimate_skew(gray)
        record.skew_angle = angle
        if abs(angle) >= MIN_CORRECTION:
            gray = rotate(gray, -angle)
            record.deskewed = True
    if options.binarize:
        gray = binarize(gray)
        record.binarized = True
    return gray, record
