"""Teammates' work in Zotero comes back into the list (against the sandbox over HTTP)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import httpx2
import yaml

from conftest import GROUP, KEY, SEED_000, run
from test_sync import library, path_of, sync

SEQ = "multimodal-sequence-learning"
SECTIONS = Path("entries") / SEQ / "sections"


def collection_key(lib: dict[str, Any], *path: str) -> str:
    return next(k for k in lib["collections"] if path_of(lib, k) == path)


def item_key(lib: dict[str, Any], title: str) -> str:
    return next(k for k, d in lib["items"].items() if d.get("title") == title)


def current(sandbox, key: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False
    ) as http:
        found: dict[str, Any] = http.get(f"/groups/{GROUP}/items/{key}").json()
    return found


def entries_of(section: str) -> list[dict[str, Any]]:
    return yaml.safe_load((SECTIONS / f"{section}.yaml").read_text())["entries"]


def render_diff() -> list[str]:
    out = Path("out.md")
    assert run("render", "--list", SEQ, "-o", out).exit_code == 0
    diff = difflib.unified_diff(
        SEED_000.read_text().splitlines(), out.read_text().splitlines(), lineterm="", n=0
    )
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


ROOT = "Awesome Multimodal Sequence Learning"


def test_a_paper_filed_in_zotero_becomes_an_entry_in_the_lists_style(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    made = sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "conferencePaper",
                "title": "Attention Bottlenecks for Multimodal Fusion",
                "conferenceName": "NeurIPS",
                "date": "2021-12-06",
                "url": "https://arxiv.org/abs/2107.00135",
                "creators": [
                    {"creatorType": "author", "firstName": "Arsha", "lastName": "Nagrani"}
                ],
                "tags": [{"tag": "fusion"}],
                "collections": [fusion],
            }
        ],
    )
    key = made["successful"]["0"]["key"]
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "attachment",
                "linkMode": "linked_url",
                "parentItem": key,
                "title": "code",
                "url": "https://github.com/google-research/scenic",
            }
        ],
    )
    result = run("sync")
    assert result.exit_code == 0, result.output
    assert "added     attention-bottlenecks-multimodal-fusion" in result.output
    assert "by teammate" in result.output
    added = entries_of("research-areas--multimodal-fusion")[-1]
    assert added["title"] == "Attention Bottlenecks for Multimodal Fusion"
    assert (added["venue"], added["year"], added["url"]) == (
        "NeurIPS",
        2021,
        "https://arxiv.org/abs/2107.00135",
    )
    assert added["authors"] == ["Arsha Nagrani"] and added["tags"] == ["fusion"]
    assert added["links"] == {"code": "https://github.com/google-research/scenic"}
    new_line = (
        "+[Attention Bottlenecks for Multimodal Fusion](https://arxiv.org/abs/2107.00135), "
        "NeurIPS 2021 [[code]](https://github.com/google-research/scenic)"
    )  # the section's style names no authors: the README shows none, the entry keeps them
    assert sorted(render_diff()) == ["+", new_line]
    assert run("render", "--list", SEQ).exit_code == 0
    assert run("ingest", "--list", SEQ).exit_code == 0  # the README lacks them: kept
    again_listed = entries_of("research-areas--multimodal-fusion")
    assert next(e for e in again_listed if e["id"] == added["id"])["authors"] == ["Arsha Nagrani"]
    assert "zotsync-id: multimodal-sequence-learning/" in current(sandbox, key)["data"]["extra"]
    again = sync()
    assert again[0]["written"] == {} and again[0]["changes"] == []


def test_an_edit_in_zotero_changes_only_that_entry(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    key = item_key(library(sandbox), "Trusted Multi-View Classification")
    item = current(sandbox, key)
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "key": key,
                "version": item["version"],
                "title": "Trusted Multi-View Classification (TMC)",
            }
        ],
    )
    result = run("sync")
    assert "pulled    trusted-multi-view-classification-2021: title" in result.output
    old = "[Trusted Multi-View Classification](https://openreview.net/forum?id=OOsR8BzCnl5)"
    new = "[Trusted Multi-View Classification (TMC)](https://openreview.net/forum?id=OOsR8BzCnl5)"
    rest = ", ICLR 2021 [[code]](https://github.com/hanmenghan/TMC)"
    assert render_diff() == ["-" + old + rest, "+" + new + rest]
    assert sync()[0]["written"] == {}


def test_a_move_a_new_sub_collection_and_a_deletion_in_zotero(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    datasets = collection_key(lib, ROOT, "Datasets")
    key = item_key(lib, "Dynamic Fusion for Multimodal Data")
    item = current(sandbox, key)
    sandbox.teammate_write(
        GROUP, "item", [{"key": key, "version": item["version"], "collections": [datasets]}]
    )
    made = sandbox.teammate_write(
        GROUP, "collection", [{"name": "Audio", "parentCollection": datasets}]
    )
    audio = made["successful"]["0"]["key"]
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "preprint",
                "title": "AudioSet revisited",
                "repository": "arXiv",
                "date": "2022",
                "url": "https://arxiv.org/abs/2201.00001",
                "collections": [audio],
            }
        ],
    )
    gone = item_key(lib, "MFAS: Multimodal Fusion Architecture Search")
    gone_item = current(sandbox, gone)
    sandbox.teammate_write(
        GROUP, "item", [{"key": gone, "version": gone_item["version"], "deleted": 1}]
    )
    result = run("sync")
    assert result.exit_code == 0, result.output
    assert "moved     dynamic-fusion-multimodal-data-2019 to Datasets" in result.output
    assert "section   Datasets / Audio" in result.output
    assert "gone      mfas-multimodal-fusion-architecture-search-2019" in result.output
    assert any(e["id"] == "dynamic-fusion-multimodal-data-2019" for e in entries_of("datasets"))
    audio_file = SECTIONS / "datasets--audio.yaml"
    assert yaml.safe_load(audio_file.read_text())["section"] == ["Datasets", "Audio"]
    fusion_ids = [e["id"] for e in entries_of("research-areas--multimodal-fusion")]
    assert "mfas-multimodal-fusion-architecture-search-2019" in fusion_ids  # kept without --prune
    # Said once: a later sync (here one that has a teammate's title edit to pull) is silent
    # about it, and `status` shows it.
    other = item_key(library(sandbox), "Deep Multimodal Fusion by Channel Exchanging")
    version = current(sandbox, other)["version"]
    retitled = {"key": other, "version": version, "title": "Channel Exchanging Networks"}
    sandbox.teammate_write(GROUP, "item", [retitled])
    later = run("sync")
    assert later.exit_code == 0 and "pulled" in later.output, later.output
    assert "gone " not in later.output
    status = run("status", "--list", SEQ)
    assert "gone in Zotero (deleted or trashed): mfas-multimodal-fusion" in status.output
    pruned = run("sync", "--prune")
    assert "removed   mfas-multimodal-fusion-architecture-search-2019" in pruned.output
    fusion_ids = [e["id"] for e in entries_of("research-areas--multimodal-fusion")]
    assert "mfas-multimodal-fusion-architecture-search-2019" not in fusion_ids
    out = Path("out.md")
    assert run("render", "--list", SEQ, "-o", out).exit_code == 0
    text = out.read_text()
    assert "\n### Audio\n" in text or "\n## Audio\n" in text or "Audio\n" in text
    assert "[AudioSet revisited](https://arxiv.org/abs/2201.00001), arXiv 2022" in text


def test_conflicts_resolved_by_prefer(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    key = item_key(library(sandbox), "Trusted Multi-View Classification")
    item = current(sandbox, key)
    sandbox.teammate_write(
        GROUP, "item", [{"key": key, "version": item["version"], "title": "Zotero's"}]
    )
    fusion = SECTIONS / "research-areas--multimodal-fusion.yaml"
    fusion.write_text(
        fusion.read_text().replace(
            "title: Trusted Multi-View Classification", "title: The list's", 1
        )
    )
    conflicted = run("sync")
    assert conflicted.exit_code == 3
    assert current(sandbox, key)["data"]["title"] == "Zotero's"
    assert "title: The list's" in fusion.read_text()
    resolved = run("sync", "--prefer", "zotero")
    assert resolved.exit_code == 0, resolved.output
    assert "title: Zotero's" in fusion.read_text()
    assert current(sandbox, key)["data"]["title"] == "Zotero's"
    fusion.write_text(fusion.read_text().replace("title: Zotero's", "title: The list's again", 1))
    item = current(sandbox, key)
    sandbox.teammate_write(
        GROUP, "item", [{"key": key, "version": item["version"], "title": "Zotero again"}]
    )
    assert run("sync", "--prefer", "list").exit_code == 0
    assert current(sandbox, key)["data"]["title"] == "The list's again"


def test_text_from_zotero_cannot_inject_markdown(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "conferencePaper",
                "title": (
                    "Click [me](javascript:alert(1)) <script>x</script> | *b*\n# Not a heading"
                ),
                "url": "javascript:alert(1)",
                "conferenceName": "ICLR",
                "date": "2022",
                "creators": [
                    {"creatorType": "author", "firstName": "A](javascript:x)", "lastName": "B"}
                ],
                "extra": (
                    "zotsync-note: [evil](javascript:alert(2))\n"
                    "zotsync-id: multimodal-sequence-learning/../../x"
                ),
                "collections": [fusion],
            }
        ],
    )
    assert run("sync").exit_code == 0
    added = entries_of("research-areas--multimodal-fusion")[-1]
    assert added["id"].startswith("click-me-javascript-alert") and "/" not in added["id"]
    assert "url" not in added and "note" not in added
    out = Path("out.md")
    assert run("render", "--list", SEQ, "-o", out).exit_code == 0
    line = next(line for line in out.read_text().splitlines() if "Click" in line)
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(line)
    assert html.count("href=") == 1 and 'href=""' in html  # the only link: the title's, empty
    assert "<h1>" not in html and len(out.read_text().splitlines()) > 300  # no new structure
    assert "<script>" not in html and "<em>" not in html
    assert "Click [me](javascript:alert(1)) &lt;script&gt;x&lt;/script&gt; | *b*" in html


def test_pulled_then_rendered_then_ingested_then_pushed_changes_nothing(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "preprint",
                "title": "New: a paper",
                "repository": "arXiv",
                "date": "2023",
                "url": "https://arxiv.org/abs/2301.00002",
                "collections": [fusion],
            }
        ],
    )
    sync()
    readme = Path("entries") / SEQ / "README.md"
    assert run("render", "--list", SEQ).exit_code == 0
    before = {p.name: p.read_bytes() for p in SECTIONS.iterdir()}
    ingested = run("ingest", "--list", SEQ, "--json")
    assert ingested.exit_code == 0, ingested.output
    report = json.loads(ingested.output)
    assert report["added"] == [] and report["changed"] == [] and report["removed"] == []
    assert {p.name: p.read_bytes() for p in SECTIONS.iterdir()} == before
    pushed = sync()
    assert pushed[0]["written"] == {} and pushed[0]["changes"] == []
    assert readme.read_text().count("New: a paper") == 1


def test_a_side_that_suddenly_looks_empty_stops_the_sync(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    keys = [
        k
        for k, d in library(sandbox)["items"].items()
        if d["itemType"] == "blogPost"
        or "multimodal-representation-learning/" in d.get("extra", "")
    ]
    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False
    ) as http:
        version = http.get(f"/groups/{GROUP}/items", params={"limit": 1}).headers[
            "Last-Modified-Version"
        ]
        http.delete(
            f"/groups/{GROUP}/items",
            params={"itemKey": ",".join(keys)},
            headers={"If-Unmodified-Since-Version": version},
        )
    before = {p: p.read_bytes() for p in Path("entries").rglob("*.yaml")}
    stopped = run("sync", "--prune")
    assert stopped.exit_code == 2 and "--allow-empty" in stopped.stderr
    assert {p: p.read_bytes() for p in Path("entries").rglob("*.yaml")} == before
    confirmed = run("sync", "--prune", "--allow-empty")
    assert confirmed.exit_code == 0, confirmed.output
    rep = yaml.safe_load(
        (
            Path("entries")
            / "multimodal-representation-learning"
            / "sections"
            / "transformer-based.yaml"
        ).read_text()
    )
    assert rep["entries"] == []


def test_a_paper_the_list_has_filed_again_in_zotero_is_reported_not_added(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    """Same title and year, another URL (the teammate found the PDF elsewhere): one entry
    still, the duplicate named with who filed it, by the sync that meets it (again only
    if the item changes)."""
    sync()
    lib = library(sandbox)
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    before = (SECTIONS / "research-areas--multimodal-fusion.yaml").read_bytes()
    made = sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "conferencePaper",
                "title": "Trusted multi-view classification",
                "date": "2021",
                "url": "https://arxiv.org/abs/2102.02051",
                "collections": [fusion],
            }
        ],
    )
    key = made["successful"]["0"]["key"]
    result = run("sync", "--list", SEQ, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["duplicates"] == [
        {
            "entry": "trusted-multi-view-classification-2021",
            "key": key,
            "why": "the same title and year",
            "added_by": "teammate",
        }
    ]
    assert report["changes"] == []
    assert (SECTIONS / "research-areas--multimodal-fusion.yaml").read_bytes() == before
    said = run("sync", "--list", SEQ)
    assert said.exit_code == 0 and "nothing to do" in said.output  # said once, not every sync


def test_who_filed_a_paper_stays_in_its_entry(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    sync()
    lib = library(sandbox)
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    paper = {"itemType": "preprint", "title": "Perceiver IO", "date": "2021"}
    sandbox.teammate_write(GROUP, "item", [{**paper, "collections": [fusion]}])
    assert run("sync").exit_code == 0
    added = next(
        e for e in entries_of("research-areas--multimodal-fusion") if e["title"] == "Perceiver IO"
    )
    assert added["added_by"] == "teammate"
    assert run("ingest", "--list", SEQ, "--prefer", "readme").exit_code == 0  # the README lacks it
    again = next(
        e for e in entries_of("research-areas--multimodal-fusion") if e["title"] == "Perceiver IO"
    )
    assert again["added_by"] == "teammate"


def test_one_conflict_settled_alone_the_other_left_standing(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    """Two entries edited on both sides: each conflict line names the --settle that keeps
    one side of it; settling one leaves the other standing (exit 3), as it was on both
    sides."""
    sync()
    fusion = SECTIONS / "research-areas--multimodal-fusion.yaml"
    titles = {
        "Trusted Multi-View Classification": "trusted-multi-view-classification-2021",
        "Deep Multimodal Fusion by Channel Exchanging": (
            "deep-multimodal-fusion-channel-exchanging-2020"
        ),
    }
    keys = {title: item_key(library(sandbox), title) for title in titles}
    text = fusion.read_text()
    for title, key in keys.items():
        version = current(sandbox, key)["version"]
        sandbox.teammate_write(
            GROUP, "item", [{"key": key, "version": version, "title": f"Zotero: {title}"}]
        )
        text = text.replace(f"title: {title}", f"title: 'List: {title}'", 1)
    fusion.write_text(text)
    ids = list(titles.values())
    conflicted = run("sync")
    assert conflicted.exit_code == 3
    for entry_id in ids:
        assert f"--settle {entry_id}.title=list or --settle {entry_id}.title=zotero" in (
            conflicted.output
        )
    bad = run("sync", "--settle", "nonsense")
    assert bad.exit_code == 2 and "--settle" in bad.output
    settled = run("sync", "--settle", f"{ids[0]}.title=zotero")
    assert settled.exit_code == 3, settled.output  # the other one still stands
    assert f"conflict  {ids[1]}.title" in settled.output
    assert f"conflict  {ids[0]}" not in settled.output
    now = {e["id"]: e["title"] for e in entries_of("research-areas--multimodal-fusion")}
    assert now[ids[0]] == "Zotero: Trusted Multi-View Classification"
    assert now[ids[1]] == "List: Deep Multimodal Fusion by Channel Exchanging"
    other = current(sandbox, keys["Deep Multimodal Fusion by Channel Exchanging"])
    assert other["data"]["title"] == "Zotero: Deep Multimodal Fusion by Channel Exchanging"
    assert run("sync", "--settle", f"{ids[1]}=list").exit_code == 0
    assert other["key"] and current(sandbox, other["key"])["data"]["title"] == (
        "List: Deep Multimodal Fusion by Channel Exchanging"
    )


def test_a_dry_run_counts_what_the_sync_then_writes(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    """A teammate's title edit (pulled), a link they attached (taken in, nothing to write
    back), a list edit (written): the dry run's counts are the real run's."""
    sync()
    lib = library(sandbox)
    pulled = item_key(lib, "Trusted Multi-View Classification")
    version = current(sandbox, pulled)["version"]
    sandbox.teammate_write(GROUP, "item", [{"key": pulled, "version": version, "title": "TMC"}])
    attached = {
        "itemType": "attachment",
        "linkMode": "linked_url",
        "parentItem": item_key(lib, "Deep Multimodal Fusion by Channel Exchanging"),
        "title": "slides",
        "url": "https://example.org/slides.pdf",
    }
    sandbox.teammate_write(GROUP, "item", [attached])
    fusion = SECTIONS / "research-areas--multimodal-fusion.yaml"
    text = fusion.read_text()
    assert 'title: "MFAS: Multimodal Fusion Architecture Search"' in text
    fusion.write_text(text.replace("Multimodal Fusion Architecture Search", "MFAS (edited)", 1))
    dry = run("sync", "--list", SEQ, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned: dict[str, int] = {}
    for name, n in json.loads(dry.stdout)["planned"].items():
        planned[name.split()[0]] = planned.get(name.split()[0], 0) + n
    real = run("sync", "--list", SEQ, "--json")
    assert real.exit_code == 0, real.output
    written = {
        action: n
        for action, n in json.loads(real.stdout)["written"].items()
        if not action.endswith(" in the list")
    }
    assert planned == written and planned != {}
