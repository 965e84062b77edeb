"""A process killed in the middle of writing the list (ZOTSYNC_KILL_AT_WRITE, the fault
matrix's kill switch) leaves the old list or the new one, never a mix: a paper moved between
two section files is in exactly one of them, and no temp file stays behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SEED_000, run
from zotsync.adapters.yaml_store import load_list

MOVED = "[Dual Low-Rank Multimodal Fusion]"


def test_a_move_killed_at_every_write_is_all_or_nothing(tmp_path: Path) -> None:
    base = tmp_path / "base"
    assert run("ingest", SEED_000, "--entries", base / "e").exit_code == 0
    lines = SEED_000.read_text().splitlines(keepends=True)
    moved = next(n for n, line in enumerate(lines) if line.startswith(MOVED))
    line = lines.pop(moved)
    first_section = next(n for n, line in enumerate(lines) if line.startswith("## ")) + 2
    lines.insert(first_section, line)
    (tmp_path / "moved.md").write_text("".join(lines))
    outcomes = set()
    for n in range(1, 30):
        work = tmp_path / f"run-{n}"
        shutil.copytree(base, work)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "zotsync",
                "ingest",
                str(tmp_path / "moved.md"),
                "--entries",
                str(work / "e"),
                "--force",
            ],
            env={**os.environ, "ZOTSYNC_KILL_AT_WRITE": str(n)},
            capture_output=True,
            text=True,
        )
        # The next zotsync process that writes finishes a save the kill interrupted, and
        # tidies up (`check` writes nothing, not even that).
        out = tmp_path / f"out-{n}.md"
        after = subprocess.run(
            [sys.executable, "-m", "zotsync", "render", "--entries", str(work / "e"), "-o", out],
            capture_output=True,
            text=True,
        )
        assert after.returncode == 0, after.stderr
        reading_list, _ = load_list(work / "e")
        sections = [s.path for s, e in reading_list.entries() if e.title.startswith(MOVED[1:-1])]
        assert len(sections) == 1, (n, sections)
        outcomes.add(sections[0])
        assert not list((work / "e").rglob("*.tmp")), n
        assert not (work / "e" / ".zotsync-cache" / "pending-save.json").exists()
        if done.returncode == 0:
            break
    else:
        raise AssertionError("the ingest never ran to the end")
    assert n > 2 and len(outcomes) == 2  # killed before (old list) and after (new list)
