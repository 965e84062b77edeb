"""One zotsync at a time per list (the OS file-lock adapter).

Every command that writes a list's entries or state holds an exclusive ``flock`` on the
list's ``.zotsync-cache/lock`` for as long as it runs, so that an ``ingest`` started while a
``sync`` runs cannot have its new paper saved over by the sync (or the other way round).
A second command waits a little, then says who holds the list.  The lock is the kernel's:
it goes with the process, so a killed zotsync leaves nothing to clean up.  (On a system
without ``fcntl``, Windows, nothing is locked.)
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from zotsync.adapters.caches import CACHE_DIR
from zotsync.adapters.files import inside
from zotsync.core.escape import clean_line
from zotsync.errors import ListBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

WAIT = 10.0  # seconds a second command waits for the list before giving up


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        # Another zotsync wrote it, but the file is in the list's folder: one clean line.
        text = clean_line(os.pread(fd, 200, 0).decode("utf-8", "replace")).strip()
        if text:
            return text
    return "another zotsync process"


def _acquire(folder: Path, command: str, wait: float) -> int:
    cache = inside(folder, folder / CACHE_DIR)
    cache.mkdir(parents=True, exist_ok=True)
    path = inside(folder, cache / "lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise ListBusy(
                    f"{folder}: {holder} is changing this list; nothing was done.  Run this "
                    "again when it has ended"
                ) from None
            time.sleep(0.05)
    since = datetime.now().strftime("%H:%M:%S")
    note = f"pid {os.getpid()} (`zotsync {command}`, since {since})".encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, note, 0)
    return fd


@contextlib.contextmanager
def holding(folders: list[Path], command: str, wait: float | None = None) -> Iterator[None]:
    """Hold every list in ``folders`` (in one order, so two commands cannot deadlock)."""
    if fcntl is None:
        yield
        return
    if wait is None:  # ZOTSYNC_LOCK_WAIT: for the tests, which race two commands
        wait = float(os.environ.get("ZOTSYNC_LOCK_WAIT") or WAIT)
    held: list[int] = []
    try:
        for folder in sorted({f.resolve() for f in folders if f.is_dir()}):
            held.append(_acquire(folder, command, wait))
        yield
    finally:
        for fd in held:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # no stale holder to report
            os.close(fd)
