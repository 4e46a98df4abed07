"""The one error type ingest raises: it names the file and says why, in words a person reads."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file that cannot become a document. ``reason`` is shown to users and stored."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")
