"""The check use case: the findings of a list, as `zotsync check` reports them and as a
first sync weighs them before it writes into a group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zotsync.core.check import Finding
    from zotsync.core.document import ReadingList


def list_findings(
    entries: Path,
    mapping: Path | None,
    loaded: tuple[ReadingList, dict[str, tuple[Path, int]]] | None = None,
    citekey: str | None = None,
) -> list[Finding]:
    """Every finding of the list in ``entries`` (already ``loaded``, or read here)."""
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.yaml_store import load_list, load_venues
    from zotsync.core.check import check_list

    reading_list, where = loaded or load_list(entries, readonly=True)
    located = {entry_id: (str(path), line) for entry_id, (path, line) in where.items()}
    from zotsync.adapters.transliteration import install
    from zotsync.core.keyformula import DEFAULT, compile_formula

    install()
    formula = compile_formula(citekey) if citekey else DEFAULT
    return check_list(
        reading_list, located, render_list(reading_list), load_venues(mapping),
        str(entries / "frame.md"), formula,
    )  # fmt: skip


def doubtful(findings: list[Finding]) -> str | None:
    """The one line that stops a first sync on error-level findings, or None."""
    errors = [finding for finding in findings if finding.level == "error"]
    if not errors:
        return None
    more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
    return (
        f"{len(errors)} field(s) that may be misread would go into the group "
        f"({errors[0]}{more}): fix them (`zotsync check` lists them), or run "
        "`zotsync sync --force` to write them as they are"
    )


def unknown_venues(findings: list[Finding], mapping: Path | None) -> list[tuple[str, str, str]]:
    """(venue, item type, comment) for each venue the mapping does not know, in the order
    the list first uses it: the lines `check --add-venues` adds to the mapping."""
    from zotsync.adapters.yaml_store import load_mapping
    from zotsync.core.mapping import journal_like

    known = load_mapping(mapping)
    seen: dict[str, tuple[int, Finding]] = {}
    for finding in findings:
        if finding.code == "unknown-venue" and finding.venue:
            count, first = seen.get(finding.venue, (0, finding))
            seen[finding.venue] = (count + 1, first)
    found = []
    for venue, (count, first) in seen.items():
        item_type = "journalArticle" if journal_like(venue) else known.unknown_venue_type
        where = " ".join(f"{first.path}:{first.line}".split())
        entries = f"{count} entr{'y' if count == 1 else 'ies'}"
        comment = f"{entries}, first {where}: add name: (the full title)"
        found.append((venue, item_type, comment))
    return found
