"""The ingest use case: a README read into a list's canonical entries.

The Markdown is the truth for the fields it shows; when the entries were edited after it
was last rendered (its digest is remembered at every render and ingest), taking it would
undo those edits, so ingest refuses unless forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zotsync.adapters.caches import last_markdown, markdown_digest, remember_markdown
from zotsync.adapters.config import ListConfig
from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.app.keys import with_keys
from zotsync.core.assemble import IngestReport, build_list
from zotsync.core.document import ReadingList
from zotsync.errors import UserError


@dataclass(frozen=True)
class Ingested:
    reading_list: ReadingList
    report: IngestReport
    files: list[str]  # the files written (or that would be)
    updated: bool  # the list existed: the report says what changed
    unread: list[int]  # lines of the Markdown with a link that are no entry

    @property
    def total(self) -> int:
        return sum(len(s.entries) for s in self.reading_list.sections)


def ingest_markdown(
    name: str,
    entries: Path,
    markdown: Path,
    text: str,
    *,
    force: bool = False,
    dry_run: bool = False,
    lists: Sequence[ListConfig] = (),
) -> Ingested:
    existing = None
    if (entries / "list.yaml").exists():
        existing, _ = load_list(entries)
        if not force:
            _refuse_if_entries_edited(entries, markdown, text, existing)
    parsed = read_list(text)
    reading_list, report = build_list(parsed, existing)
    reading_list, _ = with_keys(reading_list, name, lists)
    written = save_list(entries, reading_list, dry_run=dry_run)
    if not dry_run:
        remember_markdown(entries, text)
    return Ingested(reading_list, report, written, existing is not None, parsed.unread)


def _refuse_if_entries_edited(
    entries: Path, markdown: Path, text: str, existing: ReadingList
) -> None:
    current = render_list(existing).text
    last = last_markdown(entries)
    if text != current and last not in (None, markdown_digest(current)):
        raise UserError(
            f"{entries}: the entries were edited after {markdown} was last "
            f"rendered; ingesting it would undo those edits.  Run `zotsync render` "
            "first (then edit the Markdown again), or give --force to take "
            f"{markdown} as it is"
        )
