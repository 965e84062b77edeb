"""The secret sweep: run the test suite, both benchmarks and the main job with a recognisable
fake API key, then look for it in every file they wrote and everything they printed.

    python benchmarks/secret_sweep.py           # about 6 minutes
    python benchmarks/secret_sweep.py --fast    # skip the test suite

The canary is the key of every sandbox (``ZOTSYNC_SANDBOX_KEY``) and the user's key
(``ZOTERO_API_KEY``), so every sync, login, whoami and export of the run holds it.  Files
scanned: pytest's temporary folders, the benchmarks' (kept with ``ZOTSYNC_KEEP_TMP``), and a
copy of this repository's lists (config, mapping, entries) after `zotsync sync` and
`zotsync export` (entries, state, caches, the embedded sandbox's state, exports).  Not
scanned: the sandbox's own SQLite database, which stands in for api.zotero.org and must know
the keys it accepts.  Exit 1 if the canary is found anywhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CANARY = "CANARYzotsyncFAKEKEY7f3a"  # 24 letters and digits, as Zotero keys are
SERVER_FILES = (".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")


def scan(root: Path) -> tuple[int, list[str]]:
    """(files scanned, files holding the canary) under ``root``."""
    needle = CANARY.encode()
    scanned, found = 0, []
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.name.endswith(SERVER_FILES):
            continue
        scanned += 1
        try:
            if needle in path.read_bytes():
                found.append(str(path))
        except OSError:
            continue
    return scanned, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="skip the test suite")
    args = parser.parse_args()
    sweep = Path(tempfile.mkdtemp(prefix="zotsync-sweep-"))
    (sweep / "tmp").mkdir()
    env = {
        **os.environ,
        "ZOTSYNC_SANDBOX_KEY": CANARY,
        "ZOTERO_API_KEY": CANARY,
        "ZOTSYNC_KEEP_TMP": "1",
        "TMPDIR": str(sweep / "tmp"),
        "CI": "true",
    }
    runs = []
    if not args.fast:
        runs.append(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--basetemp={sweep / 'pytest'}",
            ]
        )
    runs += [
        [sys.executable, "benchmarks/faults.py", "--quick"],
        [sys.executable, "benchmarks/scale.py", "1000", "--big-group", "2000", "--naive", "200"],
    ]
    project = sweep / "project"  # what a user's checkout holds: config, mapping, entries
    project.mkdir()
    shutil.copy(REPO / "zotsync.yaml", project)
    for folder in ("mappings", "entries"):
        shutil.copytree(REPO / folder, project / folder)
    outputs: list[tuple[str, str]] = []
    for command in runs:
        print("running", " ".join(command[1:]), flush=True)
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        outputs.append((" ".join(command[1:]), done.stdout + done.stderr))
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:])
            return 2
    zotsync = [sys.executable, "-m", "zotsync"]
    for command in (
        ["sync"],
        ["sync"],
        ["export", "--collection", "Research Areas/Multimodal Fusion", "-o", "fusion.bib"],
        ["export", "--collection", "Research Areas", "--from", "zotero", "-o", "areas.bib"],
        ["whoami"],
        ["check"],
        ["sandbox", "serve", "--help"],
    ):
        done = subprocess.run(
            zotsync + command, cwd=project, env=env, capture_output=True, text=True
        )
        outputs.append((" ".join(command), done.stdout + done.stderr))
        # whoami has no group to ask about (every list is on the sandbox): exit 2, a message.
        assert done.returncode in ((0, 1, 2) if command == ["whoami"] else (0, 1)), done.stderr
    leaked_outputs = [name for name, text in outputs if CANARY in text]
    scanned, leaked_files = scan(sweep)
    print(f"canary {CANARY!r}: {len(outputs)} command outputs and {scanned} files scanned")
    print(f"  found in outputs: {leaked_outputs or 'none'}")
    print(f"  found in files: {leaked_files or 'none'}")
    if leaked_outputs or leaked_files:
        print(f"  (kept for inspection: {sweep})")
        return 1
    shutil.rmtree(sweep, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
