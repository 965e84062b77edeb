"""Hints that are always right, and the small things a user trips on: output folders,
`login` without a terminal, the embedded sandbox served and reset, shell completion."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import httpx2
import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from conftest import REPO, run, snapshot
from test_credentials import memory_keyring  # noqa: F401 - the fixture
from zotsync.cli import main

SRC = REPO / "src" / "zotsync"


NER = "A Large-Scale Chinese Multimodal NER Dataset with Speech Clues"


def teammate_files(sandbox, http, title: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A teammate files a new paper under Multimodal Fusion; returns the NER paper's item."""
    from conftest import GROUP

    found = http.get(f"/groups/{GROUP}/collections", params={"limit": 100}).json()
    fusion = next(c["key"] for c in found if c["data"]["name"] == "Multimodal Fusion")
    paper = {"itemType": "journalArticle", "title": title, "date": "2022"}
    paper |= {"url": "https://example.org/t", "collections": [fusion]}
    sandbox.teammate_write(GROUP, "item", [paper])
    items = http.get(f"/groups/{GROUP}/items", params={"q": NER}).json()
    return dict(next(i for i in items if i["data"]["title"] == NER))


def every_option() -> set[str]:
    found: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            found.update(o for o in getattr(param, "opts", ()) if o.startswith("--"))
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    walk(main)
    return found


