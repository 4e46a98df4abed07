"""Worker processes that end with the process that started them.

A process killed by SIGTERM or SIGKILL runs none of its own clean-up, so the pools it started are
never shut down. Their spawned workers would go on with the work already queued to them (OCR pages,
synthetic documents), then wait for more forever. A pool's initializer calls ``exit_with_parent``
so that each worker notices its parent is gone, whatever ended it, and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait

ORPHANED_EXIT_CODE = 1


def exit_with_parent() -> None:
    """In a worker process: exit as soon as the parent process has ended. No-op in a main process."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), name="munseo-parent-watch", daemon=True).start()


def _exit_when_ready(sentinel: int) -> None:
    wait([sentinel])
    os._exit(ORPHANED_EXIT_CODE)
