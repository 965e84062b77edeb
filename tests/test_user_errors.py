"""Every error a user can cause or meet gives one clear line on stderr, the exit status the
README documents, no traceback, and leaves every file as it was (README: Exit status)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from conftest import GROUP, snapshot
from conftest import run as zotsync
from zotsync.sandbox.server import Fault


def files(project: Path) -> dict[str, bytes]:
    """The user's files (not the sandbox's database, which stands in for Zotero)."""
    return {
        k: v for k, v in snapshot(project).items() if ".zotsync" not in k and "sandbox" not in k
    }


def one_line_error(result, status: int) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == status, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zotsync: "), result.stderr
    assert "Traceback" not in result.output
    return str(lines[0])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_remote_refusals_and_failures(group_project: Path, sandbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = files(group_project)
    config = (group_project / "zotsync.yaml").read_text()

    monkeypatch.setenv("ZOTERO_API_KEY", "notarealkey0000000000000")
    assert "refused the API key" in one_line_error(zotsync("sync"), 4)

    monkeypatch.setenv("ZOTERO_API_KEY", "readonlykey")
    assert "needs write access" in one_line_error(zotsync("sync"), 4)

    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.keys[0][0])
    (group_project / "zotsync.yaml").write_text(config.replace(f"group: {GROUP}", "group: 999"))
    assert "group 999" in one_line_error(zotsync("sync"), 4)

    port = closed_port()
    (group_project / "zotsync.yaml").write_text(
        config.replace(sandbox.url, f"http://127.0.0.1:{port}")
    )
    assert "no answer from" in one_line_error(zotsync("sync"), 4)

    (group_project / "zotsync.yaml").write_text(config)
    sandbox.inject(Fault("500", times=100, seconds=0))
    assert "500" in one_line_error(zotsync("sync"), 4)
    sandbox.clear_faults()

    (group_project / "zotsync.yaml").write_text(config)
    assert files(group_project) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sync", "--list", "nope"], "no list named 'nope'"),
        (["export", "--collection", "Nope/Nothing"], "no collection 'Nope/Nothing'"),
        (["render", "--list", "nope"], "no list named 'nope'"),
    ],
)
def test_unknown_names(project: Path, monkeypatch, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    before = files(project)
    assert expected in one_line_error(zotsync(*args), 2)
    assert files(project) == before
