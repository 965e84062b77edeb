"""One error root.  Errors a user can cause carry a message that names the file and line
or the object; the CLI prints that one line and exits with the error's status, never a
traceback (see the exit codes in README.md)."""

from __future__ import annotations

from pathlib import Path


class ZotsyncError(Exception):
    """Base of every error zotsync reports to a user."""

    exit_code = 2


class UserError(ZotsyncError):
    """Bad input from the user: a file, an option, a config value.  Exit status 2."""


class InputError(UserError):
    """A problem at a place in a file: ``file:line: what is wrong``."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class ListBusy(ZotsyncError):
    """Another zotsync is changing the same list.  Exit status 5."""

    exit_code = 5


class RemoteError(ZotsyncError):
    """The server refused, or kept failing.  Exit status 4."""

    exit_code = 4


class LibraryChanged(Exception):
    """412 on a write: someone wrote to the library since the version we sent."""


class BadAnswer(Exception):
    """An answer zotsync will not act on (a redirect, a wait past the cap, too slow, too
    big); the message says what, and the caller names the request."""


class SyncFailed(ZotsyncError):
    """Objects Zotero refused for a reason re-planning cannot fix (a 400, a 403…)."""

    exit_code = 4


class DoubtfulFields(ZotsyncError):
    """A first sync would write fields `check` finds doubtful: stop until they are fixed
    or the user says ``--force``.  Exit status 2."""

    exit_code = 2


class EmptySide(ZotsyncError):
    """One side lost every paper it had at the last sync: stop until the user confirms."""

    exit_code = 2


class ListConflicts(ZotsyncError):
    """Entries the README and the YAML changed differently since they last agreed: nothing
    was written; ``--prefer readme|entries`` settles them.  Exit status 3, as for a sync's
    conflicts."""

    exit_code = 3
