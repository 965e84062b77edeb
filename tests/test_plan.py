"""The planner called directly: snapshots built in the test (a library in memory, synced once
by the engine for a base), an edit on one side or both, then ``plan_sync`` — what it decides,
case by case, as the decision table in docs/architecture.md says.  And merge3 itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_library_contract import fields_by_type
from test_sync_properties import MAPPING, MemoryStore
from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry, Section
from zotsync.sync.actions import Action, Change, ItemTarget, LinkTarget, Plan
from zotsync.sync.desired import desired_library
from zotsync.sync.engine import ListJob, run_library
from zotsync.sync.memory import MemoryLibrary
from zotsync.sync.merge import NO_BASE, Bases, Outcome, Prefer, merge3
from zotsync.sync.plan import plan_sync
from zotsync.sync.state import SyncState

SEED = ("memory", "1", "list")
FIELDS = fields_by_type()


def entry(n: int, **change: Any) -> Entry:
    base = Entry(
        id=f"paper-{n}",
        title=f"Paper {n}",
        venue="ICLR",
        year=2020,
        url=f"https://arxiv.org/abs/2001.{n:05d}",
        links=(("code", f"https://github.com/x/{n}"),),
    )
    return replace(base, **change)


def reading_list(papers: list[Entry], blogs: list[Entry] = ()) -> ReadingList:  # type: ignore[assignment]
    return ReadingList(
        frame=(),
        sections=(
            Section("papers", ("Papers",), tuple(papers)),
            Section("blogs", ("Blogs",), tuple(blogs)),
        ),
    )


class World:
    """A library in memory and a list synced into it once (the base of every case)."""

    def __init__(self, papers: list[Entry], blogs: list[Entry] = ()) -> None:  # type: ignore[assignment]
        self.library = MemoryLibrary(FIELDS)
        self.state = SyncState(library={"group": 1})
        self.list = reading_list(papers, blogs)
        desired = desired_library(self.list, MAPPING, "Root", "list")
        job = ListJob("list", desired, MAPPING, self.state, True, MemoryStore(), SEED)
        run_library([job], self.library)

    def key(self, entry_id: str) -> str:
        return self.state.items[entry_id].key

    def collection(self, name: str) -> str:
        return next(
            k for k, s in self.library.objects["collection"].items() if s.data["name"] == name
        )

    def teammate(self, kind: str, **data: Any) -> str:
        report = self.library.write_as("carol", kind, [data])
        assert report["failed"] == {}, report
        return str(next(iter(report["successful"].values())))

    def plan(self, changed: ReadingList | None = None, **options: Any) -> Plan:
        desired = desired_library(changed or self.list, MAPPING, "Root", "list")
        return plan_sync(
            desired, self.library.snapshot(), self.state, MAPPING, seed=SEED, **options
        )


def sent(plan: Plan) -> list[tuple[str, str, dict[str, Any]]]:
    return [(w.action.value, w.summary, w.data) for w in plan.writes if w.sends]


def test_a_first_plan_creates_the_collections_the_items_and_their_links() -> None:
    desired = desired_library(
        reading_list([entry(1), entry(2)], [entry(3)]), MAPPING, "Root", "list"
    )
    plan = plan_sync(desired, MemoryLibrary(FIELDS).snapshot(), SyncState({}), MAPPING, seed=SEED)
    assert plan.counts() == {"create collection": 3, "create item": 3, "link link": 3}
    created = {w.summary: w.data for w in plan.writes if w.action is Action.CREATE}
    assert created["paper-1"]["title"] == "Paper 1"
    assert created["paper-1"]["collections"] == [plan.collection_keys[("Papers",)]]
    assert plan.conflicts == [] and plan.local == []


def test_nothing_changed_on_either_side_plans_no_write() -> None:
    world = World([entry(1), entry(2)])
    assert sent(world.plan()) == []


def test_a_title_edited_in_the_list_is_written_to_zotero() -> None:
    world = World([entry(1), entry(2)])
    plan = world.plan(reading_list([entry(1, title="Paper 1 (v2)"), entry(2)]))
    assert sent(plan) == [("update", "paper-1", {"title": "Paper 1 (v2)"})]
    assert plan.pulls == [] and plan.local == []


def test_a_title_edited_in_zotero_is_pulled_into_the_entry() -> None:
    world = World([entry(1)])
    world.teammate("item", key=world.key("paper-1"), title="Paper 1 (Z)")
    plan = world.plan()
    assert ("paper-1", "title") in plan.pulls
    (change,) = plan.local
    assert change.action is Change.UPDATE and change.entry is not None
    assert change.entry.title == "Paper 1 (Z)"
    assert [w for w in plan.writes if w.data] == []  # nothing to send: both sides agree


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [(None, "conflict"), (Prefer.LIST, "write"), (Prefer.ZOTERO, "pull")],
)
def test_a_title_edited_on_both_sides_is_a_conflict_unless_a_side_is_preferred(
    prefer: Prefer | None, expected: str
) -> None:
    world = World([entry(1)])
    world.teammate("item", key=world.key("paper-1"), title="Paper 1 (Z)")
    plan = world.plan(reading_list([entry(1, title="Paper 1 (L)")]), prefer=prefer)
    conflicts = [(c.field, c.list_value, c.zotero_value, c.base_value) for c in plan.conflicts]
    writes = sent(plan)
    if expected == "conflict":
        assert conflicts == [("title", "Paper 1 (L)", "Paper 1 (Z)", "Paper 1")]
        assert writes == [] and plan.local == []
    elif expected == "write":
        assert conflicts == [] and writes == [("update", "paper-1", {"title": "Paper 1 (L)"})]
    else:
        assert conflicts == [] and writes == []
        assert [c.entry.title for c in plan.local if c.entry] == ["Paper 1 (Z)"]


def test_the_same_edit_on_both_sides_is_no_conflict_and_no_write() -> None:
    world = World([entry(1)])
    world.teammate("item", key=world.key("paper-1"), title="Paper 1 (v2)")
    plan = world.plan(reading_list([entry(1, title="Paper 1 (v2)")]))
    assert plan.conflicts == [] and sent(plan) == []


def test_an_entry_gone_from_the_list_releases_its_item_or_trashes_it_with_prune() -> None:
    world = World([entry(1), entry(2)])
    kept = world.plan(reading_list([entry(1)]))
    assert sent(kept) == [("release", "paper-2", {"collections": []})]
    pruned = world.plan(reading_list([entry(1)]), prune=True)
    assert sent(pruned) == [("trash", "paper-2", {"deleted": 1})]


def test_an_item_trashed_in_zotero_keeps_its_entry_or_removes_it_with_prune() -> None:
    world = World([entry(1), entry(2)])
    world.teammate("item", key=world.key("paper-2"), deleted=1)
    plan = world.plan()
    assert plan.gone_remotely == ["paper-2"] and plan.local == []
    pruned = world.plan(prune=True)
    assert [(c.action, c.entry_id) for c in pruned.local] == [(Change.REMOVE, "paper-2")]


def test_an_item_already_in_the_group_is_adopted_not_duplicated() -> None:
    world = World([entry(1)])
    theirs = world.teammate(
        "item", itemType="preprint", title="Their title", url=entry(2).url, date="2020"
    )
    plan = world.plan(reading_list([entry(1), entry(2)]))
    assert plan.adopted == [("paper-2", theirs)]
    (adopt,) = [w for w in plan.writes if w.action is Action.ADOPT]
    assert adopt.key == theirs and "zotsync-id: list/paper-2" in adopt.data["extra"]
    assert "title" not in adopt.data  # an adopted item keeps its own values
    assert not [w for w in plan.writes if w.action is Action.CREATE and w.summary == "paper-2"]


def test_a_teammates_paper_in_a_section_becomes_an_entry_naming_who_added_it() -> None:
    world = World([entry(1)])
    world.teammate(
        "item",
        itemType="preprint",
        title="Graph Transformer Networks",
        date="2019",
        url="https://arxiv.org/abs/1911.06455",
        collections=[world.collection("Blogs")],
    )
    plan = world.plan()
    (added,) = plan.local
    assert added.action is Change.ADD and added.section == ("Blogs",)
    assert added.entry is not None and added.entry.title == "Graph Transformer Networks"
    assert added.added_by == "carol"


def test_two_identical_papers_filed_keep_two_entries_when_the_first_sync_was_cut() -> None:
    """The two entries taken in, their markers never written: each finds its own item
    again, and neither item comes back as a third entry."""
    world = World([entry(1)])
    papers = world.collection("Papers")
    same = {"itemType": "preprint", "title": "Twin", "date": "2023", "collections": [papers]}
    world.teammate("item", **same)
    world.teammate("item", **same)
    first = world.plan()
    assert [c.action for c in first.local] == [Change.ADD, Change.ADD]
    taken = reading_list([entry(1), *[c.entry for c in first.local if c.entry]])
    again = world.plan(taken)
    assert again.local == []
    assert len({key for _, key in again.adopted}) == 2


def test_a_collection_renamed_in_zotero_renames_the_section() -> None:
    world = World([entry(1)], [entry(2)])
    world.teammate("collection", key=world.collection("Blogs"), name="Posts")
    plan = world.plan()
    resection = [c for c in plan.local if c.action is Change.RESECTION]
    assert [(c.section, c.to) for c in resection] == [(("Blogs",), ("Posts",))]


def test_an_item_moved_to_another_collection_in_zotero_moves_the_entry() -> None:
    world = World([entry(1)], [entry(2)])
    world.teammate("item", key=world.key("paper-1"), collections=[world.collection("Blogs")])
    plan = world.plan()
    assert [(c.action, c.entry_id, c.section) for c in plan.local] == [
        (Change.MOVE, "paper-1", ("Blogs",))
    ]


def test_a_link_edited_in_zotero_is_pulled_and_one_edited_in_the_list_is_written() -> None:
    world = World([entry(1)])
    link = world.state.items["paper-1"].links["code"].key
    world.teammate("item", key=link, url="https://gitlab.com/x/1")
    plan = world.plan()
    assert ("paper-1", "links.code") in plan.pulls
    assert [c.entry.links for c in plan.local if c.entry] == [(("code", "https://gitlab.com/x/1"),)]
    world2 = World([entry(1)])
    edited = reading_list([entry(1, links=(("code", "https://github.com/y/1"),))])
    (write,) = [w for w in world2.plan(edited).writes if w.sends]
    assert isinstance(write.target, LinkTarget) and write.data == {"url": "https://github.com/y/1"}


def test_a_removed_link_whose_attachment_was_trashed_comes_back_when_re_added() -> None:
    """A link removed, synced (its attachment trashed, its record dropped), then added
    again: the planner restores that attachment (it saw it in the snapshot), no create."""
    world = World([entry(1)])
    without = reading_list([entry(1, links=())])
    desired = desired_library(without, MAPPING, "Root", "list")
    job = ListJob("list", desired, MAPPING, world.state, False, MemoryStore(), SEED)
    run_library([job], world.library)
    plan = world.plan(reading_list([entry(1, links=(("code", "https://github.com/x/new"),))]))
    (write,) = [w for w in plan.writes if w.sends]
    assert write.action is Action.RELINK and write.data["deleted"] == 0
    assert isinstance(write.target, LinkTarget) and not isinstance(write.target, ItemTarget)


# ---------------------------------------------------------------------- merge3


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "prefer", "outcome"),
    [
        ("a", "a", "a", None, Outcome.UNCHANGED),
        ("a", "b", "a", None, Outcome.TAKE_LIST),
        ("a", "a", "b", None, Outcome.TAKE_ZOTERO),
        ("a", "b", "b", None, Outcome.AGREE),
        ("a", "b", "c", None, Outcome.CONFLICT),
        ("a", "b", "c", Prefer.LIST, Outcome.TAKE_LIST),
        ("a", "b", "c", Prefer.ZOTERO, Outcome.TAKE_ZOTERO),
        (NO_BASE, "b", "b", None, Outcome.AGREE),
        (NO_BASE, "b", "c", None, Outcome.CONFLICT),
        (Bases("a", "x"), "a", "x", None, Outcome.UNCHANGED),  # a standing difference
        (Bases("a", "x"), "b", "x", None, Outcome.TAKE_LIST),
    ],
)
def test_merge3_decision_table(
    base: Any, mine: str, theirs: str, prefer: Prefer | None, outcome: Outcome
) -> None:
    assert merge3(base, mine, theirs, prefer) is outcome


MIRROR = {
    Outcome.TAKE_LIST: Outcome.TAKE_ZOTERO,
    Outcome.TAKE_ZOTERO: Outcome.TAKE_LIST,
}
OTHER = {None: None, Prefer.LIST: Prefer.ZOTERO, Prefer.ZOTERO: Prefer.LIST}


@given(
    base=st.sampled_from("abc"),
    mine=st.sampled_from("abc"),
    theirs=st.sampled_from("abc"),
    prefer=st.sampled_from([None, Prefer.LIST, Prefer.ZOTERO]),
)
def test_merge3_treats_both_sides_alike(
    base: str, mine: str, theirs: str, prefer: Prefer | None
) -> None:
    """Swapping the sides (and the preference) mirrors the outcome; a side's value is taken
    only if it differs from its base or the other side agrees."""
    outcome = merge3(base, mine, theirs, prefer)
    assert merge3(base, theirs, mine, OTHER[prefer]) is MIRROR.get(outcome, outcome)
    if outcome is Outcome.TAKE_LIST:
        assert mine != base
    if outcome is Outcome.UNCHANGED:
        assert mine == theirs == base
