"""What every command shares: the error wrapper (one line, the documented exit status), the
config, the lists a command works on, their lock, output folders, JSON output."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from zotsync.errors import UserError, ZotsyncError

if TYPE_CHECKING:
    from zotsync.adapters.config import Config, ListConfig


P = ParamSpec("P")


R = TypeVar("R")


CUT = 10  # lines of one kind shown before "… and N more", in the plan as in the report


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn zotsync and OS errors into one line on stderr and the documented exit status.

    The cyclic garbage collector is paused while a command runs: entries, frames and
    tokens hold no reference cycles (reference counting frees them), and on a 100,000-entry
    list the collector's repeated scans of the growing heap cost a fifth of the time.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        except ZotsyncError as error:
            click.echo(f"zotsync: {error}", err=True)
            sys.exit(error.exit_code)
        except BrokenPipeError:
            # The reader went away (`zotsync check | head`): stop quietly, as cat does.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"zotsync: {where}{error.strerror or error}", err=True)
            sys.exit(2)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


@dataclass(frozen=True, slots=True)
class ListFiles:
    """One list to work on: its entries folder and, if known, its Markdown file."""

    name: str
    entries: Path
    markdown: Path | None
    mapping: Path | None
    citekey: str | None = None  # the project's key formula (None: Better BibTeX's default)


def list_files(ctx: click.Context, entries: Path | None, list_name: str | None) -> list[ListFiles]:
    """The lists a command works on: ``--entries DIR`` alone, else the config's lists."""
    if entries is not None:
        return [ListFiles(entries.name, entries, None, None)]
    config = config_of(ctx)
    return [
        ListFiles(item.name, item.entries, item.markdown, item.mapping, item.citekey)
        for item in config.select(list_name)
    ]


def config_of(ctx: click.Context) -> Config:
    from zotsync.adapters.config import CONFIG_NAME, load_config

    config_path: Path | None = ctx.find_root().obj.get("config")
    if config_path is None:
        config_path = Path(CONFIG_NAME)
        if not config_path.exists():
            # The hint names only options of the command at hand.
            has_entries = any("--entries" in getattr(p, "opts", ()) for p in ctx.command.params)
            name = ctx.command_path.partition(" ")[2]  # without the program's name
            entries = "give --entries DIR, or " if has_entries else "give "
            raise UserError(
                f"no {CONFIG_NAME} here: {entries}the config with `zotsync --config FILE "
                f"{name}`, or create one with `zotsync init`"
            )
    return load_config(config_path)


def hold_lists(ctx: click.Context, entries: Path | None, command: str) -> None:
    """Hold, until the command ends, every list it may write: all lists of the config
    (citation keys are unique across them), or the ``--entries`` folder."""
    from zotsync.adapters.lock import holding

    folders = [entries] if entries is not None else [item.entries for item in config_of(ctx).lists]
    ctx.with_resource(holding(folders, command))


def waits() -> Callable[[str], None] | None:
    """What shows the server's waits and the retries: a line on a terminal, else nothing
    (logs in CI get the final error only)."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"zotsync: {message}", err=True)


def output_folder(path: Path, option: str) -> None:
    """A file the user names is written only into a folder that exists (a typo in a path
    must not create folders)."""
    if not path.parent.is_dir():
        raise UserError(
            f"{option} {path}: the folder {path.parent} does not exist (create it first)"
        )


def read_markdown(path: Path) -> str:
    """A Markdown list's text; a clear error for a missing, binary or non-UTF-8 file."""
    from zotsync.errors import InputError

    if path.is_dir():
        raise InputError(path, None, "is a folder, not a Markdown file")
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError(path, None, "looks like a binary file (it has NUL bytes), not Markdown")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise InputError(
            path, line, f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None


def project_lists(ctx: click.Context) -> tuple[ListConfig, ...]:
    """The config's lists, when there is a config (their citation keys are taken)."""
    if ctx.obj.get("config") is not None or Path("zotsync.yaml").exists():
        return config_of(ctx).lists
    return ()


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def cut(lines: list[str], limit: int | None, indent: str = "  ") -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    return [*lines[:limit], f"{indent}… and {len(lines) - limit} more (--verbose shows them all)"]
