"""A teammate's papers: items put into the list's collections in Zotero become entries of
those sections (one entry per section they are filed in)."""

from __future__ import annotations

from dataclasses import replace

from zotsync.core.entries import ID_PATTERN, Entry, SectionPath, identity_keys
from zotsync.core.escape import clean_line
from zotsync.core.mapping import (
    MARKER,
    content_of_item,
    entry_of_item,
    read_extra,
    section_item_fields,
)
from zotsync.sync.actions import Action, Change, Duplicate, LocalChange, Phase
from zotsync.sync.desired import DesiredItem
from zotsync.sync.plan.context import PlanContext
from zotsync.sync.plan.items import update_item
from zotsync.sync.plan.links import plan_links
from zotsync.sync.plan.matching import NOT_PAPERS
from zotsync.sync.remote import RemoteObject


def plan_additions(ctx: PlanContext) -> None:
    if not ctx.pull:
        return
    paths = ctx.paths()
    known = {r.key for r in ctx.base.items.values()} | ctx.claimed
    known |= {w.key for w in ctx.plan.phases[Phase.ITEMS]}
    prefix = f"{ctx.desired.list_name}/"
    papers = _ListedPapers(ctx)
    for obj in sorted(ctx.remote.items.values(), key=lambda o: o.key):
        data = obj.data
        if obj.key in known or obj.trashed or data.get("parentItem"):
            continue
        if data.get("itemType") in NOT_PAPERS:
            continue
        sections = sorted(paths[c] for c in data.get("collections", []) if c in paths)
        if not sections:
            continue
        marker = read_extra(str(data.get("extra", ""))).get(MARKER, "")
        if marker and not marker.startswith(prefix):
            continue  # another list's entry, filed here too
        wanted_id = marker[len(prefix) :] if marker else ""
        duplicate = papers.same_paper(obj, wanted_id)
        if duplicate is not None:
            ctx.plan.duplicates.append(duplicate)
            ctx.claimed.add(obj.key)
            continue
        _add(ctx, obj, sections, wanted_id)


def _added_by(obj: RemoteObject) -> str:
    """The teammate who made the item (``meta.createdByUser``), as one clean line."""
    return clean_line(str(obj.meta.get("createdByUser", {}).get("username", ""))).strip()


_WHY = {
    "arxiv": "the same arXiv id",
    "doi": "the same DOI",
    "openreview": "the same OpenReview id",
    "url": "the same URL",
    "title": "the same title and year",
}


class _ListedPapers:
    """The papers the list already has, by identity, to tell a teammate's new item from a
    second copy of one of them (Zotero's "Duplicate Item" keeps the marker, too)."""

    def __init__(self, ctx: PlanContext) -> None:
        self.ctx = ctx
        self._by_identity: dict[str, str] | None = None  # built when an item first needs it
        self.ids = {m.id for item in ctx.desired.items.values() for m, _ in item.members}

    @property
    def by_identity(self) -> dict[str, str]:
        if self._by_identity is None:
            self._by_identity = {}
            for item in self.ctx.desired.items.values():
                for member, _ in item.members:
                    for key in identity_keys(member.content()):
                        self._by_identity.setdefault(key, member.id)
        return self._by_identity

    def same_paper(self, obj: RemoteObject, wanted_id: str) -> Duplicate | None:
        ctx = self.ctx
        who = _added_by(obj)
        if wanted_id and wanted_id in self.ids:
            return Duplicate(wanted_id, obj.key, "the same zotsync-id", who)
        for key in identity_keys(content_of_item(obj.data, ctx.mapping, ())):
            entry_id = self.by_identity.get(key)
            if entry_id is not None:
                return Duplicate(entry_id, obj.key, _WHY[key.partition(":")[0]], who)
        return None


def _entry_id(ctx: PlanContext, obj: RemoteObject, wanted_id: str) -> str:
    """The id the new entry gets: the marker's (a marker typed in Zotero is only trusted
    as far as an id's shape), else one made from its title and year."""
    allocator = ctx.ids
    if ID_PATTERN.match(wanted_id) and wanted_id not in allocator.taken:
        entry_id = wanted_id
    else:
        year = content_of_item(obj.data, ctx.mapping, ()).year
        entry_id = allocator.allocate(str(obj.data.get("title", "")), year)
    allocator.taken.add(entry_id)
    return entry_id


def _add(ctx: PlanContext, obj: RemoteObject, sections: list[SectionPath], wanted_id: str) -> None:
    entry_id = _entry_id(ctx, obj, wanted_id)
    links: dict[str, str] = {}
    for child in ctx.remote.children(obj.key):
        if child.data.get("linkMode") != "linked_url" or child.trashed:
            continue
        title, url = str(child.data.get("title", "")), str(child.data.get("url", ""))
        label = ctx.labels.spelled(title, url, sections[0])
        links.setdefault(label if label not in links else title, url)
    entry = entry_of_item(entry_id, obj.data, ctx.mapping, tuple(links.items()))
    path = sections[0] if sections else ()
    fields = section_item_fields(entry, path, ctx.mapping, ctx.desired.list_name)
    theirs_key = str(obj.data.get("citationKey") or "").strip()
    if theirs_key and not entry.citation_key:
        ctx.plan.refused.append(
            (
                entry_id,
                f"citation key {theirs_key!r} from Zotero is not a valid BibTeX key; "
                "the entry gets a key of its own",
            )
        )
        fields["citationKey"] = ""  # the base: the entry's own key replaces theirs
    added_by = _added_by(obj)
    entry = replace(entry, added_by=added_by)
    want = DesiredItem(entry_id, fields, tuple(sections), entry.links, entry=entry)
    ctx.plan.local.append(
        LocalChange(Change.ADD, entry_id, entry=entry, section=sections[0], added_by=added_by)
    )
    _copies(ctx, entry, sections[1:])
    ctx.claimed.add(obj.key)
    cols = sorted({ctx.plan.collection_keys[section] for section in sections})
    want = update_item(ctx, want, obj, None, cols, set(ctx.paths()), Action.ADD)
    plan_links(ctx, want, obj.key, {})


def _copies(ctx: PlanContext, entry: Entry, sections: list[SectionPath]) -> None:
    """The item filed in several of the list's collections: a copy of the entry in each."""
    for section in sections:
        copy_id = ctx.ids.allocate(entry.title, entry.year)
        ctx.ids.taken.add(copy_id)
        copy = replace(entry, id=copy_id, citation_key="")
        ctx.plan.local.append(LocalChange(Change.COPY, copy_id, entry=copy, section=section))
