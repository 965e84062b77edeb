"""The sandbox driven by a client nobody here wrote: ``zotero-api-client`` from npm (the
client Zotero's own web library uses), installed by this test into a temporary folder.

It runs ``tests/node/zotero_api_client_check.mjs`` (create, read, update with the batch's
version, paging, ``since``, tags, trash, delete) against a sandbox on loopback.  Skipped,
saying why, where node or npm is missing; where npm cannot reach the registry it is skipped
too, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GROUP, KEY

CHECK = Path(__file__).parent / "node" / "zotero_api_client_check.mjs"
PACKAGE = "zotero-api-client@0.48.0"  # the version this check was written against


@pytest.fixture(scope="module")
def client_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the zotero-api-client check needs them")
    folder = tmp_path_factory.mktemp("zotero-api-client")
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", PACKAGE],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        message = f"npm install {PACKAGE} failed: {installed.stderr.strip()[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    shutil.copy(CHECK, folder / CHECK.name)
    return folder


@pytest.mark.slow
def test_zotero_api_client_works_against_the_sandbox(client_folder: Path, sandbox) -> None:  # type: ignore[no-untyped-def]
    ran = subprocess.run(
        ["node", CHECK.name, sandbox.url, KEY, str(GROUP)],
        cwd=client_folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert (
        report["checked"][-1] == "deleted" and "update with the batch version" in report["checked"]
    )
