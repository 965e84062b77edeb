"""Ingest and render: a README and its list's canonical entries made to agree.

With the list's Markdown base (``markdown-base.txt``, committed with the entries) both
commands are one three-way reconciliation (:mod:`zotsync.core.reconcile`): what the README
changed goes into the entries, what the entries changed goes into the README, an entry
changed on both sides differently is a conflict and nothing is written.  A list from before
the base: ingest takes the README (refusing when the entries were edited after the README
was last rendered in this clone), render takes the entries; both then write the base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zotsync.adapters.caches import last_markdown, markdown_digest, remember_markdown
from zotsync.adapters.config import ListConfig
from zotsync.adapters.files import atomic_write
from zotsync.adapters.markdown_base import BASE_FILE, base_bytes, load_base
from zotsync.adapters.markdown_list import read_list, remembered_markdown, render_list
from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.app.keys import with_keys
from zotsync.core.assemble import IngestReport, build_list
from zotsync.core.document import ReadingList
from zotsync.core.escape import clean_line
from zotsync.core.reconcile import (
    README,
    Disagreement,
    MarkdownBase,
    base_of,
    known_texts,
    reconcile,
)
from zotsync.errors import ListConflicts, UserError


@dataclass(frozen=True)
class Ingested:
    reading_list: ReadingList
    report: IngestReport  # what the entries gained
    files: list[str]  # the entries' files written (or that would be)
    updated: bool  # the list existed: the report says what changed
    unread: list[int]  # lines of the Markdown with a link that are no entry
    into_readme: list[str] = field(default_factory=list)  # entries' edits the README takes
    readme_written: bool = False  # the README changed (or would)

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
    prefer: str | None = None,
    dry_run: bool = False,
    lists: Sequence[ListConfig] = (),
    direction: str = "ingest",
    write_markdown: bool = True,
) -> Ingested:
    """Reconcile ``markdown`` (its ``text``) and the entries folder, and write both (the
    Markdown only with ``write_markdown``: a file given to ingest that is not the list's
    own README is only read)."""
    prefer = README if force else prefer
    entry_markdown = remembered_markdown()
    existing = load_list(entries)[0] if (entries / "list.yaml").exists() else None
    base = load_base(entries) if existing is not None else None
    parsed = read_list(text)
    from_readme, _ = build_list(parsed, existing, known_texts(base) if base else None)
    from_readme, _ = with_keys(from_readme, name, lists)
    into_readme: list[str] = []
    agreed: MarkdownBase | None = None
    if existing is None:
        merged = from_readme
    elif base is not None and (
        lost := _emptied_side(entries, markdown, existing, from_readme, base)
    ):
        if prefer is None:
            raise UserError(lost)
        merged = from_readme if prefer == README else existing  # follow that side wholesale
    elif base is not None:
        done = reconcile(from_readme, existing, base, entry_markdown, prefer)
        if done.conflicts:
            raise ListConflicts(_conflicts_message(markdown, entries, done.conflicts))
        merged, into_readme, agreed = done.reading_list, done.from_entries, done.base
    elif direction == "render":
        merged = existing
    else:
        if prefer != README:
            _refuse_if_entries_edited(entries, markdown, text, existing)
        merged = from_readme
    new_text = render_list(merged, entry_markdown).text
    extra = {BASE_FILE: base_bytes(agreed or base_of(merged, entry_markdown))}
    if write_markdown and not dry_run and new_text != text:
        atomic_write(markdown, new_text.encode("utf-8"))  # first: see docs/architecture.md
    written = save_list(entries, merged, dry_run=dry_run, extra=extra)
    if not dry_run:
        remember_markdown(entries, new_text)
    report = _gained(existing, merged)
    unread = parsed.unread if merged is not existing else []
    return Ingested(
        merged, report, written, existing is not None, unread, into_readme, new_text != text
    )


def _emptied_side(
    entries: Path, markdown: Path, existing: ReadingList, readme: ReadingList, base: MarkdownBase
) -> str | None:
    """What to say when a side has none of the entries the two last agreed on: it lost its
    files (a sections folder gone, a README emptied by accident), and reconciling would
    remove every paper from the other side too; else None.  ``--prefer`` then names the
    side to follow as it is."""
    if not base.entries:
        return None
    for side, reading_list in ((entries, existing), (markdown, readme)):
        if not any(e.id in base.entries for _, e in reading_list.entries()):
            return (
                f"{side}: none of the {len(base.entries)} entries it had when it last agreed "
                f"with the {'README' if side == entries else 'entries'} is there (files lost?); "
                "nothing was written.  Restore it, or say which side to follow as it is with "
                "--prefer readme or --prefer entries"
            )
    return None


def _gained(before: ReadingList | None, after: ReadingList) -> IngestReport:
    """What the entries gained: added, changed (which fields), moved, unchanged, removed."""
    report = IngestReport()
    old = {e.id: (s.slug, e) for s, e in before.entries()} if before else {}
    for section, entry in after.entries():
        if entry.id not in old:
            report.added.append(entry.id)
            continue
        slug, was = old.pop(entry.id)
        changed = was.content().changed_fields(entry.content())
        if changed:
            report.changed.append((entry.id, changed))
        if slug != section.slug:
            report.moved.append((entry.id, slug, section.slug))
        if not changed and slug == section.slug:
            report.unchanged.append(entry.id)
    report.removed = list(old)
    return report


def _conflicts_message(markdown: Path, entries: Path, found: list[Disagreement]) -> str:
    lines = [
        f"{markdown} and {entries} changed {len(found)} entr{'y' if len(found) == 1 else 'ies'} "
        "differently since they last agreed; nothing was written.  Make the two say the same, "
        "or settle with `zotsync render --prefer readme` (take the README's) or "
        "`zotsync render --prefer entries` (keep the entries')"
    ]
    for conflict in found:
        if not conflict.entry_id:
            lines.append("  the frame (headings and text around the entries) changed in both")
            continue
        lines.append(f"  {conflict.entry_id}:")
        for side, text in (("README", conflict.readme), ("entries", conflict.entries)):
            shown = "(removed)" if text is None else repr(clean_line(text)[:300])
            lines.append(f"    {side:8} {shown}")
    return "\n".join(lines)


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
