"""``markdown-base.txt``: the Markdown base a list folder commits with its entries (see
:mod:`zotsync.core.reconcile`), one line per entry so that two pull requests touching
different entries merge without a conflict::

    # zotsync: the README as it last agreed with these entries; commit it with them
    format 1
    frame 0123456789abcdef
    entry attention-is-all-you-need-2017 fedcba9876543210

It comes from a clone like any committed file, so it is read strictly: a line of another
shape is an error naming the file and line, and nothing is written.  A base of another
``format`` (its digests computed otherwise) counts as none: the next render or ingest
works as for a list without one and writes a new one.
"""

from __future__ import annotations

import re
from pathlib import Path

from zotsync.core.reconcile import MarkdownBase
from zotsync.errors import InputError

BASE_FILE = "markdown-base.txt"
_HEADER = "# zotsync: the README as it last agreed with these entries; commit it with them\n"
FORMAT = "1"
_LINE = re.compile(r"(frame|entry \S{1,300}) ([0-9a-f]{16})")  # ids: as the YAML checks them
_MAX_BYTES = 20_000_000  # 100,000 entries take 5 MB


def load_base(folder: Path) -> MarkdownBase | None:
    """The folder's Markdown base, or None when it has none (a list from before it)."""
    path = folder / BASE_FILE
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise InputError(path, None, f"over {_MAX_BYTES:,} bytes: not a Markdown base")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text: not a Markdown base") from None
    frame: str | None = None
    entries: dict[str, str] = {}
    form: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("format "):
            form = line.removeprefix("format ").strip()
            continue
        found = _LINE.fullmatch(line)
        if found is None:
            raise InputError(path, number, "expected `frame DIGEST` or `entry ID DIGEST`")
        what, value = found.groups()
        if what == "frame":
            frame = value
        else:
            entries[what.removeprefix("entry ")] = value
    if form != FORMAT:
        return None  # digests of another kind: no base to compare with
    if frame is None:
        raise InputError(path, None, "no `frame DIGEST` line")
    return MarkdownBase(entries, frame)


def base_bytes(base: MarkdownBase) -> bytes:
    lines = [_HEADER, f"format {FORMAT}\n", f"frame {base.frame}\n"]
    lines += [f"entry {entry_id} {value}\n" for entry_id, value in sorted(base.entries.items())]
    return "".join(lines).encode("utf-8")
