"""The watched inbox folder: files that appear in it are admitted like uploads, then moved aside.

A file counts as arrived once its size and modification time have stayed the same for
``settle_seconds`` (a scanner or a copy may still be writing it); hidden files and names of partial
downloads (``.part``, ``.tmp`` …) are left alone. Every other file is taken, whatever its name: one
that is not a document munseo reads is refused by admission and moved to ``failed/`` with the
reason. Sub-folders of the inbox map to a ``client_ref`` (the first folder below the inbox). When
its document is done, a file is moved to ``done/`` or to ``failed/`` with a ``NAME.reason.txt``
beside it, keeping its sub-folder; with ``keep`` it stays where it is and is remembered for as long
as the process runs. Nothing is ever deleted: a name already taken in ``done/`` or ``failed/`` gets
a number. A restart finds every file still in the inbox again; one that was admitted before is a
duplicate of its document, and moved.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from munseo.admission import Admitted, admit
from munseo.config import Settings
from munseo.store.repository import Store

log = logging.getLogger(__name__)
REASON_SUFFIX = ".reason.txt"
# names of files still being written by common tools: never taken in
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download")


@dataclass(frozen=True)
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time this size and mtime were first seen


@dataclass
class Inbox:
    folder: Path
    done: Path | None = None  # default: FOLDER/done
    failed: Path | None = None  # default: FOLDER/failed
    keep: bool = False
    settle_seconds: float = 2.0
    _seen: dict[Path, _Seen] = field(default_factory=dict)
    _kept: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"the inbox {self.folder} is not a folder")
        self.done = Path(self.done) if self.done else self.folder / "done"
        self.failed = Path(self.failed) if self.failed else self.folder / "failed"

    def _candidates(self) -> list[Path]:
        skip = [p.resolve() for p in (self.done, self.failed) if p is not None]
        found = []
        for root, dirs, files in os.walk(self.folder):
            here = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skip)
            found.extend(
                here / name
                for name in sorted(files)
                if not name.startswith((".", "~")) and not name.lower().endswith(_PARTIAL_SUFFIXES)
            )
        return found

    def ready(self, now: float | None = None) -> list[Path]:
        """Files whose size and modification time have not changed for ``settle_seconds``."""
        now = time.monotonic() if now is None else now
        ready = []
        present = set()
        for path in self._candidates():
            try:
                stat = path.stat()
            except OSError:  # moved or deleted meanwhile
                continue
            present.add(path)
            key = (stat.st_size, stat.st_mtime_ns)
            if self._kept.get(path) == key:
                continue
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != key:
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            elif now - seen.since >= self.settle_seconds:
                ready.append(path)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready

    @property
    def pending(self) -> bool:
        """Files have been seen that are not ready yet (still settling)."""
        return bool(self._seen)

    def client_ref(self, path: Path) -> str | None:
        """The first sub-folder below the inbox, if the file is in one."""
        parts = path.relative_to(self.folder).parts
        return parts[0] if len(parts) > 1 else None

    def settle(self, path: Path, reason: str | None = None) -> Path:
        """Move a handled file to ``done/`` (``reason`` None) or ``failed/`` (with the reason beside
        it), or remember it when files are kept. Returns where the file is now."""
        self._seen.pop(path, None)
        if self.keep:
            stat = path.stat()
            self._kept[path] = (stat.st_size, stat.st_mtime_ns)
            return path
        target_root = self.done if reason is None else self.failed
        assert target_root is not None
        target = _free_name(target_root / path.relative_to(self.folder))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        if reason is not None:
            target.with_name(target.name + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
        return target


def _free_name(path: Path) -> Path:
    """``path``, or ``stem (2).ext``, ``stem (3).ext`` … if it is taken."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


class InboxWatcher:
    """``munseo serve --watch``: a thread that admits the inbox's files for the server's executor
    (``notify`` wakes it) and moves each file once its document is processed or has failed."""

    def __init__(
        self, inbox: Inbox, settings: Settings, store: Store, notify: Callable[[], None], poll_seconds: float = 1.0
    ) -> None:
        self.inbox, self.settings, self.store, self.notify = inbox, settings, store, notify
        self.poll_seconds = poll_seconds
        self._admitted: dict[int, Path] = {}  # document → the inbox file it came from
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="munseo-inbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.scan()
            except Exception:  # the inbox must keep being watched, whatever one scan met
                log.exception("scan of the inbox %s failed", self.inbox.folder)

    def scan(self) -> None:
        """One pass: admit what is ready, move what is finished."""
        admitted = False
        for path in self.inbox.ready():
            if path in self._admitted.values():
                continue
            admission = admit(path, self.settings, self.store, client_ref=self.inbox.client_ref(path))
            if admission.outcome is Admitted.QUEUED and admission.document_id is not None:
                self._admitted[admission.document_id] = path
                admitted = True
            else:
                self.inbox.settle(path, admission.reason if admission.outcome is Admitted.FAILED else None)
                log.info("inbox: %s %s", path.name, admission.outcome.value)
        if admitted:
            self.notify()
        if not self._admitted:
            return
        finished = self.store.documents.finished(list(self._admitted))
        for doc_id, reason in finished.items():
            path = self._admitted.pop(doc_id)
            self.inbox.settle(path, reason)
            log.info("inbox: %s → document %s (%s)", path.name, doc_id, "failed" if reason else "done")
