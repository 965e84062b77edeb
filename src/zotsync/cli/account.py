"""``login``, ``logout``, ``whoami``: the API key in the keyring, and what it may do."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from zotsync.cli.common import config_of, handle_errors, waits
from zotsync.cli.main import main
from zotsync.errors import UserError

if TYPE_CHECKING:
    pass


def _remote_lists(ctx: click.Context, list_name: str | None) -> list[tuple[str, str, int]]:
    """(list name, endpoint, group) of the config's lists that sync to a real group."""
    from zotsync.app.targets import API, check_endpoint

    found = []
    for item in config_of(ctx).select(list_name):
        if item.library.group is not None:
            endpoint = str(item.library.endpoint or API).rstrip("/")
            check_endpoint(endpoint)
            found.append((item.name, endpoint, item.library.group))
    return found


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.option(
    "--key-stdin",
    is_flag=True,
    help="Read the API key from standard input (also what happens without a terminal).",
)
@click.pass_context
@handle_errors
def login(ctx: click.Context, list_name: str | None, key_stdin: bool) -> None:
    """Check an API key with /keys/current and keep it in the OS keyring.

    The key must give write access to each group of zotsync.yaml.  Create one at
    https://www.zotero.org/settings/keys.  ZOTERO_API_KEY, when set, overrides it.
    """
    from zotsync.adapters.credentials import check_keyring, store_key
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.core.escape import clean_line

    targets = _remote_lists(ctx, list_name)
    if not targets:
        raise UserError(
            "every list syncs to the sandbox: there is no key to log in with "
            "(set `library: {group: ID}` in zotsync.yaml)"
        )
    check_keyring()  # before asking for a key it could not keep
    if key_stdin or not sys.stdin.isatty():  # no terminal to ask at: the key is piped in
        key = sys.stdin.readline().strip()
        if not key:
            raise UserError(
                "no API key on standard input: pipe it in (`zotsync login --key-stdin < "
                "keyfile`), or run `zotsync login` in a terminal to type it"
            )
    else:
        key = click.prompt("Zotero API key", hide_input=True)
    for endpoint in sorted({endpoint for _, endpoint, _ in targets}):
        groups = [group for _, e, group in targets if e == endpoint]
        library = ZoteroLibrary(endpoint, groups[0], key, notify=waits())
        try:
            info = library.key_info()
        finally:
            library.close()
        access = info.get("access", {}).get("groups", {})
        for group in groups:
            rights = access.get(str(group)) or access.get("all") or {}
            if not rights.get("write"):
                raise UserError(
                    f"this key (user {clean_line(str(info.get('username')))}) has no write "
                    f"access to group {group} at {endpoint}; give it write access at "
                    "https://www.zotero.org/settings/keys"
                )
        store_key(endpoint, key)
        click.echo(
            f"logged in to {endpoint} as {clean_line(str(info.get('username')))} "
            f"(write access to group {', '.join(map(str, groups))}); key kept in the OS keyring"
        )


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.pass_context
@handle_errors
def logout(ctx: click.Context, list_name: str | None) -> None:
    """Remove the API key from the OS keyring."""
    from zotsync.adapters.credentials import forget_key

    for endpoint in sorted({endpoint for _, endpoint, _ in _remote_lists(ctx, list_name)}):
        removed = forget_key(endpoint)
        click.echo(f"{endpoint}: key removed" if removed else f"{endpoint}: no key was stored")


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.pass_context
@handle_errors
def whoami(ctx: click.Context, list_name: str | None) -> None:
    """Show the user and groups of the API key (checked with /keys/current)."""
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.app.targets import Sandboxes, resolve
    from zotsync.core.escape import clean_line

    config = config_of(ctx)
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    seen = set()
    try:
        for item in config.select(list_name):
            target = resolve(item, config.path.parent, sandboxes)
            if (target.endpoint, target.group) in seen:
                continue
            seen.add((target.endpoint, target.group))
            library = ZoteroLibrary(target.endpoint, target.group, target.key, notify=waits())
            try:
                info = library.key_info()
                groups = library.groups(info.get("userID"))
            finally:
                library.close()
            where = "the sandbox" if target.sandbox else target.endpoint
            names = ", ".join(f"{g['id']} ({clean_line(g['name'])})" for g in groups) or "none"
            access = info.get("access", {}).get("groups", {})
            rights = access.get(str(target.group)) or access.get("all") or {}
            click.echo(
                f"{where}: user {clean_line(str(info.get('username')))} "
                f"(id {clean_line(str(info.get('userID')))}); groups: {names}; "
                f"group {target.group}: {'read-write' if rights.get('write') else 'read-only'}"
            )
    finally:
        sandboxes.stop()
