"""The fault matrix's kill switch (``benchmarks/faults.py``): with ``ZOTSYNC_KILL_AT_WRITE=N``
in the environment, the Nth local file write of this process writes half its bytes, flushes
them to disk and SIGKILLs the process, as a power cut or an OOM kill would.  Unset (always, in
normal use) it costs one integer comparison per write."""

from __future__ import annotations

import os
import signal
from typing import BinaryIO

_KILL_AT = int(os.environ.get("ZOTSYNC_KILL_AT_WRITE", "0") or 0)
_writes = 0


def write(handle: BinaryIO, data: bytes) -> None:
    """``handle.write(data)``, unless this is the write the kill switch stops at."""
    global _writes
    _writes += 1
    if _KILL_AT and _writes == _KILL_AT:
        handle.write(data[: len(data) // 2])
        handle.flush()
        os.fsync(handle.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    handle.write(data)
