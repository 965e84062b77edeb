"""The ``zotsync`` command group: ``--config``, ``--version``; the commands register below."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from zotsync import __version__

if TYPE_CHECKING:
    pass


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
