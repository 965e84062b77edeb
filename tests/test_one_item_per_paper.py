"""One paper listed in several sections, in other words each time, is one Zotero item filed
in each section's collection (against the sandbox over HTTP, through the CLI); a teammate's
edit of it in Zotero reaches the listings that said what the item said; `check` says where
the listings' texts differ.  And in memory: which listings share an item."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

from conftest import GROUP, KEY, run
from test_sync import library, path_of, tops
from zotsync.adapters.markdown_list import read_list
from zotsync.core.assemble import build_list
from zotsync.core.entries import titles_agree
from zotsync.core.mapping import Mapping
from zotsync.sync.desired import desired_library

LIST = "multimodal-representation-learning"
README = Path("entries") / LIST / "README.md"
CLIP = "Learning Transferable Visual Models From Natural Language Supervision"
# The same paper (the same arXiv id, another of its URLs) in the blogs section, in its
# short name and with a link of its own.
AGAIN = (
    "- **CLIP**, 2021 [[paper]](https://arxiv.org/abs/2103.00020), "
    "[[code]](https://github.com/openai/CLIP)\n"
)


def _list_clip_again() -> None:
    text = README.read_text()
    marker = "## Useful Blogs and Videos\n"
    assert marker in text and CLIP in text
    README.write_text(text.replace(marker, marker + AGAIN, 1))


def _clip_items(sandbox) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [d for d in tops(library(sandbox)) if "2103.00020" in str(d.get("url", ""))]


def test_a_paper_in_two_sections_is_one_item_in_both_collections(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    _list_clip_again()
    ingested = run("ingest", "--list", LIST)
    assert ingested.exit_code == 0, ingested.output
    checked = run("check", "--list", LIST, "--json")
    twice = [f for f in json.loads(checked.stdout) if f["code"] == "duplicate"]
    assert len(twice) == 1 and "same arxiv" in twice[0]["message"]
    assert "they differ in title" in twice[0]["message"], twice[0]["message"]

    synced = run("sync", "--list", LIST)
    assert synced.exit_code == 0, synced.output
    (item,) = _clip_items(sandbox)
    assert item["title"] == CLIP  # the first listing's words
    lib = library(sandbox)
    assert sorted(path_of(lib, c)[-1] for c in item["collections"]) == [
        "Contrastive Learning",
        "Useful Blogs and Videos",
    ]
    again = run("sync", "--list", LIST)
    assert again.exit_code == 0 and "nothing to do" in again.output, again.output
    assert len(_clip_items(sandbox)) == 1


def test_a_teammates_title_edit_reaches_the_listings_that_said_the_same(
    group_project, sandbox
) -> None:  # type: ignore[no-untyped-def]
    text = README.read_text()
    line = next(li for li in text.splitlines(keepends=True) if CLIP in li)
    README.write_text(
        text.replace("## Useful Blogs and Videos\n", "## Useful Blogs and Videos\n" + line, 1)
    )
    assert run("ingest", "--list", LIST).exit_code == 0
    assert run("sync", "--list", LIST).exit_code == 0
    (item,) = _clip_items(sandbox)
    assert len(item["collections"]) == 2

    edited = CLIP.replace("From", "from")
    answer = httpx2.patch(
        f"{sandbox.url}/groups/{GROUP}/items/{item['key']}",
        json={"title": edited},
        headers={"Zotero-API-Key": KEY, "If-Unmodified-Since-Version": str(item["version"])},
    )
    assert answer.status_code == 204, answer.text
    pulled = run("sync", "--list", LIST)
    assert pulled.exit_code == 0, pulled.output
    assert run("render", "--list", LIST).exit_code == 0
    readme = README.read_text()
    assert readme.count(edited) == 2 and CLIP not in readme  # both listings said the same
    assert len(_clip_items(sandbox)) == 1


# ------------------------------------------------------------------ in memory


def _items_of(text: str) -> list[list[str]]:
    reading_list, _ = build_list(read_list(text), None)
    desired = desired_library(reading_list, Mapping.from_dict({"venues": {}}), "Root", "x")
    return [[entry.title for entry, _ in item.members] for item in desired.items.values()]


def test_which_listings_share_an_item() -> None:
    text = (
        "# L\n\n## A\n\n"
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762), NeurIPS 2017\n"
        "- [A Paper](https://github.com/), 2020\n"
        "- [Vision Transformers](https://doi.org/10.1000/XYZ), 2021\n"
        "\n## B\n\n"
        "- [Transformer](https://arxiv.org/pdf/1706.03762v5.pdf), 2017\n"  # another URL, same id
        "- [Another Paper](https://github.com/), 2020\n"  # a site's front page: no paper
        "- [ViT](https://dx.doi.org/10.1000/xyz), 2021\n"  # DOIs are case-insensitive
        "- [Attention Is All You Need](https://example.org/attention), NeurIPS 2017\n"
    )
    assert _items_of(text) == [
        ["Attention Is All You Need", "Transformer"],
        ["A Paper"],
        ["Vision Transformers", "ViT"],
        ["Another Paper"],
        ["Attention Is All You Need"],  # the same title at another URL: maybe another paper
    ]


def test_titles_agree_when_one_can_name_the_other() -> None:
    assert titles_agree("CLIP", "CLIP: Learning Transferable Visual Models")
    assert titles_agree(
        "VideoLLaMA 2 advancing spatial-temporal modeling",
        "VideoLLaMA2: Advancing Spatial-Temporal Modeling",
    )
    assert titles_agree("Grounding-prompter prompting LLM", "Grounding-Prompter: Prompting LLM")
    assert not titles_agree("RefCOCO and RefCOCO+", "Modeling context in referring expressions")
    assert not titles_agree(
        "PonderV2: Pave the Way for 3D Foundation Model with A Universal Pre-training Paradigm",
        "UniPAD: A Universal Pre-training Paradigm for Autonomous Driving",
    )
    assert not titles_agree(
        "CLAP: Isolating Content from Style", "CLAP: Contrastive Learning with Augmented Prompts"
    )
