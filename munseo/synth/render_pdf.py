"""PDF output: born-digital pages with a text layer, and image-only PDFs of scanned pages.

Neither carries a date or a random document ID (reportlab runs with ``invariant=1``), so the same
input gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from munseo.synth.fonts import register_fonts
from munseo.synth.graphics import seal_image
from munseo.synth.layout import Fill, Page, Stamp, Stroke

_SEAL_DPI = 300


def pdf_bytes(pages: Sequence[Page], *, text_only: bool = False) -> bytes:
    """A PDF of laid-out pages with the Nanum fonts embedded (subset).

    Text is drawn line by line in the order of ``Page.lines``, so a text-layer extraction returns
    it in that order. ``text_only`` leaves out rules, fills and seals (used to check line boxes).
    """
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(pages[0].width, pages[0].height), invariant=1, pageCompression=1)
    for page in pages:
        canvas.setPageSize((page.width, page.height))
        height = page.height
        if not text_only:
            _graphics(canvas, page, height, stamps=False)
        for line in page.lines:
            for run in line.runs:
                canvas.setFont(run.font, run.size)
                canvas.drawString(run.x, height - line.baseline, run.text)
        if not text_only:
            _graphics(canvas, page, height, stamps=True)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _graphics(canvas: Canvas, page: Page, height: float, *, stamps: bool) -> None:
    for item in page.graphics:
        if isinstance(item, Stamp):
            if stamps:
                pixels = round(item.size / 72 * _SEAL_DPI)
                image = ImageReader(seal_image(item.text, pixels, item.seed))
                canvas.drawImage(image, item.x, height - item.y - item.size, item.size, item.size, mask="auto")
        elif stamps:
            continue
        elif isinstance(item, Fill):
            canvas.setFillGray(item.gray)
            canvas.rect(item.x, height - item.y - item.h, item.w, item.h, stroke=0, fill=1)
            canvas.setFillGray(0)
        elif isinstance(item, Stroke) and item.width > 0:
            canvas.setLineWidth(item.width)
            canvas.line(item.x0, height - item.y0, item.x1, height - item.y1)


def image_pdf(jpegs: Sequence[bytes], sizes: Sequence[tuple[int, int]], dpi: int, color: Sequence[bool]) -> bytes:
    """An image-only PDF: one page per JPEG, sized so that rendering at ``dpi`` gives its pixels.

    Written directly (the JPEG data is embedded as is, DCTDecode), which is much faster than going
    through reportlab's image handling.
    """
    objects: list[bytes] = []
    kids: list[int] = []
    for data, (width, height), rgb in zip(jpegs, sizes, color, strict=True):
        # A hair under the exact size, so that renderers rounding up give exactly width x height.
        w, h = (width - 0.005) * 72 / dpi, (height - 0.005) * 72 / dpi
        first = 3 + len(objects)
        kids.append(first)
        content = f"q {w:.4f} 0 0 {h:.4f} 0 0 cm /Im0 Do Q".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.4f} {h:.4f}] "
            f"/Resources << /XObject << /Im0 {first + 2} 0 R >> >> /Contents {first + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        space = "/DeviceRGB" if rgb else "/DeviceGray"
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {space} "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n".encode()
            + data
            + b"\nendstream"
        )
    pages = " ".join(f"{kid} 0 R" for kid in kids)
    objects[:0] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{pages}] /Count {len(kids)} >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
