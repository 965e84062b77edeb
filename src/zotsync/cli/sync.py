"""``sync`` and ``status``: the plan and the report, as lines a user reads (or JSON)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zotsync.cli.common import (
    CUT,
    config_of,
    cut,
    echo_json,
    handle_errors,
    hold_lists,
    output_folder,
    waits,
)
from zotsync.cli.main import main

if TYPE_CHECKING:
    from zotsync.app.summary import ListSync
    from zotsync.sync.actions import Conflict, LocalChange, Plan
    from zotsync.sync.engine import SyncReport
    from zotsync.sync.merge import Prefer

_ACTION_WORDS = {
    "create collection": "collections to create",
    "update collection": "collections to update",
    "create item": "items to create",
    "update item": "items to update",
    "adopt item": "items to adopt (already in the group)",
    "link link": "links to attach",
    "relink item": "links to update",
    "unlink item": "links to remove (trash)",
    "release item": "items to take out of the list's collections (kept)",
    "trash item": "items to move to the trash (--prune)",
    "forget item": "entries to forget (their items are gone)",
}


def _plan_lines(plan: Plan, limit: int | None = CUT) -> list[str]:
    lines = []
    for name, count in sorted(plan.counts().items()):
        lines.append(f"  {count:5d} {_ACTION_WORDS.get(name, name)}")
        shown = [
            f"          {w.summary or w.key}"
            for w in plan.writes
            if w.sends and f"{w.action} {w.kind if w.action != 'link' else 'link'}" == name
        ]
        lines += cut(shown, limit, indent="          ")
    return lines


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing, here or in Zotero.")
@click.option(
    "--prune", is_flag=True, help="Move items of entries removed from the list to the Zotero trash."
)
@click.option(
    "--prefer",
    type=click.Choice(["list", "zotero"]),
    help="Resolve conflicts (a field changed differently on both sides) this way.",
)
@click.option(
    "--settle",
    "settle",
    multiple=True,
    metavar="ENTRY[.FIELD]=list|zotero",
    help="Settle one entry's conflicts (or one field's: title, links.code…) this way; "
    "repeat for more.  Others are left alone, or go --prefer's way.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Go on when one side has lost every paper it had (otherwise the sync stops).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Let a first sync write fields `zotsync check` reports as errors (read wrong?).",
)
@click.option(
    "--verbose", is_flag=True, help=f"Every line of the plan and report (else {CUT} of a kind)."
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the sync as Markdown (a pull request's body) to FILE; on GitHub Actions it "
    "goes to the job's step summary by default.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
@handle_errors
def sync(
    ctx: click.Context,
    list_name: str | None,
    dry_run: bool,
    prune: bool,
    prefer: str | None,
    settle: tuple[str, ...],
    allow_empty: bool,
    force: bool,
    verbose: bool,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Sync each list with its Zotero library (the sandbox, or a group), both ways.

    \b
    zotsync sync --dry-run        # what would be written, grouped and counted
    zotsync sync                  # write it; a second run has nothing to do

    A collection per section under the list's root collection, an item per entry in
    its section's collection, its extra links as linked-URL attachments.  Items already
    in the group are adopted (by arXiv id, DOI, URL, title + year), not duplicated.
    A first sync stops, writing nothing, while `zotsync check` reports errors (fields
    it may have read wrong); fix them, or --force.
    """
    from zotsync.app.summary import ListSync
    from zotsync.app.sync import SyncOptions, report_json, sync_lists
    from zotsync.app.targets import Sandboxes
    from zotsync.sync.merge import Prefer

    config = config_of(ctx)
    if summary_path is not None:
        output_folder(summary_path, "--summary")
    if not dry_run:
        hold_lists(ctx, None, "sync")
    options = SyncOptions(
        list_name=list_name,
        dry_run=dry_run,
        prune=prune,
        prefer=Prefer(prefer) if prefer else None,
        settle=settle_options(settle),
        allow_empty=allow_empty,
        force=force,
    )
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    show = not as_json and not dry_run and sys.stderr.isatty()

    @contextlib.contextmanager
    def progress(total: int) -> Iterator[Callable[[int], None]]:
        with click.progressbar(
            length=total, label="syncing", file=sys.stderr, hidden=not show
        ) as bar:
            yield bar.update

    try:
        outcome = sync_lists(config, options, sandboxes, progress=progress, notify=waits())
    finally:
        sandboxes.stop()
    for doubt in outcome.doubts:
        click.echo(f"zotsync: a real sync would stop: {doubt}", err=True)
    if not as_json:
        for note in outcome.readme:
            click.echo(note)
    told = [
        ListSync(
            r.name,
            r.where,
            done_words(r.report, dry_run) if r.report else [],
            r.report.plan if r.report else None,
            dry_run,
        )
        for r in outcome.lists
    ]
    _write_summary(summary_path, told)
    reports = [report_json(r, dry_run) for r in outcome.lists]
    if as_json:
        echo_json(reports if len(reports) > 1 else reports[0])
    elif outcome.quick:
        nothing = "plan\n  nothing to do" if dry_run else "nothing to do"
        for r in outcome.lists:
            click.echo(f"{r.name} -> {r.where}: {nothing}")
        for library, requests in outcome.requests.items():
            click.echo(f"{library}: {requests} request(s)")
    else:
        for library, requests in outcome.requests.items():  # each library, then its lists
            for r in outcome.lists:
                if r.where == library and r.report is not None:
                    _echo_sync(r.name, r.where, r.report, dry_run, None if verbose else CUT)
            click.echo(f"{library}: {requests} request(s)")
    if outcome.conflicts:
        sys.exit(3)  # conflicts were left alone: CI must notice


