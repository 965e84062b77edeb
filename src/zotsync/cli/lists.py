"""The list's own files: ``init``, ``ingest`` (README -> entries), ``render`` (entries ->
README), ``check`` (the lint)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zotsync.cli.common import (
    echo_json,
    handle_errors,
    hold_lists,
    list_files,
    output_folder,
    project_lists,
    read_markdown,
)
from zotsync.cli.main import main
from zotsync.core.reconcile import ENTRIES, README
from zotsync.errors import UserError

if TYPE_CHECKING:
    from zotsync.core.check import Finding


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing zotsync.yaml.")
@handle_errors
def init(force: bool) -> None:
    """Write a starter zotsync.yaml in the current folder."""
    from zotsync.adapters.config import CONFIG_NAME, STARTER
    from zotsync.adapters.files import atomic_write

    path = Path(CONFIG_NAME)
    if path.exists() and not force:
        raise UserError(f"{path} exists already (use --force to overwrite it)")
    atomic_write(path, STARTER.encode())
    click.echo(f"wrote {path}: edit the list name, paths and collection")
    mapping = Path("mappings", "default.yaml")
    if not mapping.exists():  # the starter config names it: a copy of the built-in one
        from importlib import resources

        mapping.parent.mkdir(exist_ok=True)
        atomic_write(
            mapping, resources.files("zotsync").joinpath("data/default-mapping.yaml").read_bytes()
        )
        click.echo(f"wrote {mapping}: add the venues your list uses")
    click.echo("then: zotsync ingest  (reads the list's `markdown` into its `entries`)")


@main.command()
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option(
    "--entries",
    type=click.Path(path_type=Path, file_okay=False),
    help="Entries folder to create or update.",
)
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Take the Markdown as it is, over any edit of the entries (--prefer readme).",
)
@click.option(
    "--prefer",
    type=click.Choice([README, ENTRIES]),
    help="Settle entries the README and the YAML changed differently this way.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
@handle_errors
def ingest(
    ctx: click.Context,
    source: Path | None,
    entries: Path | None,
    list_name: str | None,
    dry_run: bool,
    force: bool,
    prefer: str | None,
    as_json: bool,
) -> None:
    """Read a Markdown list into canonical entries (create or update).

    \b
    zotsync ingest README.md --entries entries/my-list
    zotsync ingest                # every list of zotsync.yaml, from its `markdown`

    Entries are matched to existing ones by identity (arXiv id, DOI, OpenReview id,
    URL, title + year): their ids stay, and the report says what was added, changed,
    moved, left alone and removed.  It is a reconciliation against the list's
    markdown-base.txt (what the two said when they last agreed): the README's edits go
    into the entries, the entries' own edits go into the README, never undone; an entry
    edited on both sides differently stops it (exit 3) until --prefer settles it.
    """
    from zotsync.app.ingest import ingest_markdown

    if source is not None and entries is None and list_name is None:
        raise UserError("give --entries DIR (or --list NAME) to say where the entries go")
    targets = list_files(ctx, entries, list_name)
    if not dry_run:
        hold_lists(ctx, entries, "ingest")
    reports = []
    for target in targets:
        markdown = source or target.markdown
        if markdown is None:
            raise UserError(f"list {target.name!r} has no `markdown` file to ingest")
        text = read_markdown(markdown)
        ingested = ingest_markdown(
            target.name,
            target.entries,
            markdown,
            text,
            force=force,
            prefer=prefer,
            dry_run=dry_run,
            lists=project_lists(ctx),
            write_markdown=_is_own_markdown(markdown, target.markdown),
        )
        report, written, total = ingested.report, ingested.files, ingested.total
        summary = {
            "list": target.name,
            "source": str(markdown),
            "entries": str(target.entries),
            "dry_run": dry_run,
            "total": total,
            "added": report.added,
            "changed": [{"id": i, "fields": f} for i, f in report.changed],
            "moved": [{"id": i, "from": a, "to": b} for i, a, b in report.moved],
            "unchanged": len(report.unchanged),
            "removed": report.removed,
            "files": written,
            "into_readme": ingested.into_readme,  # the entries' edits the README takes (or lacks)
            "unread_lines": ingested.unread,
        }
        reports.append(summary)
        if as_json:
            continue
        verb = "would write" if dry_run else "wrote"
        click.echo(
            f"{markdown} -> {target.entries}: {total} entries; {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.moved)} moved, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
        )
        if ingested.updated:
            for entry_id in report.added:
                click.echo(f"  added     {entry_id}")
            for entry_id, fields in report.changed:
                click.echo(f"  changed   {entry_id}: {', '.join(fields)}")
            for entry_id, before, after in report.moved:
                click.echo(f"  moved     {entry_id}: {before} -> {after}")
            for entry_id in report.removed:
                click.echo(f"  removed   {entry_id}")
        if ingested.into_readme and _is_own_markdown(markdown, target.markdown):
            into = "would write" if dry_run else "wrote"
            click.echo(
                f"  {into} {len(ingested.into_readme)} edit(s) of the entries into {markdown}"
            )
        elif ingested.into_readme:
            click.echo(
                f"  kept {len(ingested.into_readme)} edit(s) of the entries that {markdown} "
                f"lacks (run `zotsync render -o {markdown}` to write them into it)"
            )
        if ingested.unread:
            click.echo("  " + _unread_words(markdown, ingested.unread))
        click.echo(f"  {verb} {len(written)} file(s)" if written else "  files up to date")
    if as_json:
        echo_json(reports if len(reports) > 1 else reports[0])


def _is_own_markdown(markdown: Path, own: Path | None) -> bool:
    """Whether ingest reads the list's own README (which it then brings up to date)."""
    return own is not None and markdown.resolve() == own.resolve()


