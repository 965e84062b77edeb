"""README hand edits and YAML edits, reconciled against the committed Markdown base
(markdown-base.txt) in any clone: `ingest` and `render` take each side's edits, an entry
edited on both sides differently stops them (exit 3) with both texts, `--prefer` settles.

On files on disk: a property test interleaves edits on both sides and checks every edit
lands (or is reported) and untouched lines never change; CLI tests in a fresh copy of the
project (no git-ignored cache: what a new clone has)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import GROUP, REPO, run, snapshot
from zotsync.adapters.markdown_base import BASE_FILE, load_base
from zotsync.adapters.markdown_list import entry_markdown
from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.app.ingest import ingest_markdown
from zotsync.core.reconcile import base_of
from zotsync.errors import ListConflicts

SEQ = "multimodal-sequence-learning"
ENTRIES = Path("entries") / SEQ
README = ENTRIES / "README.md"
SECTION = ENTRIES / "sections" / "research-areas--multimodal-fusion.yaml"
FUSION = "Trusted Multi-View Classification"  # an entry of Multimodal Fusion
OTHER = "Deep Multimodal Fusion by Channel Exchanging"  # another one


def _line(n: int) -> str:
    return f"- [Paper number {n}](https://arxiv.org/abs/2101.{n:05d}), ICLR 2021\n"


def _readme(count: int) -> str:
    half = count // 2
    return (
        "# List\n\n## First\n\n"
        + "".join(_line(n) for n in range(half))
        + "\n## Second\n\n"
        + "".join(_line(n) for n in range(half, count))
    )


def _retitle_in_yaml(folder: Path, n: int, title: str) -> None:
    reading_list, _ = load_list(folder)
    sections = tuple(
        replace(
            s,
            entries=tuple(
                replace(e, title=title) if f"2101.{n:05d}" in e.url else e for e in s.entries
            ),
        )
        for s in reading_list.sections
    )
    save_list(folder, replace(reading_list, sections=sections))


@given(
    count=st.integers(2, 8),
    in_readme=st.sets(st.integers(0, 7)),
    in_yaml=st.sets(st.integers(0, 7)),
    same_words=st.booleans(),
    direction=st.sampled_from(["ingest", "render"]),
)
def test_every_edit_lands_on_both_sides_or_is_a_conflict(
    count: int, in_readme: set[int], in_yaml: set[int], same_words: bool, direction: str
) -> None:
    in_readme, in_yaml = {n for n in in_readme if n < count}, {n for n in in_yaml if n < count}
    with tempfile.TemporaryDirectory() as tmp:
        folder, markdown = Path(tmp) / "entries", Path(tmp) / "README.md"
        text = _readme(count)
        markdown.write_text(text)
        ingest_markdown("l", folder, markdown, text)
        assert (folder / BASE_FILE).exists()
        for n in in_readme:
            text = text.replace(f"[Paper number {n}]", f"[Paper number {n}, fixed]")
        markdown.write_text(text)
        for n in in_yaml:
            words = "fixed" if same_words and n in in_readme else "edited"
            _retitle_in_yaml(folder, n, f"Paper number {n}, {words}")
        both = {n for n in in_readme & in_yaml if not same_words}
        before = snapshot(Path(tmp))
        try:
            ingest_markdown("l", folder, markdown, text, direction=direction)
        except ListConflicts as conflicts:
            assert both, "a conflict only where both sides changed an entry differently"
            for n in both:
                assert f"Paper number {n}, fixed" in str(conflicts)
                assert f"Paper number {n}, edited" in str(conflicts)
            assert snapshot(Path(tmp)) == before, "a conflict writes nothing"
            return
        assert not both
        out = markdown.read_text()
        titles = {e.title for _, e in load_list(folder)[0].entries()}
        for n in range(count):
            if n in in_readme:
                want = f"Paper number {n}, fixed"
            elif n in in_yaml:
                want = f"Paper number {n}, edited"
            else:
                want = f"Paper number {n}"
                assert _line(n) in out, "an untouched entry's line never changes"
            assert want in titles and f"[{want}]" in out
        agreed = base_of(load_list(folder)[0], entry_markdown)
        assert load_base(folder) == agreed, "the base is what the two now say"
        again = snapshot(Path(tmp))
        ingest_markdown("l", folder, markdown, out, direction=direction)
        assert snapshot(Path(tmp)) == again, "once agreed, nothing more to do"


# ------------------------------------------------------------------ the CLI, a fresh clone


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project as a new clone has it after someone rendered once and committed the
    base: no .zotsync-cache anywhere."""
    for name in ("entries", "mappings", "zotsync.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns(".zotsync-cache")
            )
        else:
            shutil.copy(source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert run("render").exit_code == 0  # writes the base where a list has none yet
    for cache in tmp_path.rglob(".zotsync-cache"):
        shutil.rmtree(cache)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("command", ["render", "ingest"])
def test_a_readme_edit_and_a_yaml_edit_both_survive_in_a_fresh_clone(
    clone: Path, command: str
) -> None:
    _edit(README, f"[{FUSION}]", f"[{FUSION} (README)]")
    _edit(ENTRIES / "sections" / "research-areas--multimodal-fusion.yaml", OTHER, f"{OTHER} (YAML)")
    done = run(command, "--list", SEQ, "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert len(report["into_readme"]) == 1  # the YAML's edit, written into the README
    readme = README.read_text()
    section = SECTION.read_text()
    assert f"[{FUSION} (README)]" in readme and f"{FUSION} (README)" in section
    assert f"[{OTHER} (YAML)]" in readme and f"{OTHER} (YAML)" in section
    after = snapshot(clone / "entries")
    assert run(command, "--list", SEQ).exit_code == 0
    assert snapshot(clone / "entries") == after
    assert run("render", "--check").exit_code == 0


def test_an_entry_edited_on_both_sides_stops_until_prefer_settles_it(clone: Path) -> None:
    _edit(README, f"[{FUSION}]", f"[{FUSION} (README)]")
    _edit(SECTION, FUSION, f"{FUSION} (YAML)")
    before = snapshot(clone / "entries")
    for command in ("render", "ingest"):
        stopped = run(command, "--list", SEQ)
        assert stopped.exit_code == 3, stopped.output
        assert f"{FUSION} (README)" in stopped.stderr and f"{FUSION} (YAML)" in stopped.stderr
        assert "--prefer readme" in stopped.stderr and "Traceback" not in stopped.stderr
        assert snapshot(clone / "entries") == before
    settled = run("render", "--list", SEQ, "--prefer", "entries")
    assert settled.exit_code == 0, settled.output
    assert f"[{FUSION} (YAML)]" in README.read_text()


def test_fields_the_style_does_not_show_survive_a_readme_edit(clone: Path) -> None:
    """Seed 000 shows no authors: an entry's authors in the YAML stay when a pull request
    fixes its title in the README."""
    entries = yaml.safe_load(SECTION.read_text())
    entry = next(e for e in entries["entries"] if e["title"] == FUSION)
    _edit(SECTION, f"  title: {FUSION}\n", f"  title: {FUSION}\n  authors:\n  - Zongbo Han\n")
    assert run("render", "--list", SEQ).exit_code == 0
    assert "Zongbo Han" not in README.read_text()  # the style shows none
    _edit(README, f"[{FUSION}]", f"[{FUSION}!]")
    done = run("ingest", "--list", SEQ)
    assert done.exit_code == 0, done.output
    after = yaml.safe_load(SECTION.read_text())
    (kept,) = [e for e in after["entries"] if e["id"] == entry["id"]]
    assert kept["title"] == f"{FUSION}!" and kept["authors"] == ["Zongbo Han"]


def test_a_bad_base_file_is_one_clear_error_and_nothing_is_written(clone: Path) -> None:
    base = ENTRIES / BASE_FILE
    base.write_text(base.read_text() + "entry x not-a-digest\n")
    _edit(README, f"[{FUSION}]", f"[{FUSION} (README)]")
    before = snapshot(clone / "entries")
    for command in ("render", "ingest"):
        failed = run(command, "--list", SEQ)
        assert failed.exit_code == 2
        assert f"{base}:" in failed.stderr and failed.stderr.count("\n") == 1
        assert snapshot(clone / "entries") == before


# ------------------------------------------------------------------ sync, against the sandbox


def test_sync_takes_a_readme_edit_to_zotero_and_renders_what_it_pulls(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    """The one command a scheduled job runs: a pull request's README edit reaches the
    entries and Zotero, a teammate's Zotero edit reaches the entries and the README."""
    from test_sync import library, tops

    assert run("sync").exit_code == 0
    _edit(README, f"[{FUSION}]", f"[{FUSION} (README)]")
    synced = run("sync")
    assert synced.exit_code == 0, synced.output
    assert "took 1 README edit(s)" in synced.output
    titles = {d["title"]: d for d in tops(library(sandbox))}
    assert f"{FUSION} (README)" in titles and FUSION not in titles
    assert f"{FUSION} (README)" in SECTION.read_text()

    item = titles[f"{OTHER}"]
    sandbox.teammate_write(GROUP, "item", [{**item, "title": f"{OTHER} (Zotero)"}])
    pulled = run("sync")
    assert pulled.exit_code == 0, pulled.output
    assert "rendered what the sync brought from Zotero" in pulled.output
    assert f"[{OTHER} (Zotero)]" in README.read_text()
    assert f"[{FUSION} (README)]" in README.read_text()
    quiet = run("sync")
    assert quiet.exit_code == 0 and "nothing to do" in quiet.output, quiet.output
    assert run("render", "--check").exit_code == 0


def test_a_sync_stopped_by_a_conflict_in_the_list_writes_nothing(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    from test_sync import library

    assert run("sync").exit_code == 0
    before_library = library(sandbox)
    _edit(README, f"[{FUSION}]", f"[{FUSION} (README)]")
    _edit(SECTION, FUSION, f"{FUSION} (YAML)")
    before = snapshot(group_project / "entries")
    stopped = run("sync")
    assert stopped.exit_code == 3, stopped.output
    assert "--prefer readme" in stopped.stderr and "Traceback" not in stopped.stderr
    assert snapshot(group_project / "entries") == before
    assert library(sandbox) == before_library


def test_a_side_that_lost_all_its_entries_stops_rather_than_empty_the_other(clone: Path) -> None:
    """A sections folder missing from a clone (or a README emptied by accident) is no
    deletion of every paper: nothing is written until --prefer says which side to follow."""
    shutil.rmtree(ENTRIES / "sections")
    readme = README.read_bytes()
    for command in ("ingest", "render"):
        stopped = run(command, "--list", SEQ)
        assert stopped.exit_code == 2 and "none of the 112 entries" in stopped.stderr
        assert README.read_bytes() == readme
    restored = run("ingest", "--list", SEQ, "--prefer", "readme")
    assert restored.exit_code == 0, restored.output
    assert len(list((ENTRIES / "sections").glob("*.yaml"))) > 5
    assert README.read_bytes() == readme
