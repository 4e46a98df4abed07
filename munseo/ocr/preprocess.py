"""Image clean-up before OCR: denoise, flatten, deskew, clear speckled paper, binarise. Each
optional step is recorded.

Denoising helps a noisy scan and hurts a clean one, so unless a setting forces it it is decided per
page from two measurements of the image: the standard deviation of its gaussian noise (Immerkær's
estimate) and the share of impulse ("salt and pepper") pixels. The denoiser is a median over a
plus-shaped window (``median_plus``), which keeps the one-pixel rules and strokes of a 150-DPI scan
that a 3×3 median erases. Every page is then flattened (divided by its blurred background), so shaded
table rows and uneven lighting read as white paper.

Binarising is left to a second reading (``munseo.ocr.page``): the grey page reads better. On the 20
tuning pages (train text, tuning fonts, 200 and 300 DPI; dev pages and held-out fonts never used)
CER went from 1.75% (denoised with a 3×3 median, then binarised) to 1.50% without binarising, 1.43%
with the plus-shaped median, and 1.21% with every page flattened.

Deskewing a speckled page without denoising it first smears each speckle into a blob that Tesseract
reads as text (a page in BENCHMARKS.md went from 7.9% to 1454% CER that way); denoised first, it
reads well (``tests/ocr/test_page.py`` pins it).
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
# The two halves' estimates must agree within this many degrees to overrule the whole page's.
_HALVES_AGREE = 0.3
# The page cut into this many upright strips (narrower than a column) places the angle within this
# many degrees; an estimate further from it was fooled by columns.
_STRIPS, _STRIPS_AGREE = 8, 0.75

# A page is noisy above either figure: clean prints measure 0 and below 0.0001; the degraded
# real-text pages of benchmarks/bench_ocr_real.py (noise σ 4–10 before blur and JPEG) 0.35–2.4.
NOISY_SIGMA = 0.3
# Darker than this is ink (or its anti-aliased edge) for the noise estimate, which measures paper.
_INK_LEVEL = 160
NOISY_IMPULSE = 0.002
# Ink is at least this much darker than the paper (levels of 255, after flattening). Print on the
# tuning and benchmark pages, faint print included, sits 88 or more below; Otsu's threshold 47 or more.
MIN_INK_CONTRAST = 40
# More connected pieces of "ink" than a printed page has: an A4 page of 8-point Korean holds about
# 70 lines of 70 syllables, of up to three pieces each (about 15,000). The 103 pages of real text in
# benchmarks/bench_ocr_real.py (150–300 DPI, clean, degraded, faint) make at most 3,816 under Otsu's
# threshold; grainy blank or nearly blank scans 60,000–84,000.
MAX_PRINT_PIECES = 20_000


@dataclass(frozen=True)
class PreprocessOptions:
    """Each step on (True) or off (False); ``None``: denoise when the page measures noisy, and
    binarise only when a second reading calls for it."""

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
    shaded corner is not taken for a block of ink. Otsu's threshold splits any page in two, a blank
    one too: so ink must also be ``MIN_INK_CONTRAST`` darker than the paper (on a speckled blank
    page Otsu's "ink" sat 19–35 levels below the paper, and was read for a minute as text).
    """
    background = cv2.dilate(small, np.ones((15, 15), np.uint8))
    flat = cv2.divide(small, background, scale=255)
    return flat <= ink_threshold(flat)[0]


def ink_threshold(flat: np.ndarray) -> tuple[int, int]:
    """The grey level at or below which a flattened page's pixels are ink: Otsu's threshold, but
    at least ``MIN_INK_CONTRAST`` below the paper (the median of the pixels above Otsu's); and
    Otsu's own. The first below the second says the page's darkest mass is speckle, not print."""
    otsu = int(cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[0])
    paper = np.bincount(flat.ravel(), minlength=256)[otsu + 1 :]
    if not paper.sum():
        return otsu, otsu
    median = otsu + 1 + int(np.searchsorted(np.cumsum(paper), paper.sum() / 2))
    return min(otsu, median - MIN_INK_CONTRAST), otsu


def clear_paper(flat: np.ndarray) -> tuple[np.ndarray, bool]:
    """A flattened page with every pixel too light to be ink set to white, when its darkest mass by
    Otsu's threshold is speckle: a blank or nearly blank grainy scan, whose grain Tesseract's own
    binarisation would take for tens of thousands of glyphs (a page with one line of text read for
    over two minutes, to nothing). Faint print also sits within ``MIN_INK_CONTRAST`` of the paper
    (``ink_threshold``), and clearing would thin its strokes, so the page must also fall apart into
    more pieces than print makes (``MAX_PRINT_PIECES``). Other pages are returned as they are."""
    threshold, otsu = ink_threshold(flat)
    if threshold == otsu:
        return flat, False
    pieces = cv2.connectedComponents((flat <= otsu).astype(np.uint8), connectivity=8)[0] - 1
    if pieces <= MAX_PRINT_PIECES:
        return flat, False
    return np.where(flat > threshold, np.uint8(255), flat), True


