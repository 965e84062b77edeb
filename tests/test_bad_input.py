"""Bad input gets one clear message and a documented exit status; no file changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_000, run, snapshot


def test_not_utf8_names_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "latin1.md"
    source.write_bytes("# List\n\n[Caf\u00e9](https://x.org), ICLR 2020\n".encode("latin-1"))
    result = run("ingest", source, "--entries", tmp_path / "e")
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"zotsync: {source}:3: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )
    assert not (tmp_path / "e").exists()


def test_binary_file(tmp_path: Path) -> None:
    source = tmp_path / "image.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run("ingest", source, "--entries", tmp_path / "e")
    assert result.exit_code == 2
    assert "looks like a binary file" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run("ingest", tmp_path / "nope.md", "--entries", tmp_path / "e")
    assert result.exit_code == 2
    assert "nope.md" in result.stderr and "No such file" in result.stderr


@pytest.mark.parametrize(
    "text",
    ["", "# Only a heading\n", "## A\n## B\n### C", "\n\n\n", "no newline at end"],
)
def test_degenerate_lists_round_trip(tmp_path: Path, text: str) -> None:
    source = tmp_path / "l.md"
    source.write_text(text, "utf-8")
    folder = tmp_path / "e"
    assert run("ingest", source, "--entries", folder).exit_code == 0
    result = run("render", "--entries", folder)
    assert result.exit_code == 0
    assert result.stdout_bytes == text.encode()


def test_crlf_and_mixed_line_endings_round_trip(tmp_path: Path) -> None:
    text = SEED_000.read_text().replace("\n", "\r\n")
    text = text[:500] + "\n" + text[500:].replace("\r\n", "\r", 3)
    source = tmp_path / "crlf.md"
    source.write_bytes(text.encode())
    folder = tmp_path / "e"
    assert run("ingest", source, "--entries", folder).exit_code == 0
    assert run("render", "--entries", folder).stdout_bytes == text.encode()


@pytest.mark.slow
def test_ten_megabyte_list_round_trips(tmp_path: Path) -> None:
    block = SEED_000.read_text()
    text = block * (10_000_000 // len(block) + 1)
    source = tmp_path / "big.md"
    source.write_text(text, "utf-8")
    folder = tmp_path / "e"
    result = run("ingest", source, "--entries", folder)
    assert result.exit_code == 0, result.output
    assert run("render", "--entries", folder).stdout_bytes == text.encode()


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("  venue: ICLR\n", "  venue: [ICLR\n", 8, "not valid YAML"),
        ("  year: 2021\n", "  year: soon\n", 9, "'year' must be a number"),
        ("  venue: ICLR\n", "  venue: ICLR\n  flavour: sweet\n", 9, "unknown field 'flavour'"),
        (
            "- id: parameter-efficient-multimodal-transformers-video-2021\n",
            "- id: ../../etc/passwd\n",
            5,
            "must be lowercase letters",
        ),
    ],
)
def test_broken_entry_yaml_is_exit_2_with_file_line_and_nothing_changes(
    seed_lists: dict[str, Path], tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    folder = seed_lists[SEED_000.stem]
    section = folder / "sections" / "research-areas--representation-learning.yaml"
    section.write_text(section.read_text().replace(old, new, 1))
    out = tmp_path / "README.md"
    out.write_bytes(SEED_000.read_bytes())
    before = snapshot(folder)
    for args in (
        ("render", "--entries", folder, "-o", out),
        ("check", "--entries", folder),
        ("ingest", SEED_000, "--entries", folder),
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(f"zotsync: {section}:{line}: "), result.stderr
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(folder) == before
    assert out.read_bytes() == SEED_000.read_bytes()


def test_duplicate_ids_across_files_are_refused(seed_lists: dict[str, Path]) -> None:
    folder = seed_lists[SEED_000.stem]
    survey = folder / "sections" / "survey-papers.yaml"
    survey.write_text(
        survey.read_text().replace(
            "- id: multimodal-machine-learning-survey-taxonomy-2019",
            "- id: parameter-efficient-multimodal-transformers-video-2021",
        )
    )
    result = run("check", "--entries", folder)
    assert result.exit_code == 2
    assert "duplicate id 'parameter-efficient-multimodal-transformers-video-2021'" in result.stderr


def test_not_a_list_folder(tmp_path: Path) -> None:
    result = run("render", "--entries", tmp_path)
    assert result.exit_code == 2
    assert "not a zotsync list folder" in result.stderr


@pytest.mark.parametrize(
    ("config", "line", "message"),
    [
        ("lists: [a, b]\n", 1, "expected `lists:`"),
        ("lists:\n  x:\n    entries: e\n    colour: red\n", 4, "unknown key 'colour'"),
        ("lists:\n  x:\n    markdown: README.md\n", 3, "`entries` is required"),
        ("lists:\n  x:\n    entries: e\n    library: {group: abc}\n", 4, "`library` is"),
        ("lists:\n  x: {entries: e\n", 2, "not valid YAML"),
        ("lists:\n  x:\n    entries: e\ncitekey: auth.lowr + year\n", 4, "unknown filter 'lowr'"),
        ("citekey: auth(1,\nlists:\n  x:\n    entries: e\n", 1, "expected an argument"),
    ],
)
def test_bad_config_is_one_line_with_file_and_line(
    tmp_path: Path, config: str, line: int, message: str
) -> None:
    path = tmp_path / "zotsync.yaml"
    path.write_text(config)
    result = run("--config", path, "render")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"zotsync: {path}:{line}: "), result.stderr
    assert message in result.stderr


def test_unknown_list_name(project: Path) -> None:
    result = run("--config", project / "zotsync.yaml", "check", "--list", "nope")
    assert result.exit_code == 2
    assert "no list named 'nope'" in result.stderr
    assert "multimodal-sequence-learning" in result.stderr


def test_no_config_and_no_entries_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("render")
    assert result.exit_code == 2
    assert "zotsync init" in result.stderr


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    from zotsync.adapters.config import load_config

    config = load_config(tmp_path / "zotsync.yaml")
    assert [item.name for item in config.lists] == ["my-reading-list"]
    again = run("init")
    assert again.exit_code == 2 and "exists already" in again.stderr


@pytest.mark.slow
def test_console_script_help_and_version_in_a_real_process() -> None:
    for args in (
        ["--version"],
        ["--help"],
        ["ingest", "--help"],
        ["render", "--help"],
        ["check", "--help"],
        ["init", "--help"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "zotsync", *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr == ""
        assert ("0.1.0" in done.stdout) if args == ["--version"] else ("Usage:" in done.stdout)


def test_a_list_that_contains_our_frame_markers_round_trips(tmp_path: Path) -> None:
    text = (
        "# Tricky\n<!-- zotsync:entry not-an-entry -->\n<!-- zotsync\\:section x -->\n\n"
        "## Papers\n\n- <!-- zotsync:section papers --> [A](https://a.org), ICLR 2020\n"
        "<!-- zotsync:no-final-newline -->\n"
    )
    source = tmp_path / "l.md"
    source.write_text(text, "utf-8")
    folder = tmp_path / "e"
    assert run("ingest", source, "--entries", folder).exit_code == 0
    assert run("render", "--entries", folder).stdout_bytes == text.encode()


def test_a_hand_broken_style_in_list_yaml_is_a_clear_error(seed_lists: dict[str, Path]) -> None:
    folder = seed_lists[SEED_000.stem]
    meta = folder / "list.yaml"
    meta.write_text(meta.read_text().replace('link_form: "[[{label}]]({url})"', 'link_form: "{x}"'))
    result = run("render", "--entries", folder)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"zotsync: {meta}:")
    assert "link_form must be one of" in result.stderr


def test_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    """`zotsync render | head`: no "Broken pipe" message, the status of a SIGPIPE.  (The
    reader is gone before zotsync writes, so the write fails whatever the pipe's size.)"""
    import os
    import subprocess
    import sys

    assert run("ingest", SEED_000, "--entries", tmp_path / "e").exit_code == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    process = subprocess.Popen(
        [sys.executable, "-m", "zotsync", "render", "--entries", str(tmp_path / "e")],
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    assert process.stderr is not None
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
