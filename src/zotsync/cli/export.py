"""``export``: a section as BibTeX, BibLaTeX or CSL-JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zotsync.cli.common import config_of, echo_json, handle_errors, hold_lists, output_folder, waits
from zotsync.cli.main import main
from zotsync.errors import UserError

if TYPE_CHECKING:
    pass


@main.command()
@click.option(
    "--collection",
    "collection",
    metavar="PATH",
    help="Section path below the list's root collection, e.g. 'Research Areas/Multimodal "
    "Fusion' (sub-sections included; default: the whole list).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "biblatex", "csljson"]),
    default="bibtex",
    show_default=True,
    help="BibTeX (ASCII, LaTeX-escaped), BibLaTeX (Unicode) or CSL-JSON.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: stdout).",
)
@click.option(
    "--from",
    "source",
    type=click.Choice(["entries", "zotero"]),
    default="entries",
    show_default=True,
    help="The canonical entries (through the mapping), or the Zotero library (teammates' "
    "items not yet pulled included).",
)
@click.option("--list", "list_name", help="The list (needed only when several have PATH).")
@click.option(
    "--bibtex-url",
    type=click.Choice(["url", "note", "off"]),
    default="url",
    show_default=True,
    help="BibTeX only: URLs in `url`, in `note` as \\url{...} (for old styles), or not at all.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON (needs -o).")
@click.pass_context
@handle_errors
def export(
    ctx: click.Context,
    collection: str | None,
    fmt: str,
    output: Path | None,
    source: str,
    list_name: str | None,
    bibtex_url: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Export a section (a collection) as BibTeX, BibLaTeX or CSL-JSON.

    \b
    zotsync export --collection "Research Areas/Multimodal Fusion" -o fusion.bib
    zotsync export --list my-list --format biblatex --from zotero > list.bib

    Citation keys follow Better BibTeX's default (auth.lower + shorttitle(3,3) + year,
    a/b/... on clashes); an entry's key is generated once, stored in its YAML (written
    to Zotero's citationKey by the next sync) and never changes.  The output is sorted by
    key and the same input gives the same bytes, so a .bib in git diffs cleanly.
    """
    from zotsync.adapters.files import atomic_write
    from zotsync.app.export import ExportRequest, export_collection

    if as_json and output is None:
        raise UserError("--json reports on the file written: give -o FILE")
    if output is not None:
        output_folder(output, "-o")
    config = config_of(ctx)
    if not dry_run and source == "entries":  # new citation keys are stored in the entries
        hold_lists(ctx, None, "export")
    request = ExportRequest(
        collection=collection,
        fmt=fmt,
        source=source,
        list_name=list_name,
        bibtex_url=bibtex_url,
        dry_run=dry_run,
    )
    result = export_collection(config, request, waits())
    text, count, where, path = result.text, result.count, result.where, result.path
    notes, keys_stored, item = result.notes, result.keys_stored, result.item
    data = text.encode("utf-8")
    written = False
    if output is None:
        if not dry_run:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    elif not dry_run:
        written = atomic_write(output, data)
    report = {
        "list": item.name,
        "collection": "/".join(path),
        "from": where,
        "format": fmt,
        "entries": count,
        "output": str(output) if output else None,
        "dry_run": dry_run,
        "written": written,
        "keys_stored": keys_stored,
    }
    if as_json:
        echo_json(report)
        return
    for note in notes:
        click.echo(note, err=True)
    target = str(output) if output else "stdout"
    verb = "would write" if dry_run else ("wrote" if written or not output else "unchanged:")
    click.echo(f"{verb} {target}: {count} entries ({fmt}) from {where}", err=True)
