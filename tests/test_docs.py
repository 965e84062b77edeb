"""The README and the examples only use commands and options zotsync has, and every
command's --help is complete (a description and help for each option)."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml

from conftest import REPO, run
from zotsync.cli import main

COMMAND_LINE = re.compile(r"(?:^|[\s`$])zotsync ((?:sandbox )?[a-z]+)([^\n`#|]*)")


def commands() -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            for sub, inner in command.commands.items():
                found[f"{name} {sub}"] = inner
        else:
            found[name] = command
    return found


def options_of(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def code_of(text: str) -> str:
    """The text of fenced code blocks and inline code spans (prose is not a command)."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join(blocks + spans)


def uses(text: str) -> list[tuple[str, list[str]]]:
    found = []
    text = code_of(text) if "```" in text else text
    text = re.sub(r"zotsync (\w+) \| (\w+) \| (\w+)", r"zotsync \1\nzotsync \2\nzotsync \3", text)
    for match in COMMAND_LINE.finditer(text):
        name, rest = match.group(1), match.group(2)
        if name not in commands() and name.split()[0] in ("sandbox",):
            continue
        options = re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest)
        found.append((name, options))
    return found


def documents() -> list[tuple[str, str]]:
    docs = [("README.md", (REPO / "README.md").read_text())]
    for path in sorted((REPO / "examples").rglob("*")):
        if path.suffix in (".yml", ".yaml", ".md"):
            docs.append((str(path.relative_to(REPO)), path.read_text()))
    return docs


@pytest.mark.parametrize(("name", "text"), documents(), ids=[n for n, _ in documents()])
def test_documented_commands_and_options_exist(name: str, text: str) -> None:
    known = commands()
    used = uses(text)
    for command, options in used:
        assert command in known, f"{name}: zotsync {command}"
        allowed = options_of(known[command]) | {"--config", "--version"}
        for option in options:
            assert option in allowed, f"{name}: zotsync {command} has no {option}"


def test_the_readme_documents_every_command() -> None:
    text = (REPO / "README.md").read_text()
    used = uses(text)
    assert len(used) >= 20  # the parser does find the README's command lines
    documented = {command for command, _ in used}
    assert set(commands()) - documented == set()


def test_every_command_has_help_for_itself_and_its_options() -> None:
    for name, command in commands().items():
        assert (command.help or "").strip(), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"{name} {param.opts}"
        result = run(*name.split(), "--help")
        assert result.exit_code == 0 and "Usage: " in result.output


def test_the_example_workflow_runs_real_commands() -> None:
    workflow = yaml.safe_load(
        (REPO / "examples" / "github-workflows" / "reading-list.yml").read_text()
    )
    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if str(s.get("uses", "")).startswith("OWNER/zotsync@")]
    commands_run = [shlex.split(s["with"]["command"]) for s in ours]
    assert ["check"] in commands_run and ["render", "--check"] in commands_run
    for command in commands_run:
        assert command[0] in commands(), command
    for step in ours:
        assert set(step["with"]) <= set(action["inputs"]), step["with"]
    sync_step = next(s for s in ours if s["with"]["command"].startswith("sync"))
    assert sync_step["with"]["api-key"] == "${{ secrets.ZOTERO_API_KEY }}"


def test_the_example_config_is_a_valid_config() -> None:
    from zotsync.adapters.config import load_config

    config = load_config(REPO / "examples" / "zotsync.yaml")
    assert [item.name for item in config.lists] == ["my-reading-list"]
    assert config.lists[0].library.sandbox and config.lists[0].markdown is not None
