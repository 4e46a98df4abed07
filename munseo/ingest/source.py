"""Open an input file, check it, and turn each of its pages into an image or a text layer.

``inspect_file`` runs in the coordinating process: it reads enough of a file to reject bad input
with a clear reason before any heavy work. ``load_page`` runs in worker processes and yields one
page at a time, so that a 500-page PDF never sits in memory as 500 images.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from munseo.elements import PageResult
from munseo.ingest.detect import FileKind, describe_unsupported, detect_kind
from munseo.ingest.errors import IngestError, Refusal
from munseo.ingest.textlayer import extract_text_layer, is_usable_text

# Pillow's own guard raises only at twice its limit and warns below; munseo checks its own limit.
Image.MAX_IMAGE_PIXELS = None

_PDF_ERRORS = {
    1: "the PDF could not be read (unknown PDFium error)",
    2: "the file could not be opened",
    3: "the PDF is damaged or truncated (format error)",
    4: "the PDF is encrypted with a password; remove the password and upload it again",
    5: "the PDF uses an unsupported security handler",
    6: "a page of the PDF is damaged",
}


@dataclass(frozen=True)
class Limits:
    max_pixels: int
    max_file_bytes: int
    max_pages: int


@dataclass(frozen=True)
class SourceFile:
    """A checked input file: what it is and how many pages it has."""

    path: Path
    sha256: str
    size: int
    kind: FileKind
    page_count: int


@dataclass(frozen=True)
class LayerSample:
    """One line of a page's text layer rendered for OCR, to check that the layer says what the page
    shows (some exporters write valid characters that are not the page's text)."""

    image: Image.Image
    dpi: int
    text: str  # what the text layer says is on that line


@dataclass
class LoadedPage:
    """One page ready for the next stage: a text layer (OCR skipped), or an image to OCR."""

    number: int
    image: Image.Image
    dpi: int
    text_layer: PageResult | None
    render_ms: float = 0.0
    sample: LayerSample | None = None  # with a text layer: a line of it to check against OCR


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pdf_error(path: Path, exc: pdfium.PdfiumError) -> IngestError:
    """Say why PDFium refused a file. Its error code can be stale (PDFium keeps the last one
    per thread), so the file's own markers decide where they can."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
        fh.seek(max(0, path.stat().st_size - (1 << 20)))
        tail = fh.read()
    if b"/Encrypt" in tail or b"/Encrypt" in head:
        return IngestError(path, _PDF_ERRORS[4], Refusal.ENCRYPTED)
    if re.search(rb"/Count\s+0\b", head) and not re.search(rb"/Count\s+[1-9]", head + tail):
        return IngestError(path, "the PDF has no pages")
    code = getattr(exc, "err_code", None) or 3
    if code == 4:  # a stale "wrong password" for a file that has no encryption dictionary
        code = 3
    return IngestError(path, _PDF_ERRORS.get(code, _PDF_ERRORS[3]), Refusal.ENCRYPTED if code == 5 else Refusal.DAMAGED)


def _check_pixels(path: Path, width: int, height: int, limits: Limits, where: str) -> None:
    if width * height > limits.max_pixels:
        raise IngestError(
            path,
            f"{where} is {width}×{height} = {width * height / 1e6:.0f} megapixels, over the limit of "
            f"{limits.max_pixels / 1e6:.0f} megapixels (MUNSEO_MAX_PIXELS); it may be a decompression bomb",
            Refusal.TOO_LARGE,
        )


def inspect_file(path: Path, limits: Limits, dpi: int) -> SourceFile:
    """Check ``path`` and return what it is, or raise ``IngestError`` with the reason."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise IngestError(path, f"the file cannot be read ({exc.strerror or exc})", Refusal.UNREADABLE) from exc
    if size == 0:
        raise IngestError(path, "the file is empty (0 bytes)", Refusal.EMPTY)
    if size > limits.max_file_bytes:
        raise IngestError(
            path,
            f"the file is {size / 2**20:.0f} MiB, over the limit of {limits.max_file_bytes / 2**20:.0f} MiB",
            Refusal.TOO_LARGE,
        )
    kind = detect_kind(head)
    if kind is None:
        raise IngestError(
            path,
            f"unsupported file type: the content is {describe_unsupported(head)}, not a PDF, PNG, JPEG or TIFF",
            Refusal.UNSUPPORTED,
        )
    pages = _count_pdf_pages(path, limits, dpi) if kind is FileKind.PDF else _count_image_frames(path, limits)
    if pages > limits.max_pages:
        raise IngestError(
            path, f"the document has {pages} pages, over the limit of {limits.max_pages}", Refusal.TOO_LARGE
        )
    return SourceFile(path=path, sha256=sha256_file(path), size=size, kind=kind, page_count=pages)


def _count_pdf_pages(path: Path, limits: Limits, dpi: int) -> int:
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _pdf_error(path, exc) from exc
    try:
        count = len(pdf)
        if count == 0:
            raise IngestError(path, "the PDF has no pages")
        for index in range(count):
            try:
                width_pt, height_pt = pdf.get_page_size(index)
            except pdfium.PdfiumError as exc:  # e.g. a page tree that loops back on itself
                raise IngestError(
                    path, f"page {index + 1} of the PDF cannot be found: its page tree is damaged", Refusal.DAMAGED
                ) from exc
            _check_pixels(
                path,
                round(width_pt * dpi / 72),
                round(height_pt * dpi / 72),
                limits,
                f"page {index + 1} rendered at {dpi} DPI",
            )
        return count
    finally:
        pdf.close()


def _count_image_frames(path: Path, limits: Limits) -> int:
    try:
        with Image.open(path) as img:
            frames = 0
            for frame in ImageSequence.Iterator(img):
                frames += 1
                _check_pixels(path, frame.width, frame.height, limits, f"image frame {frames}")
            img.seek(0)
            img.load()
            return frames
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise IngestError(path, f"the image is damaged or truncated ({exc})") from exc


@lru_cache(maxsize=2)
def _open_pdf(path: str) -> pdfium.PdfDocument:
    """Workers take many pages from the same PDF in a row: keep the last ones open."""
    return pdfium.PdfDocument(path)


def _image_dpi(img: Image.Image, default: int) -> int:
    value = img.info.get("dpi")
    if value and value[0] and 36 <= float(value[0]) <= 1200:
        return round(float(value[0]))
    return default


# A scanned page usually is one image covering the page. Taking that image as it is costs a third
# of rendering the page (no resampling, no compositing) and keeps the scanner's own pixels.
_SCAN_DPI_RANGE = (150, 400)


def _embedded_scan(page: pdfium.PdfPage) -> tuple[Image.Image, int] | None:
    """The page's single full-page, upright image and its resolution, if that is all the page is."""
    objects = []
    for obj in page.get_objects(max_depth=1):
        objects.append(obj)
        if len(objects) > 1:
            return None
    if not objects or not isinstance(objects[0], pdfium.PdfImage):
        return None
    image = objects[0]
    a, b, c, d, _e, _f = image.get_matrix().get()
    left, bottom, right, top = image.get_bounds()
    width_pt, height_pt = page.get_size()
    covers = (right - left) * (top - bottom) >= 0.9 * width_pt * height_pt
    if not covers or b or c or a <= 0 or d <= 0:
        return None
    pixels_wide = image.get_px_size()[0]
    dpi = round(pixels_wide / (a / 72))
    if not _SCAN_DPI_RANGE[0] <= dpi <= _SCAN_DPI_RANGE[1]:
        return None
    return image.get_bitmap(render=False).to_pil().convert("L"), dpi


def load_page(
    source: SourceFile, index: int, dpi: int, preview_dpi: int, text_layer: bool = True, sample: bool = False
) -> LoadedPage:
    """Page ``index`` (0-based) of ``source``: a usable text layer if it has one (and ``text_layer``
    allows it), else an image. ``sample``: with a text layer, a line of it to check against OCR."""
    if source.kind is FileKind.PDF:
        return _load_pdf_page(source, index, dpi, preview_dpi, text_layer, sample)
    with Image.open(source.path) as img:
        img.seek(index)
        frame = page_image(img)
        page_dpi = _image_dpi(img, dpi)
    return LoadedPage(number=index + 1, image=frame, dpi=page_dpi, text_layer=None)


def page_image(frame: Image.Image) -> Image.Image:
    """A frame as an upright 8-bit grey or RGB page, whatever the file held: EXIF orientation applied,
    16- and 32-bit samples scaled (not clipped) to 8 bits, transparency flattened onto white paper,
    palette, CMYK and 1-bit images converted."""
    image = ImageOps.exif_transpose(frame) or frame
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        samples = np.asarray(image, dtype=np.float64)
        top = 65535.0 if samples.max(initial=0) <= 65535 else float(samples.max())
        return Image.fromarray(np.clip(samples * (255.0 / max(top, 1.0)), 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        paper = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(paper, image.convert("RGBA")).convert("RGB")
    if image.mode in ("L", "RGB"):
        return image.copy()
    return image.convert("RGB") if image.mode in ("CMYK", "YCbCr", "LAB", "HSV") else image.convert("L")


# A line worth checking: this many letters or digits at least, and over twice as wide as tall.
SAMPLE_MIN_CHARS = 12


def _layer_sample(page: pdfium.PdfPage, layer: PageResult, dpi: int) -> LayerSample | None:
    """The layer's longest horizontal line inside the page, rendered at ``dpi`` with a little
    margin; None when the page has no such line or is rotated."""
    width_pt, height_pt = page.get_size()
    to_pt = 72 / layer.dpi

    def inside(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        left, top, right, bottom = (v * to_pt for v in box)
        return max(0.0, left), max(0.0, top), min(width_pt, right), min(height_pt, bottom)

    lines = []
    for line in (line for block in layer.blocks for line in block.lines):
        left, top, right, bottom = inside(line.bbox)
        chars = sum(c.isalnum() for c in line.text)
        if bottom > top and right - left > 2 * (bottom - top) and chars >= SAMPLE_MIN_CHARS:
            lines.append((chars, (left, top, right, bottom), line.text))
    if not lines or page.get_rotation() % 360:
        return None
    _, (left, top, right, bottom), text = max(lines, key=lambda found: found[0])
    pad = (bottom - top) * 0.4
    crop = (
        max(0.0, left - pad),
        max(0.0, height_pt - bottom - pad),
        max(0.0, width_pt - right - pad),
        max(0.0, top - pad),
    )
    try:
        image = page.render(scale=dpi / 72, crop=crop, grayscale=True).to_pil()
    except (pdfium.PdfiumError, ValueError):  # no sample is no verdict: the layer is kept as it was
        return None
    if min(image.size) < 8:
        return None
    return LayerSample(image, dpi, text)


def _load_pdf_page(
    source: SourceFile, index: int, dpi: int, preview_dpi: int, text_layer: bool, sample: bool
) -> LoadedPage:
    start = time.perf_counter()
    try:
        pdf = _open_pdf(str(source.path))
        page = pdf[index]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        if text_layer and is_usable_text(text):
            scale = preview_dpi / 72
            image = page.render(scale=scale, grayscale=True).to_pil()
            layer = extract_text_layer(page, textpage, text, number=index + 1, dpi=preview_dpi)
            line = _layer_sample(page, layer, dpi) if sample else None
            elapsed = (time.perf_counter() - start) * 1000
            return LoadedPage(index + 1, image, preview_dpi, layer, render_ms=elapsed, sample=line)
        scan = _embedded_scan(page)
        if scan is not None:
            image, page_dpi = scan
        else:
            image, page_dpi = page.render(scale=dpi / 72, grayscale=True).to_pil(), dpi
        return LoadedPage(index + 1, image, page_dpi, None, render_ms=(time.perf_counter() - start) * 1000)
    except pdfium.PdfiumError as exc:
        raise IngestError(source.path, f"page {index + 1} of the PDF is damaged ({exc})", Refusal.PAGE_FAILED) from exc
