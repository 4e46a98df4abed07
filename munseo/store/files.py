"""The data directory: originals stored by content hash, and the page images the UI shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}


class DataDir:
    """``root/originals/ab/abcdef….pdf`` and ``root/pages/ab/abcdef…/0001.jpg``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def original_path(self, sha256: str, mime: str) -> Path:
        return self.root / "originals" / sha256[:2] / f"{sha256}{_EXTENSIONS.get(mime, '')}"

    def page_dir(self, sha256: str) -> Path:
        return self.root / "pages" / sha256[:2] / sha256

    def page_image_path(self, sha256: str, number: int) -> Path:
        return self.page_dir(sha256) / f"{number:04d}.jpg"

    def store_original(self, source: Path, sha256: str, mime: str) -> Path:
        """Copy ``source`` in unless an identical copy is there already; the copy appears atomically."""
        target = self.original_path(sha256, mime)
        if target.exists() and target.stat().st_size == source.stat().st_size:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        except OSError:  # a full disk: no partial copy is left behind
            partial.unlink(missing_ok=True)
            raise
        return target
