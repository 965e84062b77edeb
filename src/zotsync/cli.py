"""The ``zotsync`` command line (click).  Thin: it resolves paths and prints; the work is
done by the reader, the store, the frame renderer and the linter.

Exit status: 0 done (or nothing to do); 1 ``check`` found problems or ``render --check``
found the Markdown stale; 2 a user error (bad file, option or config), with one message.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from zotsync import __version__
from zotsync.errors import UserError, ZotsyncError

if TYPE_CHECKING:
    from zotsync.adapters.config import Config, ListConfig
    from zotsync.app.summary import ListSync
    from zotsync.sync.actions import LocalChange, Plan
    from zotsync.sync.engine import SyncReport

P = ParamSpec("P")
R = TypeVar("R")
CUT = 10  # lines of one kind shown before "… and N more", in the plan as in the report


def _handle_errors(func: Callable[P, R]) -> Callable[P, R]:
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
class Target:
    """One list to work on: its entries folder and, if known, its Markdown file."""

    name: str
    entries: Path
    markdown: Path | None
    mapping: Path | None


def _targets(ctx: click.Context, entries: Path | None, list_name: str | None) -> list[Target]:
    """The lists a command works on: ``--entries DIR`` alone, else the config's lists."""
    if entries is not None:
        return [Target(entries.name, entries, None, None)]
    config = _config(ctx)
    return [
        Target(item.name, item.entries, item.markdown, item.mapping)
        for item in config.select(list_name)
    ]


def _config(ctx: click.Context) -> Config:
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


def _hold_lists(ctx: click.Context, entries: Path | None, command: str) -> None:
    """Hold, until the command ends, every list it may write: all lists of the config
    (citation keys are unique across them), or the ``--entries`` folder."""
    from zotsync.adapters.lock import holding

    folders = [entries] if entries is not None else [item.entries for item in _config(ctx).lists]
    ctx.with_resource(holding(folders, command))


def _waits() -> Callable[[str], None] | None:
    """What shows the server's waits and the retries: a line on a terminal, else nothing
    (logs in CI get the final error only)."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"zotsync: {message}", err=True)


def _output_folder(path: Path, option: str) -> None:
    """A file the user names is written only into a folder that exists (a typo in a path
    must not create folders)."""
    if not path.parent.is_dir():
        raise UserError(
            f"{option} {path}: the folder {path.parent} does not exist (create it first)"
        )


def _read_markdown(path: Path) -> str:
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


def _project_lists(ctx: click.Context) -> tuple[ListConfig, ...]:
    """The config's lists, when there is a config (their citation keys are taken)."""
    if ctx.obj.get("config") is not None or Path("zotsync.yaml").exists():
        return _config(ctx).lists
    return ()


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zotsync")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./zotsync.yaml).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Keep an awesome-list reading list and a Zotero group library in sync.

    The canonical list is a folder of YAML entries (one file per section); the Markdown
    README is rendered from it, byte for byte as it was ingested.
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing zotsync.yaml.")
@_handle_errors
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
    help="Ingest even if the entries were edited after the Markdown was last rendered.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
