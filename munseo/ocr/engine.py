"""The contract every OCR engine meets: an image in, one page of the element tree out."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PIL import Image

from munseo.elements import PageResult


class OcrError(RuntimeError):
    """The engine cannot run (missing language data, broken install), as opposed to a bad page."""


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        """Read one page image (grayscale or RGB) scanned at ``dpi``."""
        ...

    def detect_orientation(self, gray: np.ndarray, dpi: int) -> int:
        """Clockwise degrees (0, 90, 180, 270) that turn the page upright; 0 when unsure or unable."""
        ...
