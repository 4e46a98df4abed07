"""The one error type ingest raises: it names the file, says why in words a person reads, and
carries the kind of refusal, which decides the HTTP status and exit code (``munseo.errors``) —
never its words."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Refusal(StrEnum):
    UNREADABLE = "unreadable"  # the file cannot be opened or read
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"  # not a PDF, PNG, JPEG or TIFF
    TOO_LARGE = "too_large"  # bytes, pages or pixels over a limit
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"  # truncated, broken structure, no pages
    PAGE_FAILED = "page_failed"  # a page could not be read
    NOT_STORED = "not_stored"  # the data directory could not take the original (disk full, say)


class IngestError(Exception):
    """A file that cannot become a document. ``reason`` is shown to users and stored."""

    def __init__(self, path: Path | str, reason: str, kind: Refusal = Refusal.DAMAGED) -> None:
        self.path = Path(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{self.path.name}: {reason}")