@_handle_errors
def ingest(
    ctx: click.Context,
    source: Path | None,
    entries: Path | None,
    list_name: str | None,
    dry_run: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Read a Markdown list into canonical entries (create or update).

    \b
    zotsync ingest README.md --entries entries/my-list
    zotsync ingest                # every list of zotsync.yaml, from its `markdown`

    Entries are matched to existing ones by identity (arXiv id, DOI, OpenReview id,
    URL, title + year): their ids stay, and the report says what was added, changed,
    moved, left alone and removed.  The Markdown is taken as the truth for the fields
    it shows; if the entries were edited after it was last rendered, ingest refuses
    (those edits would be undone): render first, or give --force.
    """
    from zotsync.app.ingest import ingest_markdown

    if source is not None and entries is None and list_name is None:
        raise UserError("give --entries DIR (or --list NAME) to say where the entries go")
    targets = _targets(ctx, entries, list_name)
    if not dry_run:
        _hold_lists(ctx, entries, "ingest")
    reports = []
    for target in targets:
        markdown = source or target.markdown
        if markdown is None:
            raise UserError(f"list {target.name!r} has no `markdown` file to ingest")
        text = _read_markdown(markdown)
        ingested = ingest_markdown(
            target.name,
            target.entries,
            markdown,
            text,
            force=force,
            dry_run=dry_run,
            lists=_project_lists(ctx),
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
        click.echo(f"  {verb} {len(written)} file(s)" if written else "  files up to date")
    if as_json:
        _echo_json(reports if len(reports) > 1 else reports[0])


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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
@_handle_errors
def render(
    ctx: click.Context,
    entries: Path | None,
    output: Path | None,
    check_only: bool,
    list_name: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Write the Markdown list from the canonical entries.

    \b
    zotsync render --entries entries/my-list -o README.md
    zotsync render --check        # CI: exit 1 if a list's README is not current

    Only the lines of entries that changed are rewritten; new entries are written in
    the style of their section.
    """
    from zotsync.adapters.caches import remember_markdown
    from zotsync.adapters.files import atomic_write
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.yaml_store import load_list

    results: list[dict[str, object]] = []
    stale_any = False
    targets = _targets(ctx, entries, list_name)
    if not (check_only or dry_run):
        _hold_lists(ctx, entries, "render")
    for target in targets:
        out_path = output or target.markdown
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
        _output_folder(out_path, "-o" if output else f"list {target.name!r}: markdown")
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
        _echo_json(results if len(results) > 1 else results[0])
    if check_only and stale_any:
        sys.exit(1)


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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable findings.")
@click.pass_context
@_handle_errors
def check(
    ctx: click.Context,
    entries: Path | None,
    list_name: str | None,
    mapping: Path | None,
    as_json: bool,
) -> None:
    """Lint the canonical list; exit 1 with `file:line` per finding.

    \b
    zotsync check --entries entries/my-list
    zotsync check                 # every list of zotsync.yaml

    Finds empty, malformed and protocol-relative URLs, bad arXiv ids, mojibake,
    papers listed twice, unknown venues, placeholder text, citation-key collisions.
    """
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.yaml_store import load_list, load_venues
    from zotsync.core.check import Finding, check_list

    findings: list[tuple[str, Finding]] = []
    for target in _targets(ctx, entries, list_name):
        reading_list, where = load_list(target.entries, readonly=True)
        venues = load_venues(mapping or target.mapping)
        located = {entry_id: (str(path), line) for entry_id, (path, line) in where.items()}
        rendered = render_list(reading_list)
        found = check_list(
            reading_list, located, rendered, venues, str(target.entries / "frame.md")
        )
        findings.extend((target.name, finding) for finding in found)
    if as_json:
        _echo_json([{"list": name, **finding.as_dict()} for name, finding in findings])
    else:
        for _, finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(findings)} finding(s)", err=True)
    if findings:
        sys.exit(1)


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
@_handle_errors
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
        _output_folder(output, "-o")
    config = _config(ctx)
    if not dry_run and source == "entries":  # new citation keys are stored in the entries
        _hold_lists(ctx, None, "export")
    request = ExportRequest(
        collection=collection,
        fmt=fmt,
        source=source,
        list_name=list_name,
        bibtex_url=bibtex_url,
        dry_run=dry_run,
    )
    result = export_collection(config, request, _waits())
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
        _echo_json(report)
        return
    for note in notes:
        click.echo(note, err=True)
    target = str(output) if output else "stdout"
    verb = "would write" if dry_run else ("wrote" if written or not output else "unchanged:")
    click.echo(f"{verb} {target}: {count} entries ({fmt}) from {where}", err=True)


def _embedded_sandbox(ctx: click.Context) -> Path | None:
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
@_handle_errors
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
    data = data or _embedded_sandbox(ctx) or Path("zotsync-sandbox.sqlite")
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
@_handle_errors
def reset(ctx: click.Context, dry_run: bool) -> None:
    """Start the project's embedded sandbox over: its library and its sync states go.

    The next `zotsync sync` imports the lists into a new, empty sandbox library.  Lists that
    sync to a real group are not touched (their state is beside their entries).
    """
    import shutil

    from zotsync.app.targets import EMBEDDED

    config = _config(ctx)
    folder = config.path.parent / EMBEDDED
    found = sorted(p for p in [*folder.glob("sandbox.sqlite*"), folder / "state"] if p.exists())
    if not found:
        click.echo(f"{folder}: no embedded sandbox yet (nothing to remove)")
        return
    if not dry_run:
        _hold_lists(ctx, None, "sandbox reset")
        for path in found:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {', '.join(str(p) for p in found)}")
    if not dry_run:
        click.echo("the next `zotsync sync` imports the lists into a new sandbox library")


