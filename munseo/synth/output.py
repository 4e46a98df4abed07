"""Writing page images as the files a scanner produces: image-only PDF, multi-page TIFF, PNG, JPEG.

Nothing time- or host-dependent is written (no dates, no software tags), so the bytes depend only
on the pixels and settings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from munseo.synth.render_pdf import image_pdf

EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "png": "png", "jpeg": "jpg"}


def _jpeg(image: np.ndarray, quality: int, dpi: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=quality, dpi=(dpi, dpi))
    return out.getvalue()


def encode_scan(images: Sequence[np.ndarray], dpi: int, fmt: str, quality: int) -> bytes:
    """The bytes of a scanned input in ``fmt`` (png and jpeg hold one page)."""
    if fmt == "pdf":
        jpegs = [_jpeg(image, quality, dpi) for image in images]
        return image_pdf(
            jpegs, [(image.shape[1], image.shape[0]) for image in images], dpi, [image.ndim == 3 for image in images]
        )
    out = io.BytesIO()
    if fmt == "tiff":
        frames = [Image.fromarray(image) for image in images]
        frames[0].save(
            out, "TIFF", save_all=True, append_images=frames[1:], compression="jpeg", quality=quality, dpi=(dpi, dpi)
        )
    elif fmt == "png":
        (image,) = images
        Image.fromarray(image).save(out, "PNG", compress_level=3, dpi=(dpi, dpi))
    elif fmt == "jpeg":
        (image,) = images
        return _jpeg(image, quality, dpi)
    else:
        raise ValueError(f"unknown scan format {fmt!r}")
    return out.getvalue()
