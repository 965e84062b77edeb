"""``keys``: the lists' citation keys against the project's formula; ``--rekey`` remakes
the keys that were never exported."""

from __future__ import annotations

import click

from zotsync.cli.common import config_of, echo_json, handle_errors, hold_lists
from zotsync.cli.main import main


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option(
    "--rekey",
    is_flag=True,
    help="Give entries whose keys were never exported the key the formula makes now.",
)
@click.option("--dry-run", is_flag=True, help="With --rekey: say what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.pass_context
@handle_errors
def keys(
    ctx: click.Context, list_name: str | None, rekey: bool, dry_run: bool, as_json: bool
) -> None:
    """Compare the lists' citation keys with the `citekey` formula of zotsync.yaml.

    \b
    zotsync keys                  # how many keys the formula would make otherwise
    zotsync keys --rekey --dry-run
    zotsync keys --rekey          # store the formula's key where none was exported

    A key is exported once `zotsync export` wrote it or a sync sent it to Zotero (the
    list's exported-keys.txt, kept in git, and this clone's sync state say which): those
    keys never change, whatever the formula says now.  The others may: --rekey makes them
    again (postfixed a, b… past every key of every list) and stores them in the entries.
    """
    from zotsync.app.keys import rekey_list

    config = config_of(ctx)
    if rekey and not dry_run:
        hold_lists(ctx, None, "keys --rekey")
    reports = [rekey_list(config, item, dry_run or not rekey) for item in config.select(list_name)]
    if as_json:
        echo_json(
            [
                {
                    "list": report.item.name,
                    "rekeyed" if rekey else "would_rekey": [
                        {"id": entry_id, "old": old, "new": new}
                        for entry_id, old, new in report.changed
                    ],
                    "kept_exported": report.kept,
                    "dry_run": dry_run or not rekey,
                }
                for report in reports
            ]
        )
        return
    for report in reports:
        verb = "re-keyed" if rekey and not dry_run else "would re-key"
        for entry_id, old, new in report.changed:
            click.echo(f"{report.item.name}: {entry_id}: {old} -> {new}")
        click.echo(
            f"{report.item.name}: {verb} {len(report.changed)} key(s) never exported; "
            f"{report.kept} exported key(s) differ from the formula and stay",
            err=True,
        )
    if not rekey and any(report.changed for report in reports):
        click.echo("run `zotsync keys --rekey` to store the formula's keys", err=True)
