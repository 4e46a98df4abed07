"""A corpus of hostile and broken inputs, made on the spot (no binaries are checked in): each case
is a file and what munseo must do with it — refuse it with a reason, or read it."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from tests.documents import A4, born_digital_pdf, png_bomb

EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: Callable[[Path], None]
    refused: str | None  # a word the refusal's reason must hold; None: the file must be read


def raw_pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"", break_xref: bool = False) -> bytes:
    """A PDF from numbered object bodies (object i+1 is objects[i]) with a correct (or broken) xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % (offset * 7 + 13 if break_xref else offset))
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def _page_objects(count: int, box: tuple[float, float] = A4) -> list[bytes]:
    """Catalog, Pages, one content stream, a font and ``count`` pages sharing them."""
    content = b"BT /F1 24 Tf 72 700 Td (Hostile input test page) Tj ET"
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    media = b"[0 0 %.2f %.2f]" % box
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
    objects += [page % media] * count
    return objects


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _image(mode: str, size: tuple[int, int] = (1200, 900), fmt: str = "PNG", **save: object) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        base = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(base)
        for y in range(60, size[1] - 60, 60):
            draw.text((60, y), "Hostile input scanned page 12345", fill="black")
        if mode == "I;16":  # 16-bit samples, 0…65535
            image = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
        else:
            image = base.convert(mode)
        image.save(path, format=fmt, **save)

    return make


def _exif_rotated(path: Path) -> None:
    """A page whose pixels lie on their side; the EXIF orientation tag says how to stand it up."""
    _image("RGB")(path)
    upright = Image.open(path).convert("RGB")
    image = upright.rotate(90, expand=True)  # stored turned left; orientation 6 turns it back
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    image.save(path, format="JPEG", exif=exif.tobytes())


def _animated(path: Path) -> None:
    frames = [Image.new("RGB", (600, 400), color) for color in ("white", "gray", "black")]
    frames[0].save(path, format="PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _truncated_jpeg(path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "white").save(buffer, format="JPEG", quality=90)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) * 2 // 3])


def _encrypted_owner_only(path: Path) -> None:
    c = canvas.Canvas(
        str(path), pagesize=A4, invariant=1, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner")
    )
    c.setFont("Helvetica", 14)
    c.drawString(72, 700, "Owner password only: anyone may open this")
    c.showPage()
    c.save()


def _looping(path: Path) -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",  # Pages lists itself
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
    ]
    path.write_bytes(raw_pdf(objects))


def _javascript(path: Path) -> None:
    objects = _page_objects(1)
    objects[0] = (
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /Names << /JavaScript << /Names [(a) 6 0 R] >> >> >>"
    )
    objects.append(b"<< /S /JavaScript /JS (app.alert('hostile'); this.exportDataObject({cName: 'x', nLaunch: 2});) >>")
    path.write_bytes(raw_pdf(objects))


def cases() -> list[Case]:
    rng = random.Random(7)
    found: list[Case] = []
    for ext in EXTENSIONS:
        found.append(Case(f"zero-byte{ext}", f"empty{ext}", _write(b""), "empty"))
        found.append(
            Case(f"random{ext}", f"noise{ext}", _write(bytes(rng.randrange(256) for _ in range(5000))), "unsupported")
        )
        found.append(Case(f"text{ext}", f"notes{ext}", _write("그냥 글자입니다\n".encode() * 50), "unsupported"))
    found += [
        Case("truncated pdf", "cut.pdf", lambda p: p.write_bytes(raw_pdf(_page_objects(2))[:300]), "damaged"),
        Case("truncated png", "cut.png", lambda p: (_image("RGB")(p), p.write_bytes(p.read_bytes()[:2000])), "damaged"),
        Case("truncated jpeg", "cut.jpg", _truncated_jpeg, "damaged"),
        Case(
            "truncated tiff",
            "cut.tif",
            lambda p: (_image("RGB", fmt="TIFF")(p), p.write_bytes(p.read_bytes()[:3000])),
            "damaged",
        ),
        Case(
            "encrypted, user password",
            "locked.pdf",
            lambda p: born_digital_pdf(p, pages=1, encrypt="secret"),
            "password",
        ),
        Case("encrypted, owner password only", "owner.pdf", _encrypted_owner_only, None),
        Case("broken xref", "xref.pdf", lambda p: p.write_bytes(raw_pdf(_page_objects(2), break_xref=True)), None),
        Case("5,000 pages", "long.pdf", lambda p: p.write_bytes(raw_pdf(_page_objects(5000))), "pages"),
        Case(
            "20,000 pt page",
            "huge-page.pdf",
            lambda p: p.write_bytes(raw_pdf(_page_objects(1, (20000, 20000)))),
            "pixels",
        ),
        Case("looping page tree", "loop.pdf", _looping, "page tree is damaged"),
        Case("embedded javascript", "script.pdf", _javascript, None),
        Case("decompression bomb", "bomb.png", lambda p: png_bomb(p), "pixels"),
        Case("1x1 pixel", "dot.png", _image("RGB", (1, 1)), None),
        Case("16-bit grey", "deep.png", _image("I;16"), None),
        Case("CMYK jpeg", "cmyk.jpg", _image("CMYK", fmt="JPEG"), None),
        Case("palette png", "palette.png", _image("P"), None),
        Case("EXIF-rotated jpeg", "rotated.jpg", _exif_rotated, None),
        Case("animated png", "moving.png", _animated, None),
    ]
    return found
