"""The ingest stage: files and folders in, checked sources and their pages out."""

from munseo.ingest.detect import FileKind, detect_kind
from munseo.ingest.errors import IngestError, Refusal
from munseo.ingest.source import (
    LayerSample,
    Limits,
    LoadedPage,
    SourceFile,
    inspect_file,
    load_page,
    sha256_file,
)

__all__ = [
    "FileKind",
    "IngestError",
    "LayerSample",
    "Limits",
    "LoadedPage",
    "Refusal",
    "SourceFile",
    "detect_kind",
    "inspect_file",
    "load_page",
    "sha256_file",
]
