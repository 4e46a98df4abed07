"""The contract every OCR engine meets (an image in, one page of the element tree out) and the
registry that makes the engine ``Settings.ocr_engine`` names. An engine is one module with a
factory taking the settings: the engine owns its options and its environment (Tesseract's
``OMP_THREAD_LIMIT=1``, language data). Add it to ``ENGINES``, or name it as ``module:attribute``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PIL import Image

from munseo.elements import Line, PageResult

if TYPE_CHECKING:
    from munseo.config import Settings


class OcrError(RuntimeError):
    """The engine cannot run (missing language data, broken install), as opposed to a bad page."""


class PageTimeout(RuntimeError):
    """Reading a page ran past its time limit (``page_time_limit``, or what the document had left)."""


_deadline: float | None = None  # monotonic; one engine per process, so one page at a time


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Engines stop reading a page ``seconds`` from now and raise ``PageTimeout`` (None: no limit)."""
    global _deadline
    previous, _deadline = _deadline, (time.monotonic() + seconds) if seconds is not None else None
    try:
        yield
    finally:
        _deadline = previous


def time_left() -> float | None:
    """Seconds the current page has left; None without a limit. Engines pass this to their recogniser."""
    return None if _deadline is None else _deadline - time.monotonic()


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image | np.ndarray, dpi: int, number: int = 1) -> PageResult:
        """Read one page image (grayscale or RGB) scanned at ``dpi``."""
        ...

    def detect_orientation(self, gray: np.ndarray, dpi: int) -> int:
        """Clockwise degrees (0, 90, 180, 270) that turn the page upright; 0 when unsure or unable."""
        ...

    def read_line(self, image: Image.Image | np.ndarray, dpi: int, latin: bool = False) -> Line | None:
        """Read an image holding one line of text (with the Latin model when ``latin``), without
        the page's layout analysis; None when nothing is read."""
        ...


EngineFactory = Callable[["Settings"], OcrEngine]

# Engines by the name ``MUNSEO_OCR_ENGINE`` gives, as ``module:factory`` (imported on first use).
ENGINES: dict[str, str] = {"tesseract": "munseo.ocr.tesseract:from_settings"}


def engine_factory(settings: Settings) -> EngineFactory:
    """The factory of the engine ``settings.ocr_engine`` names; ``OcrError`` when there is none."""
    name = settings.ocr_engine
    target = ENGINES.get(name) or (name if ":" in name else None)
    if target is None:
        raise OcrError(f"no OCR engine {name!r}; known: {', '.join(sorted(ENGINES))}, or give module:attribute")
    module, _, attribute = target.partition(":")
    try:
        factory: EngineFactory = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise OcrError(f"OCR engine {name!r} cannot be loaded: {exc}") from exc
    return factory


def make_engine(settings: Settings) -> OcrEngine:
    """The engine ``settings.ocr_engine`` names, started (one per process)."""
    return engine_factory(settings)(settings)
