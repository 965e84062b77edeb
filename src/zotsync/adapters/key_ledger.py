"""``exported-keys.txt``: the citation keys of a list that have left it (kept in git).

A key is *exported* once ``zotsync export`` has written it to a file or a sync has sent it
to Zotero (where teammates cite it through Better BibTeX): from then on it never changes.
Keys never exported may be made again by the formula (``zotsync keys --rekey``).  The file
sits in the entries folder and is committed with it, so every clone knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from zotsync.adapters.files import atomic_write

LEDGER_FILE = "exported-keys.txt"
_HEADER = (
    "# Citation keys written by `zotsync export` or sent to Zotero by `zotsync sync`:\n"
    "# they never change.  One per line; zotsync adds to this file, commit it.\n"
)


def exported_keys(folder: Path) -> set[str]:
    """The keys of the list in ``folder`` that have been exported (none if no file)."""
    try:
        text = (folder / LEDGER_FILE).read_text("utf-8")
    except FileNotFoundError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


def record_exported(folder: Path, keys: Iterable[str]) -> int:
    """Add ``keys`` to the ledger (an atomic write, only when one is new); how many were."""
    known = exported_keys(folder)
    new = {key for key in keys if key} - known
    if not new:
        return 0
    lines = sorted(known | new, key=lambda k: (k.casefold(), k))
    atomic_write(folder / LEDGER_FILE, (_HEADER + "\n".join(lines) + "\n").encode("utf-8"))
    return len(new)
