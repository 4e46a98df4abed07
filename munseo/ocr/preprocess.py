"""Image clean-up before OCR: deskew, denoise, binarise. Each step is recorded in the result.

Denoising and binarising help a noisy scan and hurt a clean one, so unless a setting forces them
they are decided per page from two measurements of the image: the standard deviation of its
gaussian noise (Immerkær's estimate) and the share of impulse ("salt and pepper") pixels. Deskewing
a speckled page without denoising it first smears each speckle into a blob that Tesseract reads
as text (a page in BENCHMARKS.md went from 7.9% to 1454% CER that way); denoised first, it reads
at 2.7%.
"""

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


# A page is noisy above either figure: clean scans and prints measure below 1 and 0.001.
NOISY_SIGMA = 4.0
NOISY_IMPULSE = 0.002


@dataclass(frozen=True)
class PreprocessOptions:
    """Each step on (True), off (False) or decided from the page's noise (None)."""

    deskew: bool = True
    denoise: bool | None = None
    binarize: bool | None = None


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


def lies_on_side(gray: np.ndarray) -> bool:
    """Whether the text lines run up and down the image (a page scanned turned by 90°).

    Text lines make the ink's profile along the lines' normal peaky (lines and gaps) and flat
    along the lines; the ratio is about 2 for a page of text either way round.
    """
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = ink_mask(small)
    if ink.sum() < 200:
        return False

    def peakiness(profile: np.ndarray) -> float:
        return float(np.dot(profile, profile)) * len(profile) / max(1.0, float(profile.sum())) ** 2

    rows, columns = ink.sum(axis=1).astype(np.float64), ink.sum(axis=0).astype(np.float64)
    return peakiness(columns) > 1.3 * peakiness(rows)


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


def noise_sigma(gray: np.ndarray) -> float:
    """Standard deviation of the image's gaussian noise (Immerkær 1996), in grey levels."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = cv2.filter2D(gray.astype(np.float32), -1, kernel)
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    return float(np.sqrt(np.pi / 2) * np.abs(response[1:-1, 1:-1]).sum() / (6 * (w - 2) * (h - 2)))


def impulse_share(gray: np.ndarray) -> float:
    """Share of pixels that are dark with no dark neighbour: pepper noise and dust.

    A thin stroke of a serif face is dark along its length, so it is not counted (a median filter
    would erase it too, and so cannot tell it from noise).
    """
    ink = (gray < 128).astype(np.uint8)
    neighbours = cv2.filter2D(ink, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - ink
    return float(((ink == 1) & (neighbours == 0)).mean())


def is_noisy(gray: np.ndarray) -> tuple[bool, float, float]:
    """Whether the page needs denoising and binarising, with the two measurements behind it.

    Measured on the middle of the page (a quarter of it): enough pixels, a quarter of the time.
    """
    h, w = gray.shape
    middle = gray[h // 4 : h - h // 4, w // 4 : w - w // 4]
    sigma, impulse = round(noise_sigma(middle), 3), round(impulse_share(middle), 6)
    return sigma > NOISY_SIGMA or impulse > NOISY_IMPULSE, sigma, impulse


def preprocess(image: Image.Image | np.ndarray, options: PreprocessOptions) -> tuple[np.ndarray, Preprocessing]:
    """Apply the steps to a page image; return the grayscale result and what was done."""
    gray = to_gray(image) if isinstance(image, Image.Image) else image
    record = Preprocessing()
    if options.denoise is None or options.binarize is None:
        noisy, record.noise_sigma, record.impulse_share = is_noisy(gray)
        options = PreprocessOptions(
            deskew=options.deskew,
            denoise=noisy if options.denoise is None else options.denoise,
            binarize=noisy if options.binarize is None else options.binarize,
        )
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