def _write_summary(path: Path | None, told: list[ListSync]) -> None:
    """The sync as Markdown: into ``--summary FILE``, else appended to GitHub's step summary
    when the job runs on Actions (``$GITHUB_STEP_SUMMARY``)."""
    from zotsync.adapters.files import atomic_write
    from zotsync.app.summary import sync_summary

    text = sync_summary(told)
    if path is not None:
        atomic_write(path, text.encode("utf-8"))
    elif os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            handle.write(text + "\n")


def _echo_sync(
    name: str, where: str, report: SyncReport, dry_run: bool, limit: int | None = CUT
) -> None:
    plan = report.plan
    if dry_run:
        click.echo(f"{name} -> {where}: plan")
        click.echo("\n".join(_plan_lines(plan, limit)) or "  nothing to do")
    else:
        done = ", ".join(done_words(report))
        click.echo(f"{name} -> {where}: " + (done or "nothing to do"))
    kinds: dict[str, list[str]] = {}
    for kind, line in _report_lines(plan, dry_run):
        kinds.setdefault(kind, []).append(line)
    for lines in kinds.values():
        for line in cut(lines, limit):
            click.echo(line)


def _change_line(change: LocalChange) -> str:
    from zotsync.sync.actions import Change

    section = " / ".join(change.section or ())
    if change.action is Change.ADD:
        by = f" by {change.added_by}" if change.added_by else ""
        return f"  added     {change.entry_id} to {section} (filed in Zotero{by})"
    if change.action is Change.MOVE:
        return f"  moved     {change.entry_id} to {section} (in Zotero)"
    if change.action is Change.COPY:
        return f"  also in   {section}: {change.entry_id} (filed in that collection too, in Zotero)"
    if change.action is Change.DROP:
        return (
            f"  dropped   {change.entry_id} from {section} "
            "(taken out of that collection in Zotero; it stays in the others)"
        )
    if change.action is Change.REMOVE:
        return f"  removed   {change.entry_id} (deleted in Zotero; --prune)"
    if change.action is Change.RESECTION:
        to = " / ".join(change.to or ())
        return f"  section   {section} -> {to} (renamed or moved in Zotero)"
    return f"  section   {section} (a collection made in Zotero)"


def settle_hint(conflict: Conflict) -> str:
    """How to settle this conflict alone (a section's has no entry: --prefer)."""
    if not conflict.entry_id:
        return "settle it with --prefer list or --prefer zotero"
    name = f"{conflict.entry_id}.{conflict.field}"
    return f"keep one side with --settle {name}=list or --settle {name}=zotero"


def settle_options(values: tuple[str, ...]) -> dict[str, Prefer]:
    """``--settle ENTRY[.FIELD]=list|zotero`` options, checked."""
    from zotsync.sync.merge import Prefer

    found: dict[str, Prefer] = {}
    for value in values:
        target, _, way = value.rpartition("=")
        if not target or way not in ("list", "zotero"):
            raise click.BadParameter(
                f"{value!r}: write ENTRY=list, ENTRY=zotero or ENTRY.FIELD=list "
                "(the entry and field a conflict line names)",
                param_hint="--settle",
            )
        found[target] = Prefer(way)
    return found


def _by(who: str) -> str:
    return f" by {who}" if who else ""


