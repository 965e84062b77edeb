from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from zotsync.cli import main
from zotsync.sandbox.server import DEFAULT_KEY

# CI runs with CI=true: a fixed, derandomised profile so a red build is reproducible.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_000 = SHARED / "seeds" / "000_938e40997f199ab1.txt"
SEED_002 = SHARED / "seeds" / "002_2a32333d63d8003f.txt"
SEEDS = [SEED_000, SEED_002]
CORPUS_LISTS = sorted((SHARED / "corpora" / "lists").glob("*/README.md"))

if not SEED_000.exists():
    raise RuntimeError(f"the shared data is missing: expected {SHARED} beside the repository")


@pytest.fixture(scope="session", autouse=True)
def _shared_data_stays_as_it_is():  # type: ignore[no-untyped-def]
    """The shared data is read, never written: a command that wrote into a file it was
    given (ingest once wrote its reconciled README into a seed) fails the whole run."""
    watched = [*SEEDS, *CORPUS_LISTS]
    before = {path: path.read_bytes() for path in watched}
    yield
    changed = [str(path) for path in watched if path.read_bytes() != before[path]]
    assert changed == [], f"tests wrote into the shared data: {changed}"


def run(*args: str | os.PathLike[str], input: str | None = None) -> Result:
    """Run the zotsync CLI in-process, as a user would from the shell.  Every command of
    every test is also a leak check: no API key the tests use may appear in its output."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    if args and args[0] != "sandbox":  # the sandbox's own test key is public: its help says it
        for secret in (KEY, "readonlykey"):
            assert secret not in result.output, f"zotsync {args[0]} printed an API key"
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but the cache) with its bytes, to prove nothing changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".zotsync-cache" not in p.parts
    }


@pytest.fixture
def seed_lists(tmp_path: Path) -> dict[str, Path]:
    """Both seeds ingested into entry folders under tmp_path: name -> entries folder."""
    folders = {}
    for seed in SEEDS:
        folder = tmp_path / seed.stem
        result = run("ingest", seed, "--entries", folder)
        assert result.exit_code == 0, result.output
        folders[seed.stem] = folder
    return folders


def copy_project(folder: Path) -> Path:
    """This repository's config, mapping and entries copied into ``folder`` (a user's list)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("zotsync.yaml", "mappings", "entries"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns(".zotsync-cache"))
        else:
            shutil.copy(source, folder / name)
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's config, mapping and entries, as a user's checkout."""
    return copy_project(tmp_path)


# --------------------------------------------------------------------------- sandbox

GROUP = 4242
KEY = DEFAULT_KEY  # "zotsyncsandboxkey", or ZOTSYNC_SANDBOX_KEY (the secret sweep's canary)
SCHEMA_FILE = SHARED / "zotero-schema.json"


@pytest.fixture
def sandbox(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A running sandbox with group 4242, the default read-write key and a read-only one."""
    from zotsync.sandbox.schema import load_schema
    from zotsync.sandbox.server import DEFAULT_KEY, Sandbox

    server = Sandbox(
        tmp_path / "sandbox.sqlite",
        groups=(GROUP,),
        keys=((DEFAULT_KEY, "alice", True), ("readonlykey", "bob", False)),
        schema=load_schema(SCHEMA_FILE),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http(sandbox):  # type: ignore[no-untyped-def]
    """A plain HTTP client on the sandbox, authenticated with the read-write key."""
    import httpx2

    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False, timeout=10
    ) as client:
        yield client


def make_group_project(folder: Path, url: str) -> Path:
    """The repository's two lists in ``folder``, configured for group 4242 at ``url``."""
    for name in ("entries", "mappings"):
        shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns(".zotsync-cache"))
    config = (
        (REPO / "zotsync.yaml")
        .read_text()
        .replace("library: sandbox", f'library: {{group: {GROUP}, endpoint: "{url}"}}')
    )
    (folder / "zotsync.yaml").write_text(config)
    return folder


@pytest.fixture
def group_project(tmp_path: Path, sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """The repository's two lists, syncing to group 4242 of the running sandbox."""
    make_group_project(tmp_path, sandbox.url)
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# The fast lane, `pytest -m "not slow"`: the core, the planner, the engine on the in-memory
# library, the layer checks.  Slow: whatever talks HTTP to the sandbox or runs zotsync (or
# ruff, mypy, pip, git) as a process.
SLOW_FIXTURES = {"sandbox", "http", "group_project", "project", "seed_lists"}
SLOW_MODULES = {
    "test_attacks",
    "test_crash_safety",
    "test_fault_matrix",
    "test_integrations",
    "test_sandbox_serve",
    "test_sandbox_stress",
    "test_seed_workflows",
    "test_tooling",
    "test_two_clones",
    "test_user_errors",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = item.module.__name__ if getattr(item, "module", None) else ""
        http = "side" in fixtures and "[http]" in item.nodeid
        if fixtures & SLOW_FIXTURES or module in SLOW_MODULES or http:
            item.add_marker(pytest.mark.slow)
