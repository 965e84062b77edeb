"""Writing a user's files: atomically (temp file, fsync, rename), keeping each file's mode,
never outside the folder zotsync works in, with no temp files left by a crash."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from pathlib import Path

from zotsync.adapters import killswitch
from zotsync.errors import InputError


def _default_mode() -> int:
    """The mode a new file gets from the umask (mkstemp's temp files are 0600 whatever it is)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_NEW_FILE_MODE = _default_mode()


def inside(root: Path, path: Path) -> Path:
    """``path`` if it stays inside ``root`` once symbolic links are followed, else a clear
    error: a file committed in a pull request (a symlinked folder, a ``../`` name) must not
    make zotsync write or delete anything outside the list."""
    resolved_root = root.resolve()
    resolved = path.parent.resolve() / path.name
    if path.name in ("", ".", "..") or not resolved.is_relative_to(resolved_root):
        raise InputError(path, None, f"refused: it lies outside {root} (a symlink or '..')")
    if path.is_symlink():
        raise InputError(path, None, "refused: a symbolic link where zotsync keeps its own file")
    return path


def atomic_write(path: Path, data: bytes, *, within: Path | None = None) -> bool:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename); False if equal.

    The file keeps its mode (a new one gets the umask's); with ``within``, a path that
    leads outside that folder is refused before anything is written."""
    if within is not None:
        inside(within, path)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _remove_stale_temps(path)
    return True


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new fsynced temp file beside ``path`` (removed again on an error), with
    ``path``'s mode (or the umask's for a new file)."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            killswitch.write(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


STARTED = time.time()  # temp files older than this process are a crash's leftovers


def _remove_stale_temps(path: Path) -> None:
    """Temp files of ``path`` left by a process killed mid-write (older than this process:
    not a concurrent writer's), so that a crash leaves no litter in the user's folder."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < STARTED:
                stale.unlink()
