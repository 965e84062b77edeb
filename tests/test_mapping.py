"""Entries -> Zotero items: valid against Zotero's schema (v41), and back to the same entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, SCHEMA_FILE
from zotsync.adapters.yaml_store import load_list, load_mapping
from zotsync.core.entries import Entry
from zotsync.core.mapping import attachment_fields, content_of_item, item_fields
from zotsync.sandbox.objects import ObjectError, build_item
from zotsync.sandbox.schema import load_schema

SCHEMA = load_schema(SCHEMA_FILE)
MAPPING = load_mapping(REPO / "mappings" / "default.yaml")
LISTS = ["multimodal-sequence-learning", "multimodal-representation-learning"]


def validate(data: dict[str, object]) -> dict[str, object]:
    """Zotero's rules for a new item (the sandbox's validator, built from the schema)."""
    return build_item(
        SCHEMA,
        None,
        data,
        replace=False,
        item_exists=lambda k: True,
        top_level_item=lambda k: True,
        collection_exists=lambda k: True,
    )


def entries(name: str) -> list[Entry]:
    reading_list, _ = load_list(REPO / "entries" / name)
    return [entry for _, entry in reading_list.entries()]


@pytest.mark.parametrize("name", LISTS)
def test_every_item_and_attachment_of_the_seeds_is_valid(name: str) -> None:
    types = set()
    for entry in entries(name):
        data = item_fields(entry, MAPPING, name)
        try:
            validate(data)
            for label, url in entry.links:
                validate(dict(attachment_fields(label, url), parentItem="ABCD2345"))
        except ObjectError as error:
            pytest.fail(f"{entry.id}: {error.message}")
        types.add(data["itemType"])
    expected = (
        {"conferencePaper", "journalArticle", "preprint", "document"}
        if name == LISTS[0]
        else {"preprint", "blogPost", "videoRecording"}
    )
    assert expected <= types


@pytest.mark.parametrize("name", LISTS)
def test_seed_items_give_their_entries_back(name: str) -> None:
    for entry in entries(name):
        data = item_fields(entry, MAPPING, name)
        assert content_of_item(data, MAPPING, entry.links) == entry.content(), entry.id


def test_every_venue_of_the_seeds_is_in_the_mapping() -> None:
    venues = {e.venue for name in LISTS for e in entries(name) if e.venue}
    unknown = {v for v in venues if MAPPING.venues.lookup(v) is None}
    assert unknown == {"ACl"}  # a typo `zotsync check` reports; it maps by letter case too
    assert MAPPING.item_type(Entry(id="x", title="t", venue="ACl")) == "conferencePaper"


def test_the_shipped_mapping_is_the_repository_mapping() -> None:
    assert load_mapping(None) == MAPPING


names = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøčÁ-'.", min_size=1, max_size=8),
    min_size=1,
    max_size=3,
).map(" ".join)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1, max_size=30
)


@given(
    title=texts,
    venue=st.sampled_from(
        [
            "",
            "ICLR",
            "NIPS",
            "EMNLP Findings",
            "IEEE TNNLS",
            "TPAMI",
            "arXiv",
            "Some Workshop",
            "Unknown Venue",
        ]
    ),
    year=st.none() | st.integers(1900, 2099),
    authors=st.lists(names, max_size=4),
    url=st.sampled_from(
        [
            "",
            "https://arxiv.org/abs/2101.00001",
            "https://x.org/a?b=c",
            "https://doi.org/10.1145/3474085.3475251",
        ]
    ),
    kind=st.sampled_from(["", "Blog", "Youtube", "Podcast"]),
    note=st.sampled_from(["", "(**ELMo**)"]),
    tags=st.lists(
        st.text(alphabet="abc xyz", min_size=1, max_size=5).map(str.strip).filter(bool),
        max_size=2,
        unique=True,
    ),
)
def test_entry_item_entry_round_trip(title, venue, year, authors, url, kind, note, tags) -> None:  # type: ignore[no-untyped-def]
    entry = Entry(
        id="e-1",
        title=title,
        url=url,
        venue=venue,
        year=year,
        authors=tuple(authors),
        kind=kind,
        note=note,
        tags=tuple(tags),
    )
    data = item_fields(entry, MAPPING, "list")
    validate(data)
    assert content_of_item(data, MAPPING, ()) == entry.content()


def test_the_default_table_knows_the_common_venues_and_types_journals() -> None:
    mapping = load_mapping(None)
    conferences = ["KDD", "WWW", "UAI", "SDM", "ICDE", "CIKM", "SIGIR", "BMVC", "WACV", "CoRL"]
    for venue in conferences:
        assert mapping.item_type(Entry(id="x", title="T", venue=venue)) == "conferencePaper"
    journals = ["TKDE", "TNN", "IEEE TNN", "J. Chem. Inf. Model.", "IEEE Transactions on X"]
    for venue in journals:
        assert mapping.item_type(Entry(id="x", title="T", venue=venue)) == "journalArticle"
    assert mapping.item_type(Entry(id="x", title="T", venue="Some Workshop")) == "conferencePaper"
    assert mapping.item_type(Entry(id="x", title="T", venue="arXiv preprint")) == "preprint"
    assert mapping.item_type(Entry(id="x", title="T", kind="dataset")) == "dataset"