def _report_lines(plan: Plan, dry_run: bool) -> list[tuple[str, str]]:
    """(kind, line) of everything the sync found and did beyond its writes."""
    from zotsync.sync.actions import Change

    lines = [
        ("adopted", f"  adopted   {entry_id} (item {key}, already in the group)")
        for entry_id, key in plan.adopted
    ]
    lines += [
        (
            "conflict",
            f"  conflict  {c.entry_id}.{c.field}: list {c.list_value!r}, Zotero "
            f"{c.zotero_value!r}, base {c.base_value!r} (left alone; {settle_hint(c)})",
        )
        for c in plan.conflicts
    ]
    lines += [
        (change.action.value, _change_line(change))
        for change in plan.local
        if change.action is not Change.UPDATE
    ]
    pulled: dict[str, list[str]] = {}
    for entry_id, field_name in plan.pulls:
        pulled.setdefault(entry_id, []).append(field_name)
    verb = "would pull" if dry_run else "pulled"
    lines += [
        ("pulled", f"  {verb:9} {entry_id}: {', '.join(names)} (edited in Zotero)")
        for entry_id, names in pulled.items()
    ]
    lines += [
        ("left", f"  left      {e}: taken out of the list's collections in Zotero (kept)")
        for e in plan.left
    ]
    lines += [
        ("gone", f"  gone      {e}: its item was deleted or trashed in Zotero (entry kept)")
        for e in plan.gone_remotely
    ]
    lines += [
        (
            "duplicate",
            f"  duplicate {d.entry_id}: item {d.key} filed in Zotero{_by(d.added_by)} is this "
            f"paper ({d.why}); not added again (merge the two items in Zotero)",
        )
        for d in plan.duplicates
    ]
    lines += [
        ("refused", f"  refused   {what}" if not e else f"  refused   {e}: {what}")
        for e, what in plan.refused
    ]
    return lines


def done_words(report: SyncReport, dry_run: bool = False) -> list[str]:
    """'12 collections created, 115 items created, 40 links attached': each count says what
    it counts (the writes by kind, then what changed in the list; a plan's, planned)."""
    if dry_run:
        counts = report.plan.counts()
        return [f"{n} {_ACTION_WORDS.get(name, name)}" for name, n in sorted(counts.items())]
    words = []
    for what, n in sorted(report.kinds.items()):
        action, _, kind = what.partition(" ")
        if action in ("link", "relink", "unlink"):  # attachments: the verb says it
            words.append(f"{n} {_DONE_WORDS.get(action, action)}")
        else:
            noun = {"collection": "collection", "item": "item"}[kind] + ("s" if n != 1 else "")
            words.append(f"{n} {noun} {_DONE_WORDS.get(action, action)}")
    local = {a: n for a, n in report.written.items() if a.endswith(" in the list")}
    words += [f"{n} {_DONE_WORDS.get(a, a)}" for a, n in sorted(local.items())]
    return words


_DONE_WORDS = {
    "create": "created",
    "update": "updated",
    "adopt": "adopted",
    "link": "links attached",
    "relink": "links updated",
    "unlink": "links removed",
    "release": "released",
    "trash": "trashed",
    "add": "marked as the list's",
    "update in the list": "entries updated from Zotero",
    "add in the list": "entries added from Zotero",
    "move in the list": "entries moved as in Zotero",
    "copy in the list": "entries filed in one more section as in Zotero",
    "drop in the list": "entries taken out of a section as in Zotero",
    "remove in the list": "entries removed (--prune)",
    "section in the list": "sections added from Zotero",
    "resection in the list": "sections renamed or moved as in Zotero",
}


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable status.")
@click.pass_context
@handle_errors
def status(ctx: click.Context, list_name: str | None, as_json: bool) -> None:
    """Show each list and its library: collections with entry and item counts, what is on
    one side only, teammates' changes since the last sync, conflicts, the README's state.

    \b
    zotsync status
    zotsync status --list my-list --json

    It writes nothing, here or in Zotero; when nothing changed since a clean sync it costs
    one request.
    """
    from zotsync.app.status import status_of
    from zotsync.app.targets import Sandboxes, resolve

    config = config_of(ctx)
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    found = []
    try:
        for item in config.select(list_name):
            target = resolve(item, config.path.parent, sandboxes)
            found.append(status_of(item, target, waits()))
    finally:
        sandboxes.stop()
    if as_json:
        echo_json(found if len(found) > 1 else found[0])
        return
    from zotsync.app.status import status_lines

    for report in found:
        click.echo("\n".join(status_lines(report["list"], report["library"], report)))
        click.echo(f"  {report['requests']} request(s)")
