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
