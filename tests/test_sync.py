"""`zotsync sync`: the list -> Zotero import, against the sandbox over real HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx2
import pytest

from conftest import GROUP, KEY, SEED_000, SEED_002, run

SEQ = "multimodal-sequence-learning"
REP = "multimodal-representation-learning"


def library(sandbox) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False
    ) as http:
        collections = http.get(f"/groups/{GROUP}/collections", params={"format": "versions"}).json()
        cols = {c["key"]: c["data"] for c in _all(http, "collections", collections)}
        keys = http.get(
            f"/groups/{GROUP}/items", params={"format": "versions", "includeTrashed": 1}
        ).json()
        items = {i["key"]: i["data"] for i in _all(http, "items", keys)}
    return {"collections": cols, "items": items}


def _all(http: httpx2.Client, path: str, keys: dict[str, int]) -> list[dict[str, Any]]:
    param = "itemKey" if path == "items" else "collectionKey"
    found: list[dict[str, Any]] = []
    listed = sorted(keys)
    for start in range(0, len(listed), 50):
        chunk = ",".join(listed[start : start + 50])
        found.extend(
            http.get(f"/groups/{GROUP}/{path}", params={param: chunk, "includeTrashed": 1}).json()
        )
    return found


def tops(lib: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in lib["items"].values() if d["itemType"] != "attachment"]


def path_of(lib: dict[str, Any], key: str) -> tuple[str, ...]:
    names = []
    while key:
        data = lib["collections"][key]
        names.append(data["name"])
        key = data["parentCollection"] or ""
    return tuple(reversed(names))


def sync(*args: str) -> Any:
    result = run("sync", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def requests_during(sandbox, call) -> list[Any]:  # type: ignore[no-untyped-def]
    before = len(sandbox.requests)
    call()
    return sandbox.requests[before:]


# --------------------------------------------------------------------------- first import


def test_first_sync_builds_collections_items_and_links_in_few_requests(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    log = requests_during(sandbox, lambda: sync())
    lib = library(sandbox)
    paths = {path_of(lib, key) for key in lib["collections"]}
    assert ("Awesome Multimodal Sequence Learning", "Research Areas", "Multimodal Fusion") in paths
    assert (
        "Awesome Multimodal Representation Learning",
        "Useful Blogs and Videos",
        "OpenAI Multimodal Research",
    ) in paths
    items = tops(lib)
    # 112 + 8 entries: a paper listed twice with the same text, and arXiv 1908.05787 listed
    # under its two titles, are one item each (the first listing's title)
    assert len(items) == 110 + 8
    by_title = {d["title"]: d for d in items}
    assert "Integrating Multimodal Information in Large Pretrained Transformers" in by_title
    assert not any(t.startswith("M-BERT") for t in by_title)
    fusion = by_title["Trusted Multi-View Classification"]
    assert fusion["itemType"] == "conferencePaper"
    assert fusion["conferenceName"] == "ICLR"
    assert fusion["proceedingsTitle"] == "International Conference on Learning Representations"
    assert (
        fusion["date"] == "2021" and "zotsync-id: multimodal-sequence-learning/" in fusion["extra"]
    )
    assert [path_of(lib, c) for c in fusion["collections"]] == [
        ("Awesome Multimodal Sequence Learning", "Research Areas", "Multimodal Fusion")
    ]
    preprint = by_title["Dynamic Fusion for Multimodal Data"]
    assert (preprint["itemType"], preprint["repository"], preprint["archiveID"]) == (
        "preprint",
        "arXiv",
        "arXiv:1911.03821",
    )
    journal = by_title["Multimodal Machine Learning: A Survey and Taxonomy"]
    assert (journal["itemType"], journal["journalAbbreviation"]) == ("journalArticle", "TPAMI")
    oscar = next(d for d in items if d["title"].startswith("Oscar"))
    assert oscar["creators"][0] == {
        "creatorType": "author",
        "firstName": "Xiujun",
        "lastName": "Li",
    }
    blog = next(d for d in items if d["title"] == "CLIP: Connecting Text and Images")
    assert blog["itemType"] == "blogPost"
    links = [d for d in lib["items"].values() if d["itemType"] == "attachment"]
    assert len(links) == 40
    parent = lib["items"][
        next(d for d in links if d["url"] == "https://github.com/hanmenghan/TMC")["parentItem"]
    ]
    assert parent["title"] == "Trusted Multi-View Classification"
    assert {d["linkMode"] for d in links} == {"linked_url"}
    writes = [r for r in log if r.method == "POST"]
    reads = [r for r in log if r.method == "GET"]
    # floor: per list ⌈collections/50⌉ + ⌈(items + attachments)/50⌉ = (1 + 4) + (1 + 1)
    assert len(writes) == 7 and len(reads) == 2


def test_a_second_sync_costs_one_request_and_changes_nothing(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    before = library(sandbox)
    log = requests_during(sandbox, lambda: sync())
    assert len(log) == 1 and log[0].method == "GET"
    assert library(sandbox) == before
    result = run("sync")
    assert "nothing to do" in result.output


def test_dry_run_prints_the_plan_and_changes_nothing(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    result = run("sync", "--dry-run")
    assert result.exit_code == 0
    assert "15 collections to create" in result.output  # root + 14 sections (no table of contents)
    assert "110 items to create" in result.output and "40 links to attach" in result.output
    assert all(r.method == "GET" for r in sandbox.requests)
    assert library(sandbox)["items"] == {}
    assert not (group_project / "entries" / SEQ / "sync-state.json").exists()


# --------------------------------------------------------------------------- list edits


def _edit(project: Path, section: str, old: str, new: str) -> None:
    path = project / "entries" / SEQ / "sections" / f"{section}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_edited_entry_updates_exactly_that_item(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    _edit(
        group_project,
        "research-areas--multimodal-fusion",
        "title: Trusted Multi-View Classification",
        "title: Trusted Multi-View Classification (TMC)",
    )
    _edit(
        group_project,
        "research-areas--multimodal-fusion",
        "code: https://github.com/hanmenghan/TMC",
        "code: https://github.com/hanmenghan/TMC2",
    )
    log = requests_during(sandbox, lambda: sync())
    posts = [r for r in log if r.method == "POST"]
    assert len(posts) == 2  # the item, then its attachment
    lib = library(sandbox)
    titles = [d["title"] for d in tops(lib)]
    assert "Trusted Multi-View Classification (TMC)" in titles
    assert "Trusted Multi-View Classification" not in titles
    links = [d["url"] for d in lib["items"].values() if d["itemType"] == "attachment"]
    assert "https://github.com/hanmenghan/TMC2" in links and len(links) == 40
    assert len(requests_during(sandbox, lambda: sync())) == 1


def test_a_moved_entry_changes_collections_and_a_removed_one_is_released_or_pruned(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    sync()
    sections = group_project / "entries" / SEQ / "sections"
    fusion = sections / "research-areas--multimodal-fusion.yaml"
    datasets = sections / "datasets.yaml"
    text = fusion.read_text()
    start = text.index("- id: dynamic-fusion-multimodal-data-2019")
    end = text.index("\n\n", start) + 2
    block = text[start:end]
    fusion.write_text(text[:start] + text[end:])
    datasets.write_text(datasets.read_text().rstrip("\n") + "\n\n" + block)
    sync()
    lib = library(sandbox)
    item = next(d for d in tops(lib) if d["title"] == "Dynamic Fusion for Multimodal Data")
    assert [path_of(lib, c) for c in item["collections"]] == [
        ("Awesome Multimodal Sequence Learning", "Datasets")
    ]

    text = datasets.read_text()
    datasets.write_text(text.replace(block, "").rstrip("\n") + "\n")
    sync()
    lib = library(sandbox)
    item = next(d for d in tops(lib) if d["title"] == "Dynamic Fusion for Multimodal Data")
    assert item["collections"] == [] and not item.get("deleted")  # kept, out of the list

    _edit(
        group_project,
        "survey-papers",
        "- id: deep-multimodal-representation-learning-survey-2019",
        "- id: deep-multimodal-representation-learning-survey-2019-gone",
    )
    report = sync("--prune")
    lib = library(sandbox)
    trashed = [d for d in tops(lib) if d.get("deleted")]
    assert [d["title"] for d in trashed] == ["Deep Multimodal Representation Learning: A Survey"]
    assert report[0]["written"]["trash"] == 1


# --------------------------------------------------------------------------- adoption


def test_papers_already_in_the_group_are_adopted_not_duplicated(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    existing = sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "preprint",
                "title": "MFAS (a teammate's copy)",
                "url": "https://arxiv.org/abs/1903.06496",
                "abstractNote": "Kept as it is.",
            },
            {
                "itemType": "journalArticle",
                "title": "Multimodal machine learning: a survey and taxonomy",
                "date": "2019-02-01",
                "url": "https://arxiv.org/abs/1705.09406v2",
            },
        ],
    )
    keys = [existing["successful"][i]["key"] for i in ("0", "1")]
    report = sync()
    adopted = {a["key"] for r in report for a in r["adopted"]}
    assert set(keys) <= adopted
    lib = library(sandbox)
    assert len(tops(lib)) == 110 + 8  # nothing duplicated
    mfas = lib["items"][keys[0]]
    assert mfas["title"] == "MFAS (a teammate's copy)"  # Zotero's values are kept
    assert mfas["abstractNote"] == "Kept as it is."
    assert mfas["extra"].startswith("zotsync-id: multimodal-sequence-learning/")
    assert [path_of(lib, c)[-1] for c in mfas["collections"]] == ["Multimodal Fusion"]
    report = sync()
    assert report[0]["written"] == {} and report[1]["written"] == {}  # stable: nothing flips
    assert report[0]["pulled"] == []  # the copy's own title is no edit on either side
    assert library(sandbox)["items"][keys[0]]["title"] == "MFAS (a teammate's copy)"


def test_a_lost_state_adopts_everything_by_marker(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    for state in (group_project / "entries").glob("*/sync-state.json"):
        state.unlink()
    report = sync()
    assert sum(len(r["adopted"]) for r in report) == 110 + 8
    assert len(tops(library(sandbox))) == 110 + 8


# --------------------------------------------------------------------------- the embedded sandbox


def test_library_sandbox_runs_in_process_on_a_fresh_clone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.delenv("ZOTERO_API_KEY", raising=False)
    first = run("sync")
    assert first.exit_code == 0, first.output
    assert "15 collections created, 110 items created, 40 links attached" in first.output
    second = run("sync")
    assert "the sandbox: 1 request(s)" in second.output
    assert (project / ".zotsync" / "sandbox.sqlite").exists()
    assert (project / ".zotsync" / ".gitignore").read_text() == "*\n"
    assert not list((project / "entries").glob("*/sync-state.json"))


def test_a_group_state_names_its_library_and_is_ignored_for_another(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    state = json.loads((group_project / "entries" / SEQ / "sync-state.json").read_text())
    assert state["library"] == {"endpoint": sandbox.url, "group": GROUP}
    assert KEY not in (group_project / "entries" / SEQ / "sync-state.json").read_text()


def test_plain_http_to_a_remote_host_is_refused(group_project) -> None:  # type: ignore[no-untyped-def]
    config = group_project / "zotsync.yaml"
    config.write_text(
        config.read_text().replace("http://127.0.0.1", "http://zotero.example.org", 1)
    )
    result = run("sync", "--list", SEQ)
    assert result.exit_code == 2 and "use https" in result.stderr


def test_no_key_says_how_to_give_one(group_project, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ZOTERO_API_KEY")
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    keyring.set_keyring(NoKeyring())
    result = run("sync")
    assert result.exit_code == 2
    assert "zotsync login" in result.stderr and "ZOTERO_API_KEY" in result.stderr


def test_seeds_are_served_as_written(group_project) -> None:  # type: ignore[no-untyped-def]
    assert (group_project / "entries" / SEQ / "README.md").read_bytes() == SEED_000.read_bytes()
    assert (group_project / "entries" / REP / "README.md").read_bytes() == SEED_002.read_bytes()
    assert os.environ["ZOTERO_API_KEY"] == KEY


def test_the_state_journal_replays_and_survives_a_torn_line(tmp_path: Path) -> None:
    from zotsync.adapters.state_file import StateFile
    from zotsync.sync.state import ItemRecord

    store = StateFile(tmp_path / "sync-state.json", {"library": "x"})
    state, fresh = store.load()
    assert fresh and state.version == 0
    state.version = 7
    state.items["a"] = ItemRecord("ABCD2345", 7, {"title": "A"}, [])
    store.journal(state, {"a"}, set())
    state.version = 9
    state.items["b"] = ItemRecord("BCDE3456", 9, {"title": "B"}, [])
    store.journal(state, {"b"}, set())
    with store.journal_path.open("a") as handle:
        handle.write('{"version": 11, "items": {"c": ')  # killed in the middle of a line
    loaded, fresh = StateFile(store.path, {"library": "x"}).load()
    assert not fresh and loaded.version == 9 and sorted(loaded.items) == ["a", "b"]
    store.save(loaded)
    assert not store.journal_path.exists()
    again, _ = StateFile(store.path, {"library": "x"}).load()
    assert again.to_dict() == loaded.to_dict()
    other, fresh = StateFile(store.path, {"library": "another"}).load()
    assert fresh and other.items == {}


def test_conflicts_are_left_alone_and_zotero_only_changes_are_not_overwritten(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    by_title = {d["title"]: (key, d) for key, d in lib["items"].items()}
    key, _ = by_title["Trusted Multi-View Classification"]
    other_key, _ = by_title["Dynamic Fusion for Multimodal Data"]
    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False
    ) as http:
        versions = http.get(
            f"/groups/{GROUP}/items", params={"itemKey": f"{key},{other_key}"}
        ).json()
    current = {i["key"]: i["version"] for i in versions}
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {"key": key, "version": current[key], "title": "TMC (teammate)"},
            {"key": other_key, "version": current[other_key], "date": "2019-11-10"},
        ],
    )
    _edit(
        group_project,
        "research-areas--multimodal-fusion",
        "title: Trusted Multi-View Classification",
        "title: Trusted Multi-View Classification (list)",
    )
    mfas = 'title: "MFAS: Multimodal Fusion Architecture Search'
    _edit(group_project, "research-areas--multimodal-fusion", mfas, mfas + " (v2)")
    result = run("sync")
    assert result.exit_code == 3, result.output
    assert "conflict" in result.output and "TMC (teammate)" in result.output
    assert "Trusted Multi-View Classification (list)" in result.output
    assert "pulled    dynamic-fusion-multimodal-data-2019: date" in result.output
    lib = library(sandbox)
    assert lib["items"][key]["title"] == "TMC (teammate)"  # nothing overwritten
    assert lib["items"][other_key]["date"] == "2019-11-10"
    titles = {d["title"] for d in tops(lib)}
    assert "MFAS: Multimodal Fusion Architecture Search (v2)" in titles  # the rest went through


def test_a_standing_conflict_is_reported_by_every_sync_not_skipped(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    """The no-op fast path (one conditional request, entries not parsed) is taken only after
    a sync that ended clean: a conflict is reported again, and a later edit is synced."""
    sync()
    lib = library(sandbox)
    key, data = next(
        (k, d)
        for k, d in lib["items"].items()
        if d.get("title") == "Dual Low-Rank Multimodal Fusion"
    )
    sandbox.teammate_write(
        GROUP, "item", [{"key": key, "version": data["version"], "title": "Zotero's title"}]
    )
    fusion = Path(
        "entries/multimodal-sequence-learning/sections/research-areas--multimodal-fusion.yaml"
    )
    fusion.write_text(
        fusion.read_text().replace(
            "title: Dual Low-Rank Multimodal Fusion", "title: The list's title"
        )
    )
    for _ in range(2):
        result = run("sync")
        assert (
            result.exit_code == 3
            and "conflict  dual-low-rank-multimodal-fusion-2020.title" in result.output
        )
    assert run("sync", "--prefer", "list").exit_code == 0
    before = len(sandbox.requests)
    assert "nothing to do" in run("sync").output
    assert len(sandbox.requests) - before == 1
    assert next(
        d for d in library(sandbox)["items"].values() if d.get("title") == "The list's title"
    )
