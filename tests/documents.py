"""Test inputs made on the spot: born-digital and mixed PDFs, images, and every kind of bad file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from munseo.evaluate.testpages import FONT_DIR, SENTENCES, render_text_page

pdfmetrics.registerFont(TTFont("NanumGothic", str(FONT_DIR / "NanumGothic.ttf")))
A4 = (595.27, 841.89)


def _text_page(c: canvas.Canvas, lines: list[str]) -> None:
    c.setFont("NanumGothic", 11)
    y = A4[1] - 72
    for line in lines:
        c.drawString(72, y, line)
        y -= 18
    c.showPage()


def born_digital_pdf(path: Path, pages: int = 2, encrypt: str | None = None) -> Path:
    c = canvas.Canvas(
        str(path),
        pagesize=A4,
        invariant=1,
        encrypt=pdfencrypt.StandardEncryption(encrypt, canPrint=0) if encrypt else None,
    )
    for n in range(pages):
        _text_page(c, [f"{n + 1}쪽", *SENTENCES[n : n + 6]])
    c.save()
    return path


def mixed_pdf(path: Path) -> Path:
    """Page 1 has a text layer; page 2 is only a scanned image of text (needs OCR)."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _text_page(c, list(SENTENCES[:6]))
    scan = render_text_page(seed=7, dpi=200).image
    c.drawImage(ImageReader(scan), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return path


def multi_frame_tiff(path: Path, frames: int = 2) -> Path:
    images = [render_text_page(seed=10 + i, dpi=200, paragraphs=2).image for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], dpi=(200, 200), compression="tiff_lzw")
    return path


def zero_page_pdf(path: Path) -> Path:
    pdfium.PdfDocument.new().save(str(path))
    return path


def truncated_pdf(path: Path) -> Path:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    _text_page(c, list(SENTENCES[:4]))
    c.save()
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2])
    return path


def png_bomb(path: Path, width: int = 40_000, height: int = 40_000) -> Path:
    """A small PNG whose header claims a huge image (what a decompression bomb looks like)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\xff" * width
    compressor = zlib.compressobj(9)
    body = compressor.compress(row * 8) + compressor.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def zip_renamed_pdf(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    return path


def png_page(path: Path, seed: int = 3, dpi: int = 300) -> tuple[Path, str]:
    page = render_text_page(seed=seed, dpi=dpi, paragraphs=3)
    page.image.save(path, format="PNG", dpi=(dpi, dpi))
    return path, page.text


def write_bad_inputs(folder: Path) -> dict[str, Path]:
    """Every kind of bad input the ingest must survive, by a short name."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.pdf"
    empty.write_bytes(b"")
    return {
        "empty": empty,
        "truncated": truncated_pdf(folder / "truncated.pdf"),
        "encrypted": born_digital_pdf(folder / "encrypted.pdf", pages=1, encrypt="secret"),
        "bomb": png_bomb(folder / "bomb.png"),
        "renamed": zip_renamed_pdf(folder / "archive.pdf"),
        "no_pages": zero_page_pdf(folder / "nopages.pdf"),
        "corrupt_image": _corrupt_jpeg(folder / "broken.jpg"),
    }


def _corrupt_jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("L", (400, 300), 255).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue()[:40])
    return path


def misread(text: str) -> str:
    """Valid characters that are not ``text``: each Hangul syllable, digit and Latin letter moved
    along its alphabet, as a font with a wrong character map exports them."""

    def moved(c: str) -> str:
        if "가" <= c <= "힣":
            return chr(0xAC00 + (ord(c) - 0xAC00 + 389) % 11172)
        if c.isdigit():
            return str((int(c) + 3) % 10)
        if c.isascii() and c.isalpha():
            base = ord("a") if c.islower() else ord("A")
            return chr(base + (ord(c) - base + 7) % 26)
        return c

    return "".join(moved(c) for c in text)


def mismapped_pdf(path: Path, lines: int = 8) -> tuple[Path, str]:
    """A one-page PDF whose page shows Korean sentences (drawn as an image at 300 DPI) under an
    invisible text layer of other, valid characters at the same places; returns it and the text
    the page shows."""
    from PIL import ImageDraw, ImageFont

    dpi, size_pt = 300, 12
    shown = [SENTENCES[i % len(SENTENCES)] for i in range(lines)]
    image = Image.new("L", (round(A4[0] * dpi / 72), round(A4[1] * dpi / 72)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "NanumGothic.ttf"), round(size_pt * dpi / 72))
    page = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    buffer = io.BytesIO()
    baselines = [90 + 24 * n for n in range(lines)]  # points from the top
    for text, top in zip(shown, baselines, strict=True):
        draw.text((round(50 * dpi / 72), round(top * dpi / 72)), text, font=font, fill=0, anchor="ls")
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    page.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 0, 0, width=A4[0], height=A4[1])
    layer = page.beginText()
    layer.setTextRenderMode(3)  # invisible, as an OCR'd or exported layer is
    layer.setFont("NanumGothic", size_pt)
    for text, top in zip(shown, baselines, strict=True):
        layer.setTextOrigin(50, A4[1] - top)
        layer.textOut(misread(text))
    page.drawText(layer)
    page.save()
    return path, "\n".join(shown)