def _profile_angle(ys: np.ndarray, xs: np.ndarray, width: int, strips: int = 1, around: float | None = None) -> float:
    """The angle at which ink pixels projected onto the vertical axis give the sharpest profile.

    With ``strips``, the page is cut into that many upright strips and each strip's profile is
    scored on its own; with ``around``, only angles within half a degree of it are searched.
    """
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    x = xs.astype(np.float64) - width / 2
    y = ys.astype(np.float64)
    strip = (xs * strips // width).astype(np.int64)

    def sharpness(angle: float) -> float:
        rad = np.deg2rad(angle)
        projected = y * np.cos(rad) + x * np.sin(rad)
        projected = (projected - projected.min()).astype(np.int64)
        hist = np.bincount(strip * (int(projected.max()) + 1) + projected)
        return float(np.dot(hist, hist))

    if around is None:
        coarse = np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5)
        around = float(max(coarse, key=sharpness))
    fine = np.arange(around - 0.5, around + 0.5001, 0.05)
    return round(float(max(fine, key=sharpness)), 2)


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive) by which the text lines are tilted.

    Projection-profile method on a downscaled copy: ink pixels are projected onto the vertical
    axis at each candidate angle; text lines line up (the profile is sharpest) at the true angle.
    On a page of columns whose lines sit at different heights the whole page's profile also peaks
    where one column's lines line up with the next one's (straight pages of two and three columns
    read as tilted by 1.4° and 2°, and lost their gutters). So each half of the page is measured
    on its own too: when the halves agree with each other and not with the whole page, the halves
    are right. And the page cut into ``_STRIPS`` upright strips, each strip's profile scored on its
    own, says roughly where the angle lies (no column's neighbour fools it, but strips too narrow to
    be precise): an estimate more than ``_STRIPS_AGREE`` from it is searched again near it.
    """
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ys, xs = np.nonzero(ink_mask(small))
    if len(xs) < 200:
        return 0.0
    width = small.shape[1]
    angle = _profile_angle(ys, xs, width)
    left, right = xs < width // 2, xs >= width // 2
    if left.sum() >= 200 and right.sum() >= 200:
        halves = _profile_angle(ys[left], xs[left], width), _profile_angle(ys[right], xs[right], width)
        if abs(halves[0] - halves[1]) <= _HALVES_AGREE and abs(angle - sum(halves) / 2) > _HALVES_AGREE:
            angle = round(sum(halves) / 2, 2)
    rough = _profile_angle(ys, xs, width, strips=_STRIPS)
    if abs(angle - rough) > _STRIPS_AGREE:
        angle = _profile_angle(ys, xs, width, around=round(rough * 2) / 2)
    return angle


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


def flatten(gray: np.ndarray) -> np.ndarray:
    """Uneven lighting and shaded cells flattened: the page divided by a blurred background."""
    height, width = gray.shape
    if min(height, width) < 4:  # a sliver has no background to speak of, and no quarter to shrink to
        return gray
    kernel = max(15, (min(height, width) // 30) | 1)
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25), kernel // 4 | 1)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, background, scale=255)


def binarize(flat: np.ndarray) -> np.ndarray:
    """Otsu's threshold of a page already flattened (``flatten``, as ``preprocess`` does first)."""
    _, out = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def median_plus(gray: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the median of itself and its four neighbours (a plus-shaped window).

    It removes lone dark pixels and pairs as a 3×3 median does, but keeps strokes and rules one
    pixel thin: on a line, three of the five pixels are ink. A 3×3 median erases a 150-DPI table's
    rules (three ink pixels of nine), and with them the grid the table is read by.
    """
    padded = np.pad(gray, 1, mode="edge")
    centre, up, down = padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1]
    left, right = padded[1:-1, :-2], padded[1:-1, 2:]
    # Of each pair's low and high, the lower low and the higher high cannot be the median of five;
    # it is the median of the three values left.
    low = np.maximum(np.minimum(centre, up), np.minimum(down, left))
    high = np.minimum(np.maximum(centre, up), np.maximum(down, left))
    return np.maximum(np.minimum(low, high), np.minimum(np.maximum(low, high), right))


def noise_sigma(gray: np.ndarray) -> float:
    """Standard deviation of the gaussian noise of the page's paper, in grey levels.

    Immerkær's (1996) estimate, taken only on the paper away from the ink: a glyph's edges respond
    to his filter like noise, and a clean page drawn at 150–200 DPI (anti-aliased edges) measured
    as noisy as a scan with noise σ 8 did. On the paper alone a clean page measures 0.
    """
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = np.abs(cv2.filter2D(gray.astype(np.float32), -1, kernel))
    near_ink = cv2.dilate((gray < _INK_LEVEL).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    paper = ~near_ink
    paper[[0, -1], :] = False
    paper[:, [0, -1]] = False
    if not paper.any():
        return 0.0
    return float(np.sqrt(np.pi / 2) * response[paper].mean() / 6)


def impulse_share(gray: np.ndarray) -> float:
    """Share of pixels that are dark with no dark neighbour: pepper noise and dust.

    A thin stroke of a serif face is dark along its length, so it is not counted (a median filter
    would erase it too, and so cannot tell it from noise).
    """
    ink = (gray < 128).astype(np.uint8)
    neighbours = cv2.filter2D(ink, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - ink
    return float(((ink == 1) & (neighbours == 0)).mean())


def is_noisy(gray: np.ndarray) -> tuple[bool, float, float]:
    """Whether the page needs denoising, with the two measurements behind it.

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
            binarize=bool(options.binarize),
        )
    if options.denoise:
        gray = median_plus(gray)
        record.denoised = True
    gray = flatten(gray)
    if options.deskew:
        angle = estimate_skew(gray)
        record.skew_angle = angle
        if abs(angle) >= MIN_CORRECTION:
            gray = rotate(gray, -angle)
            record.deskewed = True
    gray, record.paper_cleared = clear_paper(gray)
    if options.binarize:
        gray = binarize(gray)
        record.binarized = True
    return gray, record
