"""File type detection from content (magic bytes), never from the file name."""

from __future__ import annotations

from enum import StrEnum


class FileKind(StrEnum):
    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    TIFF = "image/tiff"


# Things people drop into a document folder that are not documents we read, so the error can
# say what the file is rather than only what it is not.
_KNOWN_OTHERS: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP image or audio)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable program"),
    (b"{\\rtf", "an RTF document"),
    (b"BM", "a BMP image"),
]


def detect_kind(head: bytes) -> FileKind | None:
    """The supported kind whose signature ``head`` (the first bytes of a file) carries, if any."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return FileKind.TIFF
    # The PDF header may follow some junk bytes; readers accept it within the first kilobyte.
    if b"%PDF-" in head[:1024]:
        return FileKind.PDF
    return None


def describe_unsupported(head: bytes) -> str:
    """A short phrase naming what an unsupported file looks like."""
    for magic, what in _KNOWN_OTHERS:
        if head.startswith(magic):
            return what
    sample = head[:512]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown type"
    stripped = sample.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<svg"):
        return "an XML or SVG file"
    return "plain text"
