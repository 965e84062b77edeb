"""A teammate's papers: items put into the list's collections in Zotero become entries of
those sections (one entry per section they are filed in)."""

from __future__ import annotations

from dataclasses import replace

from zotsync.core.entries import ID_PATTERN, Entry, SectionPath
from zotsync.core.escape import clean_line
from zotsync.core.mapping import (
    MARKER,
    content_of_item,
    entry_of_item,
    read_extra,
    section_item_fields,
)
from zotsync.sync.actions import Action, Change, LocalChange, Phase
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
        _add(ctx, obj, sections, marker[len(prefix) :] if marker else "")


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
    links = tuple(
        (str(c.data.get("title", "")), str(c.data.get("url", "")))
        for c in ctx.remote.children(obj.key)
        if c.data.get("linkMode") == "linked_url" and not c.trashed
    )
    entry = entry_of_item(entry_id, obj.data, ctx.mapping, links)
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
    want = DesiredItem(entry_id, fields, tuple(sections), entry.links, entry=entry)
    added_by = clean_line(str(obj.meta.get("createdByUser", {}).get("username", "")))
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
