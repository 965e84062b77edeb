"""``zotsync sandbox serve`` as a user runs it: a real process, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from conftest import KEY, SCHEMA_FILE


def serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zotsync",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--data",
            str(tmp_path / "data.sqlite"),
            "--schema",
            str(SCHEMA_FILE),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_prints_its_url_logs_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    process = serve(tmp_path, "--group", "77", "--key", "abc123:carol:rw", "--log", str(log))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx2.Client(
            base_url=url, headers={"Zotero-API-Key": "abc123"}, trust_env=False
        ) as http:
            made = http.post("/groups/77/items", json=[{"itemType": "book", "title": "Kept"}])
            assert made.status_code == 200
            assert http.get("/keys/current").json()["username"] == "carol"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "sandbox stopped" in err and "abc123" not in err  # keys given are not echoed
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("POST", "/groups/77/items", 200),
        ("GET", "/keys/current", 200),
    ]
    assert all(e["bytes"] > 0 for e in lines)

    again = serve(tmp_path, "--group", "77", "--key", "abc123:carol:rw")
    try:
        assert again.stdout is not None
        url = again.stdout.readline().strip()
        with httpx2.Client(
            base_url=url, headers={"Zotero-API-Key": "abc123"}, trust_env=False
        ) as http:
            items = http.get("/groups/77/items").json()
        assert [i["data"]["title"] for i in items] == ["Kept"]  # the data file was reused
    finally:
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=10)
    assert again.returncode == 0


def test_serve_refuses_a_non_loopback_address(tmp_path: Path) -> None:
    process = serve(tmp_path, "--host", "0.0.0.0")
    out, err = process.communicate(timeout=10)
    assert process.returncode == 2 and out == ""
    assert "loopback" in err and "Traceback" not in err


def test_serve_with_a_fault_from_the_command_line(tmp_path: Path) -> None:
    process = serve(tmp_path, "--fault", "429@1:2")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with httpx2.Client(base_url=url, headers={"Zotero-API-Key": KEY}, trust_env=False) as http:
            first = http.get("/groups/1/items")
            assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
            assert http.get("/groups/1/items").status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_the_full_schema_is_fetched_once_into_the_user_cache_when_asked(  # type: ignore[no-untyped-def]
    sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ZOTSYNC_SCHEMA=<Zotero's /schema URL> (here: another sandbox's, which serves it as the
    real API does) fetches it into the cache, once."""
    from zotsync.sandbox.schema import Schema, find_schema

    monkeypatch.setenv("ZOTSYNC_SCHEMA", f"{sandbox.url}/schema")
    cache = tmp_path / "cache" / "zotero-schema.json"
    found = find_schema(search=[], cache=cache)
    assert found == cache and Schema.from_bytes(cache.read_bytes()).version == 41
    before = len(sandbox.requests)
    assert find_schema(search=[], cache=cache) == cache
    assert len(sandbox.requests) == before  # the cached copy, no second download


def test_a_schema_url_that_cannot_be_read_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zotsync.errors import UserError
    from zotsync.sandbox.schema import find_schema

    monkeypatch.setenv("ZOTSYNC_SCHEMA", "http://127.0.0.1:9/schema")
    with pytest.raises(UserError, match="could not be read"):
        find_schema(search=[], cache=tmp_path / "s.json")


def test_with_no_schema_anywhere_the_shipped_facts_serve_offline(tmp_path: Path) -> None:
    from zotsync.sandbox.schema import SCHEMA_ENV, Schema, find_schema, shipped

    assert SCHEMA_ENV not in os.environ or os.environ[SCHEMA_ENV] == ""
    found = find_schema(search=[], cache=tmp_path / "none.json")
    assert found == shipped()
    facts, full = Schema.from_bytes(found.read_bytes()), Schema.from_bytes(SCHEMA_FILE.read_bytes())
    for name in ("version", "fields_by_type", "base_fields", "creator_types", "primary_creator"):
        assert getattr(facts, name) == getattr(full, name), name


def test_the_shipped_schema_facts_are_derived_from_the_schema() -> None:
    from zotero_fields_gen import render_sandbox
    from zotsync.sandbox.schema import shipped

    assert shipped().read_text() == render_sandbox(SCHEMA_FILE)
