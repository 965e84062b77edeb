"""Interrupt the first import at every request, in every way the sandbox can: running sync
again converges to the fault-free library, with no duplicate collection, item or link."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conftest import GROUP, KEY, SCHEMA_FILE, make_group_project, run
from test_sync import library, path_of, sync
from zotsync.sandbox.schema import load_schema
from zotsync.sandbox.server import Fault, Sandbox

KINDS = ["drop-before", "drop-after", "500", "503", "429", "teammate"]
REQUESTS_OF_FIRST_IMPORT = 9  # 2 reads + 7 writes (see test_sync)


def canonical(lib: dict[str, Any]) -> tuple[Counter[Any], Counter[Any], Counter[Any]]:
    collections = Counter(path_of(lib, key) for key in lib["collections"])
    items = Counter(
        (
            d["title"],
            d["itemType"],
            tuple(sorted(path_of(lib, c) for c in d.get("collections", []))),
        )
        for d in lib["items"].values()
        if d["itemType"] != "attachment"
    )
    links = Counter(
        (lib["items"][d["parentItem"]]["title"], d["title"], d["url"])
        for d in lib["items"].values()
        if d["itemType"] == "attachment"
    )
    return collections, items, links


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Counter[Any], ...]:  # type: ignore[no-untyped-def]
    """The library a fault-free first import makes."""
    folder = tmp_path_factory.mktemp("reference")
    with Sandbox(folder / "s.sqlite", groups=(GROUP,), schema=load_schema(SCHEMA_FILE)) as server:
        make_group_project(folder, server.url)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ZOTERO_API_KEY", KEY)
            patch.chdir(folder)
            sync()
        return canonical(library(server))


@pytest.mark.parametrize("position", range(1, REQUESTS_OF_FIRST_IMPORT + 1))
@pytest.mark.parametrize("kind", KINDS)
def test_an_interrupted_import_converges(
    group_project, sandbox, reference, kind: str, position: int
) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault(kind, at=position, seconds=0))
    first = run("sync")
    assert first.exit_code in (0, 4), first.output  # absorbed by a retry, or a clear failure
    sandbox.clear_faults()
    again = run("sync")
    assert again.exit_code == 0, again.output
    got = canonical(library(sandbox))
    assert got == reference  # same collections, items, links, and no duplicate
    before = len(sandbox.requests)
    assert "nothing to do" in run("sync").output
    assert len(sandbox.requests) - before == 1
