"""The places a list team works: the GitHub Action (its script, run as Actions runs it) and
the pre-commit hooks (run by pre-commit itself in a temporary repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_project


def list_repository(folder: Path) -> Path:
    """A reading list's repository: config, mapping and entries, committed."""
    copy_project(folder)
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.org"}
    env |= {"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.org"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the list"]):
        subprocess.run(["git", *command], cwd=folder, env=env, check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh Python environment, as actions/setup-python leaves one: no zotsync in it."""
    venv = tmp_path_factory.mktemp("runner") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin"


def action_script() -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    [step] = [s for s in action["runs"]["steps"] if "run" in s]
    assert step["shell"] == "bash"
    return str(step["run"])


def run_action(
    bin_dir: Path, project: Path, command: str, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    output = project / "github-output.txt"
    output.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "ZOTSYNC_ACTION_PATH": str(REPO),
        "ZOTSYNC_COMMAND": command,
        "ZOTSYNC_ALLOW_CONFLICTS": inputs.get("allow_conflicts", "false"),
        "ZOTSYNC_REPORT": inputs.get("report", ""),
        "ZOTERO_API_KEY": "",
        "GITHUB_OUTPUT": str(output),
    }
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        ["bash", "-c", action_script()], cwd=project, env=env, capture_output=True, text=True
    )
    return done, output.read_text()


def test_the_action_installs_zotsync_and_runs_the_command_it_is_given(
    tmp_path: Path, runner_python: Path
) -> None:
    project = list_repository(tmp_path / "list")
    done, output = run_action(runner_python, project, "render --check")
    assert done.returncode == 0, done.stderr
    assert "is up to date" in done.stdout and output == "status=0\n"
    assert (runner_python / "zotsync").exists()  # installed from the action's own checkout

    readme = project / "entries" / "multimodal-sequence-learning" / "README.md"
    readme.write_text(readme.read_text() + "\nA line from a pull request.\n")
    done, output = run_action(
        runner_python, project, "render --check --list multimodal-sequence-learning"
    )
    assert done.returncode == 1 and "is stale" in done.stdout and output == "status=1\n"

    # A quoted option survives as one argument; shell syntax in the input is not run.
    done, _ = run_action(
        runner_python, project, 'export --collection "Research Areas" -o "a b.bib"'
    )
    assert done.returncode == 0, done.stderr
    assert (project / "a b.bib").read_text().startswith("@")
    done, output = run_action(runner_python, project, "check", report="report.txt")
    assert done.returncode == 1 and output == "status=1\n"
    assert "empty-url" in (project / "report.txt").read_text()  # the report input
    done, output = run_action(runner_python, project, "check; touch pwned $(touch pwned2)")
    assert done.returncode == 2 and output == "status=2\n"
    assert not (project / "pwned").exists() and not (project / "pwned2").exists()


def test_the_pre_commit_hooks_run_with_pre_commit(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (it is in the test extras)")
    project = list_repository(tmp_path / "list")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("VIRTUAL_ENV", None)

    def hook(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(REPO), name, "--all-files"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    rendered = hook("zotsync-render-check")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert "zotsync render --check" in rendered.stdout and "Passed" in rendered.stdout
    checked = hook("zotsync-check")  # the seeds' known problems are findings
    assert checked.returncode == 1, checked.stdout
    assert "empty-url" in checked.stdout and "Failed" in checked.stdout

    readme = project / "entries" / "multimodal-sequence-learning" / "README.md"
    readme.write_text(readme.read_text() + "\nA line from a pull request.\n")
    stale = hook("zotsync-render-check")
    assert stale.returncode == 1 and "is stale" in stale.stdout
