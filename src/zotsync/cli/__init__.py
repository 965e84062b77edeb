"""The ``zotsync`` command line (click).  Thin: each command parses its options, calls one
use case (``zotsync.app``) and prints its report; errors become one line and the exit status
README.md documents (``zotsync.cli.common.handle_errors``).

Exit status: 0 done (or nothing to do); 1 ``check`` found problems or ``render --check``
found the Markdown stale; 2 a user error (bad file, option or config), with one message;
3 sync conflicts left alone; 4 Zotero refused or kept failing; 5 the list is busy.
"""

from zotsync.cli import account, export, keys, lists, sandbox, sync  # noqa: F401  (they register)
from zotsync.cli.main import main

__all__ = ["main"]
