"""A first sync into a group stops, writing nothing, on fields `check` doubts (against the
sandbox over HTTP); `--dry-run` says it would stop, `--force` goes ahead."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run
from test_sync import library

DATASETS = Path("entries") / "multimodal-sequence-learning" / "sections" / "datasets.yaml"


def _files() -> dict[Path, bytes]:
    """The list's files (its git-ignored cache aside)."""
    found = Path("entries").rglob("*")
    return {p: p.read_bytes() for p in found if p.is_file() and ".zotsync-cache" not in p.parts}


def _doubt_a_title() -> None:
    """A title that is only a tag, in an entry with no citation key yet (a sync would give
    it one, and write it into the YAML, were it not stopped)."""
    text = DATASETS.read_text()
    first = '  title: "MultiMET: A Multimodal Dataset for Metaphor Understanding"\n'
    key = "  citation_key: MultiMETMultimodalDataset2021\n"
    assert first in text and key in text
    DATASETS.write_text(text.replace(first, '  title: "[4]"\n', 1).replace(key, "", 1))


def test_a_first_sync_stops_on_doubtful_fields_and_force_goes_ahead(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    _doubt_a_title()
    files = _files()
    stopped = run("sync")
    assert stopped.exit_code == 2, stopped.output
    message = stopped.stderr.strip()
    assert message.count("\n") == 0 and "Traceback" not in message
    assert f"{DATASETS}:" in message and "implausible-title" in message and "--force" in message
    assert library(sandbox)["items"] == {}  # nothing written into the group
    assert _files() == files

    dry = run("sync", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert "a real sync would stop" in dry.stderr and json.loads(dry.stdout)
    assert library(sandbox)["items"] == {}

    forced = run("sync", "--force")
    assert forced.exit_code == 0, forced.output
    titles = {d.get("title") for d in library(sandbox)["items"].values()}
    assert "[4]" in titles
    again = run("sync")  # no longer a first sync: the group has what the list has
    assert again.exit_code == 0, again.output


def test_check_reports_the_doubtful_field_as_an_error(group_project) -> None:  # type: ignore[no-untyped-def]
    _doubt_a_title()
    found = run("check", "--json")
    assert found.exit_code == 1
    levels = {(f["code"], f["level"]) for f in json.loads(found.stdout)}
    assert ("implausible-title", "error") in levels
    assert ("empty-url", "warning") in levels and ("mojibake", "warning") in levels