def _unread_words(markdown: Path, lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:8]) + (", …" if len(lines) > 8 else "")
    return (
        f"not read as entries: {len(lines)} line(s) with a link, {markdown}:{shown} (kept "
        "as they are: no paper, or a style zotsync does not read yet)"
    )


@main.command()
@click.option(
    "--entries", type=click.Path(path_type=Path, file_okay=False), help="Entries folder to render."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Markdown file to write (default: the list's `markdown`, else stdout).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if the Markdown file is stale.",
)
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option("--dry-run", is_flag=True, help="Say whether the file would change; write nothing.")
@click.option(
    "--prefer",
    type=click.Choice([README, ENTRIES]),
    help="Settle entries the README and the YAML changed differently this way.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
@handle_errors
def render(
    ctx: click.Context,
    entries: Path | None,
    output: Path | None,
    check_only: bool,
    list_name: str | None,
    dry_run: bool,
    prefer: str | None,
    as_json: bool,
) -> None:
    """Write the Markdown list from the canonical entries.

    \b
    zotsync render --entries entries/my-list -o README.md
    zotsync render --check        # CI: exit 1 if a list's README is not current

    Only the lines of entries that changed are rewritten; new entries are written in
    the style of their section.  Rendering the list's own README is a reconciliation:
    entries edited there since the two last agreed (markdown-base.txt) are taken into
    the YAML first, never discarded; one edited on both sides differently stops it
    (exit 3) until --prefer settles it.
    """
    from zotsync.adapters.caches import remember_markdown
    from zotsync.adapters.files import atomic_write
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.yaml_store import load_list

    results: list[dict[str, object]] = []
    stale_any = False
    targets = list_files(ctx, entries, list_name)
    if not (check_only or dry_run):
        hold_lists(ctx, entries, "render")
    for target in targets:
        out_path = output or target.markdown
        if _reconciles(target.markdown, out_path, target.entries):
            assert out_path is not None
            reconciled = _render_reconciled(
                ctx, target.name, target.entries, out_path, prefer, check_only or dry_run, as_json
            )
            stale_any = stale_any or bool(reconciled["stale"])
            results.append(reconciled)
            continue
        reading_list, _ = load_list(target.entries)
        text = render_list(reading_list).text
        data = text.encode("utf-8")
        if out_path is None:
            if check_only:
                raise UserError("--check needs the Markdown file: give -o FILE")
            if not as_json:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            results.append({"list": target.name, "output": None, "stale": None})
            continue
        output_folder(out_path, "-o" if output else f"list {target.name!r}: markdown")
        try:
            current = out_path.read_bytes()
        except FileNotFoundError:
            current = None
        stale = current != data
        stale_any = stale_any or stale
        result: dict[str, object] = {"list": target.name, "output": str(out_path), "stale": stale}
        if check_only or dry_run:
            if not as_json:
                if not stale:
                    click.echo(f"{out_path} is up to date")
                elif current is None:
                    click.echo(f"{out_path} does not exist: run `zotsync render`")
                else:
                    line = _first_difference(current, data)
                    click.echo(
                        f"{out_path} is stale (first difference at line {line}): "
                        "run `zotsync render`"
                    )
        else:
            if stale:
                atomic_write(out_path, data)
            remember_markdown(target.entries, text)
            result["written"] = stale
            if not as_json:
                click.echo(f"wrote {out_path}" if stale else f"{out_path} is up to date")
        results.append(result)
    if as_json:
        echo_json(results if len(results) > 1 else results[0])
    if check_only and stale_any:
        sys.exit(1)


def _reconciles(markdown: Path | None, out_path: Path | None, entries: Path) -> bool:
    """Whether render writes the list's own README (which may hold edits of its own)."""
    if markdown is None or out_path is None or not out_path.exists():
        return False
    return out_path.resolve() == markdown.resolve() and (entries / "list.yaml").exists()


def _render_reconciled(
    ctx: click.Context,
    name: str,
    entries: Path,
    markdown: Path,
    prefer: str | None,
    dry_run: bool,
    as_json: bool,
) -> dict[str, object]:
    from zotsync.adapters.markdown_base import BASE_FILE
    from zotsync.app.ingest import ingest_markdown

    done = ingest_markdown(
        name,
        entries,
        markdown,
        read_markdown(markdown),
        prefer=prefer,
        dry_run=dry_run,
        lists=project_lists(ctx),
        direction="render",
    )
    taken = done.report.edited
    # the base alone is bookkeeping (a list from before it gets one): nothing out of step
    stale = done.readme_written or any(f != BASE_FILE for f in done.files)
    result: dict[str, object] = {
        "list": name,
        "output": str(markdown),
        "stale": stale,
        "from_readme": taken,
        "into_readme": done.into_readme,
        "files": done.files,
    }
    if not dry_run:
        result["written"] = stale
    if as_json:
        return result
    if taken:
        verb = "would take" if dry_run else "took"
        click.echo(
            f"{verb} {len(taken)} README edit(s) into {entries}: {', '.join(taken[:5])}"
            + (" …" if len(taken) > 5 else "")
        )
    if not stale:
        click.echo(f"{markdown} is up to date")
    elif dry_run:
        click.echo(f"{markdown} is stale (it and {entries} are out of step): run `zotsync render`")
    else:
        click.echo(f"wrote {markdown}" if done.readme_written else f"{markdown} is up to date")
    return result


def _first_difference(old: bytes, new: bytes) -> int:
    for n, (a, b) in enumerate(zip(old.splitlines(), new.splitlines(), strict=False), start=1):
        if a != b:
            return n
    return min(old.count(b"\n"), new.count(b"\n")) + 1


@main.command()
@click.option(
    "--entries", type=click.Path(path_type=Path, file_okay=False), help="Entries folder to check."
)
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Mapping file with the known venues (default: the list's, else built-in).",
)
@click.option(
    "--add-venues",
    is_flag=True,
    help="Add the venues the mapping does not know to the list's mapping file (to fill in).",
)
@click.option("--dry-run", is_flag=True, help="With --add-venues: print the lines, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable findings.")
@click.pass_context
@handle_errors
def check(
    ctx: click.Context,
    entries: Path | None,
    list_name: str | None,
    mapping: Path | None,
    add_venues: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Lint the canonical list; exit 1 with `file:line` per finding.

    \b
    zotsync check --entries entries/my-list
    zotsync check                 # every list of zotsync.yaml

    Finds empty, malformed and protocol-relative URLs, bad arXiv ids, mojibake,
    papers listed twice, unknown venues, placeholder text, citation-key collisions, and
    fields zotsync may have read wrong (a title that is only a tag, a venue that is markup
    or names people, an author that is no one name, a URL scheme such as htp://): those are
    errors (level "error" in --json), on which a first sync stops.

    --add-venues appends each unknown venue to the list's mapping file as a line
    `Venue: {type: conferencePaper}` (journalArticle for a journal's name) with a comment
    naming the first entry; fill in `name:` (the full proceedings or journal title).
    """
    from zotsync.app.lint import list_findings

    findings: list[tuple[str, Finding]] = []
    for target in list_files(ctx, entries, list_name):
        venues = mapping or target.mapping
        new_file = add_venues and venues is not None and not venues.exists()
        found = list_findings(target.entries, None if new_file else venues, citekey=target.citekey)
        if add_venues and any(f.code == "unknown-venue" for f in found):
            _add_venues(found, venues, dry_run)
            if not dry_run:
                found = list_findings(target.entries, venues, citekey=target.citekey)
        findings.extend((target.name, finding) for finding in found)
    if as_json:
        echo_json([{"list": name, **finding.as_dict()} for name, finding in findings])
    else:
        for _, finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(findings)} finding(s)", err=True)
    if any(finding.level != "info" for _, finding in findings):
        sys.exit(1)


def _add_venues(found: list[Finding], mapping: Path | None, dry_run: bool) -> None:
    from zotsync.adapters.files import atomic_write
    from zotsync.adapters.yaml_store import with_venues
    from zotsync.app.lint import unknown_venues

    if mapping is None:
        raise UserError(
            "--add-venues: the list uses the built-in mapping; name a file to write with "
            "--mapping FILE (it starts as a copy of the built-in one) or `mapping:` in "
            "zotsync.yaml"
        )
    venues = unknown_venues(found, mapping if mapping.exists() else None)
    text = with_venues(mapping if mapping.exists() else None, venues)
    if dry_run:
        for venue, item_type, comment in venues:
            click.echo(f"would add to {mapping}: {venue}: {{type: {item_type}}}  # {comment}")
        return
    atomic_write(mapping, text)
    click.echo(f"added {len(venues)} venue(s) to {mapping}: fill in their names", err=True)
