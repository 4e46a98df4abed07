"""Admission: the one way a file becomes a document, for every entry point (``munseo ingest``,
``munseo watch``, uploads to the API).

A file is checked (``ingest.inspect_file``), compared with what is stored by the one duplicate rule
(``Store.find_same``), copied into the data directory, and recorded as a document with its first
job. A file that cannot be read is recorded as a failed document with the reason; nothing already
stored is touched.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from munseo.config import Settings
from munseo.ingest import IngestError, Limits, Refusal, SourceFile, inspect_file, sha256_file
from munseo.store.files import DataDir
from munseo.store.models import JobStage
from munseo.store.repository import Store


class Admitted(StrEnum):
    QUEUED = "queued"  # a new document with its job
    DUPLICATE = "duplicate"  # the same content is stored or being processed already
    FAILED = "failed"  # recorded as a failed document (``reason`` says why)


@dataclass(frozen=True)
class Admission:
    outcome: Admitted
    document_id: int | None
    reason: str | None = None
    job_id: int | None = None
    source: SourceFile | None = None  # the stored original of a queued document
    refusal: Refusal | None = None  # why a failed file was refused

    @property
    def pages(self) -> int:
        return self.source.page_count if self.source else 0


MAX_NAME = 255
_HIDDEN = {"\u200e", "\u200f", "\u061c", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def display_name(name: str) -> str:
    """A file name as given by a client, made safe to store and show: the last path component only
    (``../../x.pdf`` → ``x.pdf``, either slash), no control characters (NUL included) and no
    direction marks that would make ``gpj.exe`` read as ``exe.jpg``, NFC-normalised (Korean names
    from macOS arrive decomposed), at most 255 characters with the extension kept."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if c not in _HIDDEN and unicodedata.category(c) not in ("Cc", "Cs"))
    name = name.strip().strip(".") or "upload"
    if len(name) > MAX_NAME:
        _stem, dot, ext = name.rpartition(".")
        keep = f".{ext}" if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME - len(keep) - 1] + "…" + keep
    return name


def limits_from(settings: Settings) -> Limits:
    return Limits(settings.max_pixels, settings.max_file_bytes, settings.max_pages)


def admit(
    path: Path,
    settings: Settings,
    store: Store,
    *,
    filename: str | None = None,
    client_ref: str | None = None,
    worker: str | None = None,
) -> Admission:
    """Admit one file. ``worker`` takes the new job at once (its caller runs the stages itself);
    without it the job is queued for an executor."""
    name = display_name(filename or path.name)
    try:
        source = inspect_file(path, limits_from(settings), settings.dpi)
    except IngestError as exc:
        return _failed(path, name, exc.reason, exc.kind, store)
    same = store.documents.find_same(source.sha256, settings.job_stale_seconds)
    if same is not None:
        return Admission(Admitted.DUPLICATE, same.id)
    try:
        original = DataDir(settings.data_dir).store_original(source.path, source.sha256, source.kind.value)
    except OSError as exc:
        reason = f"the original could not be saved to the data directory ({exc})"
        return _failed(path, name, reason, Refusal.NOT_STORED, store)
    doc_id = store.documents.start(
        sha256=source.sha256,
        filename=name,
        mime=source.kind.value,
        size=source.size,
        page_count=source.page_count,
        original_path=str(original),
        client_ref=client_ref,
    )
    job_id = store.jobs.create(doc_id, JobStage.OCR, worker)  # the first stage
    # the stages read the stored copy: the caller may delete or replace the input meanwhile
    stored = SourceFile(original, source.sha256, source.size, source.kind, source.page_count)
    return Admission(Admitted.QUEUED, doc_id, job_id=job_id, source=stored)


def _failed(path: Path, filename: str, reason: str, refusal: Refusal, store: Store) -> Admission:
    try:
        size, sha = path.stat().st_size, sha256_file(path)
    except OSError:
        return Admission(Admitted.FAILED, None, reason=reason, refusal=refusal)
    doc_id = store.documents.record_failure(filename=filename, reason=reason, sha256=sha, size=size)
    return Admission(Admitted.FAILED, doc_id, reason=reason, refusal=refusal)
