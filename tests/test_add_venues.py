"""`zotsync check --add-venues` appends the venues the mapping does not know to the list's
mapping file, one line each for the user to complete; every other line stays."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run

README = (
    "# L\n\n## A\n"
    "- [P one](https://arxiv.org/abs/2101.00001), Proc. IJCAI 2017\n"
    "- [P two](https://arxiv.org/abs/2101.00002), J. Chem. Inf. Model. 2019\n"
    "- [P three](https://arxiv.org/abs/2101.00003), Proc. IJCAI 2018\n"
    "- [P four](https://arxiv.org/abs/2101.00004), ICLR 2020\n"
)


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text(README)
    assert run("ingest", "README.md", "--entries", "entries").exit_code == 0
    return tmp_path


def test_unknown_venues_are_added_to_the_mapping_and_then_known(listed: Path) -> None:
    mapping = listed / "m.yaml"
    mapping.write_text("format: 1\nvenues:\n  ICLR: {type: conferencePaper}\n\nkinds: {}\n")
    mapping.chmod(0o640)
    dry = run("check", "--entries", "entries", "--mapping", mapping, "--add-venues", "--dry-run")
    assert "would add to" in dry.output and mapping.read_text().count("\n") == 5
    added = run("check", "--entries", "entries", "--mapping", mapping, "--add-venues")
    assert added.exit_code == 0, added.output  # the unknown venues were the only findings
    text = mapping.read_text()
    assert text.startswith("format: 1\nvenues:\n  ICLR: {type: conferencePaper}\n")
    assert text.endswith("\nkinds: {}\n")
    venues = yaml.safe_load(text)["venues"]
    assert venues["Proc. IJCAI"] == {"type": "conferencePaper"}
    assert venues["J. Chem. Inf. Model."] == {"type": "journalArticle"}
    assert "2 entries, first entries/sections/a.yaml:" in text
    assert mapping.stat().st_mode & 0o777 == 0o640
    assert run("check", "--entries", "entries", "--mapping", mapping).exit_code == 0


def test_the_built_in_mapping_is_not_written_and_a_new_file_starts_from_it(listed: Path) -> None:
    refused = run("check", "--entries", "entries", "--add-venues")
    assert refused.exit_code == 2 and "--mapping FILE" in refused.stderr
    fresh = listed / "mine.yaml"
    assert run("check", "--entries", "entries", "--mapping", fresh, "--add-venues").exit_code == 0
    venues = yaml.safe_load(fresh.read_text())["venues"]
    assert "ICLR" in venues and "Proc. IJCAI" in venues and len(venues) > 50