# --------------------------------------------------------------------------- sync

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
            if f"{w.action} {w.kind if w.action != 'link' else 'link'}" == name
        ]
        lines += _cut(shown, limit, indent="          ")
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
    "--allow-empty",
    is_flag=True,
    help="Go on when one side has lost every paper it had (otherwise the sync stops).",
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
@_handle_errors
def sync(
    ctx: click.Context,
    list_name: str | None,
    dry_run: bool,
    prune: bool,
    prefer: str | None,
    allow_empty: bool,
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
    """
    from zotsync.app.summary import ListSync
    from zotsync.app.sync import SyncOptions, report_json, sync_lists
    from zotsync.app.targets import Sandboxes
    from zotsync.sync.merge import Prefer

    config = _config(ctx)
    if summary_path is not None:
        _output_folder(summary_path, "--summary")
    if not dry_run:
        _hold_lists(ctx, None, "sync")
    options = SyncOptions(
        list_name=list_name,
        dry_run=dry_run,
        prune=prune,
        prefer=Prefer(prefer) if prefer else None,
        allow_empty=allow_empty,
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
        outcome = sync_lists(config, options, sandboxes, progress=progress, notify=_waits())
    finally:
        sandboxes.stop()
    told = [
        ListSync(
            r.name,
            r.where,
            _done_words(r.report, dry_run) if r.report else [],
            r.report.plan if r.report else None,
            dry_run,
        )
        for r in outcome.lists
    ]
    _write_summary(summary_path, told)
    reports = [report_json(r, dry_run) for r in outcome.lists]
    if as_json:
        _echo_json(reports if len(reports) > 1 else reports[0])
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


def _cut(lines: list[str], limit: int | None, indent: str = "  ") -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    return [*lines[:limit], f"{indent}… and {len(lines) - limit} more (--verbose shows them all)"]


def _echo_sync(
    name: str, where: str, report: SyncReport, dry_run: bool, limit: int | None = CUT
) -> None:
    plan = report.plan
    if dry_run:
        click.echo(f"{name} -> {where}: plan")
        click.echo("\n".join(_plan_lines(plan, limit)) or "  nothing to do")
    else:
        done = ", ".join(_done_words(report))
        click.echo(f"{name} -> {where}: " + (done or "nothing to do"))
    kinds: dict[str, list[str]] = {}
    for kind, line in _report_lines(plan, dry_run):
        kinds.setdefault(kind, []).append(line)
    for lines in kinds.values():
        for line in _cut(lines, limit):
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
            f"{c.zotero_value!r}, base {c.base_value!r} (left alone; settle it with "
            "--prefer list or --prefer zotero)",
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
        ("refused", f"  refused   {what}" if not e else f"  refused   {e}: {what}")
        for e, what in plan.refused
    ]
    return lines


def _done_words(report: SyncReport, dry_run: bool = False) -> list[str]:
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
@_handle_errors
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

    config = _config(ctx)
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    found = []
    try:
        for item in config.select(list_name):
            target = resolve(item, config.path.parent, sandboxes)
            found.append(status_of(item, target, _waits()))
    finally:
        sandboxes.stop()
    if as_json:
        _echo_json(found if len(found) > 1 else found[0])
        return
    from zotsync.app.status import status_lines

    for report in found:
        click.echo("\n".join(status_lines(report["list"], report["library"], report)))
        click.echo(f"  {report['requests']} request(s)")


def _remote_lists(ctx: click.Context, list_name: str | None) -> list[tuple[str, str, int]]:
    """(list name, endpoint, group) of the config's lists that sync to a real group."""
    from zotsync.app.targets import API, check_endpoint

    found = []
    for item in _config(ctx).select(list_name):
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
@_handle_errors
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
        library = ZoteroLibrary(endpoint, groups[0], key, notify=_waits())
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
@_handle_errors
def logout(ctx: click.Context, list_name: str | None) -> None:
    """Remove the API key from the OS keyring."""
    from zotsync.adapters.credentials import forget_key

    for endpoint in sorted({endpoint for _, endpoint, _ in _remote_lists(ctx, list_name)}):
        removed = forget_key(endpoint)
        click.echo(f"{endpoint}: key removed" if removed else f"{endpoint}: no key was stored")


@main.command()
@click.option("--list", "list_name", help="Only this list of zotsync.yaml.")
@click.pass_context
@_handle_errors
def whoami(ctx: click.Context, list_name: str | None) -> None:
    """Show the user and groups of the API key (checked with /keys/current)."""
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.app.targets import Sandboxes, resolve
    from zotsync.core.escape import clean_line

    config = _config(ctx)
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    seen = set()
    try:
        for item in config.select(list_name):
            target = resolve(item, config.path.parent, sandboxes)
            if (target.endpoint, target.group) in seen:
                continue
            seen.add((target.endpoint, target.group))
            library = ZoteroLibrary(target.endpoint, target.group, target.key, notify=_waits())
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
