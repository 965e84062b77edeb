"""``sandbox serve`` and ``sandbox reset``: the embedded Zotero server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zotsync.cli.common import config_of, handle_errors, hold_lists
from zotsync.cli.main import main
from zotsync.errors import UserError

if TYPE_CHECKING:
    pass


def embedded_sandbox(ctx: click.Context) -> Path | None:
    """The project's embedded sandbox data (what `sync` uses), when in a project."""
    from zotsync.adapters.config import CONFIG_NAME
    from zotsync.app.targets import embedded_folder

    config: Path | None = ctx.find_root().obj.get("config")
    if config is None and not Path(CONFIG_NAME).exists():
        return None
    return embedded_folder((config or Path(CONFIG_NAME)).parent) / "sandbox.sqlite"


@main.group()
def sandbox() -> None:
    """A local server that speaks the Zotero Web API v3 (group libraries, SQLite).

    It is what `library: sandbox` starts in-process, and what the tests talk to;
    pyzotero reaches it by setting `zot.endpoint` to its URL.
    """


def _parse_key(text: str) -> tuple[str, str, bool]:
    key, _, rest = text.partition(":")
    user, _, mode = rest.partition(":")
    if not key.isalnum():
        raise UserError("--key: a key is letters and digits only (KEY[:USER[:rw|r]])")
    if mode not in ("", "rw", "r"):
        raise UserError(f"--key: access is 'rw' or 'r', not {mode!r}")
    return key, user or "sandbox", mode != "r"


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", default=0, show_default=True, help="Port (0: any free port).")
@click.option(
    "--data",
    type=click.Path(path_type=Path, dir_okay=False),
    help="SQLite file, kept and reused (default: in a project, its embedded sandbox "
    ".zotsync/sandbox.sqlite, which `zotsync sync` uses; elsewhere zotsync-sandbox.sqlite).",
)
@click.option(
    "--group",
    "groups",
    type=int,
    multiple=True,
    help="Group library id to serve (repeatable; default 1).",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY[:USER[:rw|r]]",
    help="API key to accept (repeatable; default: zotsyncsandboxkey, read-write).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append one JSON line per request (method, path, query, status, bytes).",
)
@click.option(
    "--schema",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Zotero schema.json (default: $ZOTSYNC_SCHEMA, ../shared, .).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND@N[:SECONDS]",
    help="Inject a fault at the N-th request: drop-before, drop-after, 500, 503, "
    "429, backoff, teammate (repeatable).",
)
@click.pass_context
@handle_errors
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    data: Path | None,
    groups: tuple[int, ...],
    keys: tuple[str, ...],
    log_path: Path | None,
    schema: Path | None,
    faults: tuple[str, ...],
) -> None:
    """Run the sandbox until Ctrl-C or SIGTERM; the first line printed is its URL.

    \b
    zotsync sandbox serve --port 0 --group 4242 --log requests.jsonl
    zotsync sandbox serve --key abc123:alice:rw --key def456:bob:r
    """
    import signal

    from zotsync.sandbox.schema import load_schema
    from zotsync.sandbox.server import DEFAULT_KEY, Fault, Sandbox, check_loopback

    check_loopback(host)
    data = data or embedded_sandbox(ctx) or Path("zotsync-sandbox.sqlite")
    parsed_faults = [Fault.parse(text) for text in faults]
    parsed_keys = tuple(_parse_key(text) for text in keys) or ((DEFAULT_KEY, "sandbox", True),)
    server = Sandbox(
        data,
        groups=groups or (1,),
        keys=parsed_keys,
        schema=load_schema(schema),
        host=host,
        port=port,
        log_path=log_path,
    )
    server.inject(*parsed_faults)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Before the URL is printed: whoever reads it may signal at once.  SIGINT too: a
    # process started in the background by a shell inherits it ignored.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        url = server.bind()
    except OSError as error:
        server.stop()
        raise UserError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    click.echo(url)
    sys.stdout.flush()
    described = ", ".join(
        f"{user} ({'read-write' if write else 'read-only'})" for _, user, write in parsed_keys
    )
    default = " with key zotsyncsandboxkey" if not keys else ""
    click.echo(
        f"serving groups {', '.join(map(str, groups or (1,)))} from {data}; "
        f"users: {described}{default}",
        err=True,
    )

    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo("sandbox stopped", err=True)


@sandbox.command()
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.pass_context
@handle_errors
def reset(ctx: click.Context, dry_run: bool) -> None:
    """Start the project's embedded sandbox over: its library and its sync states go.

    The next `zotsync sync` imports the lists into a new, empty sandbox library.  Lists that
    sync to a real group are not touched (their state is beside their entries).
    """
    import shutil

    from zotsync.app.targets import EMBEDDED

    config = config_of(ctx)
    folder = config.path.parent / EMBEDDED
    found = sorted(p for p in [*folder.glob("sandbox.sqlite*"), folder / "state"] if p.exists())
    if not found:
        click.echo(f"{folder}: no embedded sandbox yet (nothing to remove)")
        return
    if not dry_run:
        hold_lists(ctx, None, "sandbox reset")
        for path in found:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {', '.join(str(p) for p in found)}")
    if not dry_run:
        click.echo("the next `zotsync sync` imports the lists into a new sandbox library")
