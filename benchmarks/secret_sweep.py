"""The secret sweep: run the test suite, both benchmarks and the main job with a recognisable
fake API key, then look for it in every file they wrote and everything they printed.

    python benchmarks/secret_sweep.py           # about 6 minutes
    python benchmarks/secret_sweep.py --fast    # skip the test suite

The canary is the key of every sandbox (``ZOTSYNC_SANDBOX_KEY``) and the user's key
(``ZOTERO_API_KEY``), so every sync, login, whoami and export of the run holds it.  Then the
attacks on the key: malformed copies of it (a line break, CRLF, U+200B, U+00A0 inside) as
``ZOTERO_API_KEY`` for sync, whoami, export and login, and a server that redirects every
request to a bystander; neither half of the canary may appear, and the bystander must hear
nothing.  Files
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
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CANARY = "CANARYzotsyncFAKEKEY7f3a"  # 24 letters and digits, as Zotero keys are
SERVER_FILES = (".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")


def scan(root: Path) -> tuple[int, list[str]]:
    """(files scanned, files holding the canary) under ``root``."""
    needles = [half.encode() for half in HALVES]
    scanned, found = 0, []
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.name.endswith(SERVER_FILES):
            continue
        scanned += 1
        try:
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path))
        except OSError:
            continue
    return scanned, found


HALVES = (CANARY[:12], CANARY[12:])
MALFORMED = [CANARY[:12] + sep + CANARY[12:] for sep in ("\n", "\r\n", "\u200b", "\u00a0")]


def _servers() -> tuple[Any, Any, list[dict[str, str]]]:
    """A server that redirects every request to a bystander, which records what it hears."""
    heard: list[dict[str, str]] = []

    class Bystander(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            heard.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    bystander = ThreadingHTTPServer(("127.0.0.1", 0), Bystander)
    target = f"http://127.0.0.1:{bystander.server_address[1]}"

    class Redirector(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    redirector = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    for server in (bystander, redirector):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return redirector, bystander, heard


def key_attacks(project: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """Malformed keys and a redirecting server, against a project syncing to a group."""
    redirector, bystander, heard = _servers()
    endpoint = f"http://127.0.0.1:{redirector.server_address[1]}"
    config = (project / "zotsync.yaml").read_text()
    group = config.replace("library: sandbox", f'library: {{group: 7, endpoint: "{endpoint}"}}')
    (project / "zotsync-group.yaml").write_text(group)
    zotsync = [sys.executable, "-m", "zotsync", "--config", "zotsync-group.yaml"]
    outputs = []
    commands = (
        ["sync"],
        ["whoami"],
        ["export", "--from", "zotero", "--list", "multimodal-sequence-learning"],
    )
    try:
        for n, key in enumerate([CANARY, *MALFORMED]):
            for command in commands:
                done = subprocess.run(
                    zotsync + command,
                    cwd=project,
                    env={**env, "ZOTERO_API_KEY": key},
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                name = f"{' '.join(command)} with key variant {n}"
                outputs.append((name, done.stdout + done.stderr))
                assert done.returncode in (2, 4), (command, done.stderr)
            done = subprocess.run(
                [*zotsync, "login", "--key-stdin"],
                cwd=project,
                env=env,
                input=key + "\n",
                capture_output=True,
                text=True,
                timeout=120,
            )
            outputs.append(("login --key-stdin", done.stdout + done.stderr))
    finally:
        redirector.shutdown()
        bystander.shutdown()
    assert heard == [], f"a redirect was followed: the bystander heard {len(heard)} request(s)"
    return outputs


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
    print("running the key attacks (malformed keys, a redirecting server)", flush=True)
    outputs += key_attacks(project, env)
    leaked_outputs = [name for name, text in outputs if any(half in text for half in HALVES)]
    scanned, leaked_files = scan(sweep)
    what = f"{len(outputs)} command outputs and {scanned} files scanned"
    print(f"canary {CANARY!r} (and its halves): {what}")
    print(f"  found in outputs: {leaked_outputs or 'none'}")
    print(f"  found in files: {leaked_files or 'none'}")
    if leaked_outputs or leaked_files:
        print(f"  (kept for inspection: {sweep})")
        return 1
    shutil.rmtree(sweep, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