def test_every_option_a_message_names_exists() -> None:
    known = every_option() | {"--help", "--version"}
    named = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(holder.body[0].value)
            for holder in ast.walk(tree)
            if isinstance(holder, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and holder.body
            and isinstance(holder.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:  # a docstring speaks to developers, not users
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", node.value):
                    named.append((flag, f"{path.name}:{node.lineno}"))
    assert len(named) > 10  # the walk does find the hints
    assert [(flag, where) for flag, where in named if flag not in known] == []


def options_of(path: str) -> set[str]:
    command: click.Command = main
    for word in path.split():
        assert isinstance(command, click.Group) and word in command.commands, path
        command = command.commands[word]
    return {o for p in command.params for o in getattr(p, "opts", ()) if o.startswith("--")}


def test_a_command_spelled_out_in_a_message_has_the_options_it_names() -> None:
    """`zotsync sync --allow-empty`, `zotsync login --key-stdin`…: each flag is that
    command's (or zotsync's own, like --config)."""
    spelled = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for span in re.findall(r"`zotsync ([^`]*)`", node.value):
                    words = [w for w in span.split() if re.fullmatch(r"[a-z]+", w)]
                    name = " ".join(words[:2]) if words[:1] == ["sandbox"] else " ".join(words[:1])
                    flags = re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", span)
                    spelled += [(name, flag, path.name) for flag in flags]
    assert len(spelled) >= 5
    wrong = [
        (name, flag, where)
        for name, flag, where in spelled
        if flag not in options_of(name) | {"--config", "--help", "--version"}
    ]
    assert wrong == []


def test_a_missing_config_hint_names_only_the_commands_own_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    synced = run("sync")
    assert synced.exit_code == 2 and "--entries" not in synced.stderr
    assert "zotsync --config FILE sync" in synced.stderr
    checked = run("check")
    assert checked.exit_code == 2 and "--entries DIR" in checked.stderr


@pytest.mark.parametrize("command", [["export", "-o"], ["render", "--entries", "e", "-o"]])
def test_an_output_path_in_a_folder_that_does_not_exist_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(project)
    if "--entries" in command:
        command[2] = str(project / "entries" / "multimodal-sequence-learning")
    before = snapshot(project)
    result = run(
        *command,
        "no/such/dir/out.bib",
        *(["--list", "multimodal-sequence-learning"] if command[0] == "export" else []),
    )
    assert result.exit_code == 2, result.output
    assert "the folder no/such/dir does not exist" in result.stderr
    assert not (project / "no").exists() and snapshot(project) == before


def test_login_without_a_terminal_reads_stdin_or_says_how(
    group_project: Path,
    memory_keyring,  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    result = run("login", input="")  # `zotsync login </dev/null`
    assert result.exit_code == 2
    assert "no API key on standard input" in result.stderr and "--key-stdin" in result.stderr
    assert "Aborted" not in result.output and "GetPassWarning" not in result.output


def test_login_says_there_is_no_keyring_before_asking_for_the_key(group_project: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        result = run("login", input="not a key at all\n")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 2
    assert "no OS keyring" in result.stderr and "not a Zotero API key" not in result.stderr


def test_sandbox_serve_in_a_project_serves_the_embedded_sandbox(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import KEY

    monkeypatch.chdir(project)
    assert run("sync").exit_code == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "zotsync", "sandbox", "serve"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        found = httpx2.get(
            f"{url}/groups/1/collections/top",
            headers={"Zotero-API-Key": KEY},
            trust_env=False,
            timeout=10,
        ).json()
        assert {"Awesome Multimodal Sequence Learning"} <= {c["data"]["name"] for c in found}
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert ".zotsync/sandbox.sqlite" in err
    assert not (project / "zotsync-sandbox.sqlite").exists()


def test_sandbox_reset_starts_the_embedded_sandbox_over(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    assert run("sync").exit_code == 0
    dry = run("sandbox", "reset", "--dry-run")
    assert dry.exit_code == 0 and "would remove" in dry.stdout
    assert (project / ".zotsync" / "sandbox.sqlite").exists()
    done = run("sandbox", "reset")
    assert done.exit_code == 0 and "removed" in done.stdout
    assert not (project / ".zotsync" / "sandbox.sqlite").exists()
    assert not (project / ".zotsync" / "state").exists()
    again = run("sync")
    assert again.exit_code == 0 and "created" in again.stdout  # imported afresh


def test_shell_completion_works_as_the_readme_says() -> None:
    assert "_ZOTSYNC_COMPLETE=bash_source zotsync" in (REPO / "README.md").read_text()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "zotsync")],  # the console script the user runs
        env={**os.environ, "_ZOTSYNC_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
    )
    assert "_zotsync_completion()" in done.stdout


def test_long_lists_are_cut_alike_in_plan_and_report_and_verbose_shows_all(
    group_project: Path,
    sandbox,
    http,  # type: ignore[no-untyped-def]
) -> None:
    from conftest import GROUP

    plan = run("sync", "--dry-run", "--list", "multimodal-sequence-learning")
    assert plan.exit_code == 0
    assert "… and 100 more (--verbose shows them all)" in plan.stdout  # 110 items to create
    everything = run("sync", "--dry-run", "--verbose", "--list", "multimodal-sequence-learning")
    assert "more (--verbose" not in everything.stdout
    assert everything.stdout.count("\n") > plan.stdout.count("\n") + 100
    assert run("sync").exit_code == 0

    found = http.get(f"/groups/{GROUP}/collections", params={"limit": 100}).json()
    fusion = next(c["key"] for c in found if c["data"]["name"] == "Multimodal Fusion")
    papers = [
        {
            "itemType": "journalArticle",
            "title": f"Teammate Paper Number {n}",
            "date": "2022",
            "url": f"https://example.org/{n}",
            "collections": [fusion],
        }
        for n in range(12)
    ]
    assert http.post(f"/groups/{GROUP}/items", json=papers).status_code == 200
    report = run("sync", "--list", "multimodal-sequence-learning")
    assert report.exit_code == 0
    added = [line for line in report.stdout.splitlines() if line.startswith("  added ")]
    assert len(added) == 10 and "  … and 2 more (--verbose shows them all)" in report.stdout
    assert "12 entries added from Zotero" in report.stdout  # the count says what it counts


def test_a_sync_summary_in_markdown_says_who_added_what_and_how_to_settle_conflicts(
    group_project: Path,
    sandbox,
    http,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from markdown_it import MarkdownIt

    from conftest import GROUP

    assert run("sync").exit_code == 0
    item = teammate_files(sandbox, http, "Fusion [click](https://evil.example) | x")
    # A title changed on both sides, differently: a conflict.
    title = NER
    http.patch(
        f"/groups/{GROUP}/items/{item['key']}",
        json={"title": title + " (Zotero)"},
        headers={"If-Unmodified-Since-Version": str(item["version"])},
    )
    section = (
        group_project / "entries" / "multimodal-sequence-learning" / "sections" / "datasets.yaml"
    )
    section.write_text(section.read_text().replace(title, title + " (list)", 1))

    result = run("sync", "--summary", "summary.md")
    assert result.exit_code == 3
    text = (group_project / "summary.md").read_text()
    assert "added **Fusion \\[click\\](https://evil.example) | x**" in text
    assert "by " in text and "to *Research Areas / Multimodal Fusion*" in text
    assert "| `large-scale-chinese-multimodal-ner-2021` | `title` |" in text
    assert "`zotsync sync --prefer list`" in text and "`zotsync sync --prefer zotero`" in text
    links = [
        c.attrs.get("href")
        for t in MarkdownIt("commonmark").enable("table").parse(text)
        for c in t.children or []
        if c.type == "link_open"
    ]
    assert "https://evil.example" not in links

    step_summary = group_project / "step-summary.md"
    step_summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    assert run("sync", "--prefer", "list").exit_code == 0
    assert step_summary.read_text().startswith("earlier step\n### zotsync sync: ")
    assert run("sync", "--summary", "no/such/dir/s.md").exit_code == 2


def test_status_shows_the_library_and_what_the_next_sync_would_do(
    group_project: Path,
    sandbox,
    http,  # type: ignore[no-untyped-def]
) -> None:
    import json

    from conftest import GROUP

    first = json.loads(run("status", "--list", "multimodal-sequence-learning", "--json").stdout)
    assert first["last_synced_version"] is None and len(first["in_list_only"]) == 110
    assert run("sync").exit_code == 0
    assert run("render").exit_code == 0
    item = teammate_files(sandbox, http, "A Teammate's Paper")
    title = NER
    sandbox.teammate_write(GROUP, "item", [{**item["data"], "title": title + " (fixed)"}])
    before = snapshot(group_project / "entries")
    shown = run("status", "--list", "multimodal-sequence-learning")
    assert shown.exit_code == 0, shown.output
    assert "in Zotero, not yet in the list: 1" in shown.stdout
    assert "A Teammate's Paper (Research Areas / Multimodal Fusion, added by" in shown.stdout
    assert "large-scale-chinese-multimodal-ner-2021: title (by " in shown.stdout
    assert "README: up to date with the entries" in shown.stdout
    assert "Multimodal Fusion" in shown.stdout and "entries  items" in shown.stdout
    assert snapshot(group_project / "entries") == before  # status writes nothing

    assert run("sync").exit_code == 0
    quiet = json.loads(run("status", "--list", "multimodal-sequence-learning", "--json").stdout)
    assert quiet["requests"] == 1 and quiet["changed_in_zotero"] == []
    assert quiet["readme"] == "current"  # the sync rendered the teammate's work into the README
    fusion_row = next(r for r in quiet["collections"] if r["name"] == "Multimodal Fusion")
    assert fusion_row["entries"] == fusion_row["items"]
