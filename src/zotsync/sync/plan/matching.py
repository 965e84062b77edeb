"""Which item is an entry's, before anything is created: by the entry's derived key (an item
created just before an interruption), by the ``zotsync-id`` marker, then by identity (arXiv
id, DOI, URL, title + year) in the group.  And which entries share one item: those with the
same text, unless one already has its own."""

from __future__ import annotations

from dataclasses import dataclass, replace

from zotsync.core.entries import Entry, SectionPath, identity_keys
from zotsync.core.mapping import (
    MARKER,
    content_of_item,
    marker_of,
    read_extra,
    section_item_fields,
)
from zotsync.sync.desired import DesiredItem
from zotsync.sync.plan.context import PlanContext, with_marker

NOT_PAPERS = ("note", "attachment", "annotation")


@dataclass(frozen=True)
class GroupIndex:
    """The group's top-level items by marker and, for items no entry has, by identity."""

    by_marker: dict[str, str]
    by_identity: dict[str, list[str]]
    marked: set[str]  # the markers of every item, those in the trash too
    in_trash: dict[str, str]  # marker -> a trashed item that carries it


def group_index(ctx: PlanContext) -> GroupIndex:
    by_marker: dict[str, str] = {}
    by_identity: dict[str, list[str]] = {}
    marked: set[str] = set()
    in_trash: dict[str, str] = {}
    known = {rec.key for rec in ctx.base.items.values()}
    for obj in ctx.remote.items.values():
        data = obj.data
        if data.get("parentItem") or data.get("itemType") in NOT_PAPERS:
            continue
        marker = read_extra(str(data.get("extra", ""))).get(MARKER)
        if marker:
            marked.add(marker)
        if obj.trashed:
            if marker:
                in_trash.setdefault(marker, obj.key)
            continue
        if marker:
            by_marker.setdefault(marker, obj.key)
        if obj.key in known or marker:  # an entry's item (of this list or another)
            continue
        for key in identity_keys(content_of_item(data, ctx.mapping, ())):
            by_identity.setdefault(key, []).append(obj.key)
    return GroupIndex(by_marker, by_identity, marked, in_trash)


def adoptable(ctx: PlanContext, want: DesiredItem, index: GroupIndex) -> str | None:
    """The key of the unclaimed item this entry should take, if there is one (claimed now)."""
    entry_id = want.entry_id
    marker = read_extra(str(want.fields.get("extra", ""))).get(MARKER, "")
    candidates: list[str | None] = [ctx.derived("item", entry_id), index.by_marker.get(marker)]
    date = str(want.fields.get("date", ""))
    entry = Entry(
        id=entry_id,
        title=str(want.fields.get("title", "")),
        url=str(want.fields.get("url", "")),
        year=int(date) if date.isdigit() else None,
    )
    for identity in identity_keys(entry.content()):
        candidates.extend(index.by_identity.get(identity, ()))
    for candidate in candidates:
        remote = ctx.remote.items.get(candidate) if candidate else None
        if remote is not None and not remote.trashed and remote.key not in ctx.claimed:
            ctx.claimed.add(remote.key)
            return remote.key
    return None


def trashed_own_item(ctx: PlanContext, want: DesiredItem, index: GroupIndex) -> str | None:
    """The entry's own item in the trash (its derived key, or its marker), claimed now: a
    clone without a record restores it rather than make a second item with the marker
    (a re-added entry meets the item zotsync trashed when it left the list, too)."""
    marker = read_extra(str(want.fields.get("extra", ""))).get(MARKER, "")
    for key in (ctx.derived("item", want.entry_id), index.in_trash.get(marker)):
        if key is not None and key in ctx.remote.items and key not in ctx.claimed:
            ctx.claimed.add(key)
            return key
    return None


def split_aliases(ctx: PlanContext) -> None:
    """Entries with identical text share one item, unless one already has its own
    (two items a teammate filed with the same data stay two)."""
    split: dict[str, DesiredItem] = {}
    index: GroupIndex | None = None  # built only for shared items no synced entry leads
    for item in ctx.desired.items.values():
        item = _led_by_its_synced_entry(ctx, item)
        if item.also and item.entry_id not in ctx.base.items:
            index = index or group_index(ctx)
            item = _led_by_its_marked_item(ctx, item, index)
        entry_id = item.entry_id
        own = ctx.base.items.get(entry_id)
        for alias in item.also:
            other = ctx.base.items.get(alias)
            if other is not None and (own is None or other.key != own.key):
                item, split[alias] = split_off(ctx, item, alias)
        split[entry_id] = item
    ctx.desired = replace(ctx.desired, items=split)


def split_off(ctx: PlanContext, item: DesiredItem, alias: str) -> tuple[DesiredItem, DesiredItem]:
    """One of the entries sharing an item, taken off to an item of its own: (the item
    without it, its own).  Each stays in the sections of its own entries."""
    mine = [m for m in item.members if m[0].id == alias]
    entry: Entry | None = replace(item.entry, id=alias) if item.entry else None
    fields, links = with_marker(item.fields, ctx.desired.list_name, alias), item.links
    if mine:  # the entry's own text: it may say more or less than the one that led
        entry, path = mine[0]
        fields = section_item_fields(entry, path, ctx.mapping, ctx.desired.list_name)
        links = entry.links
    own = replace(
        item,
        entry_id=alias,
        also=(),
        entry=entry,
        fields=fields,
        links=links,
        sections=_sections_of(item, {alias}),
        members=tuple(mine),
    )
    ids = {item.entry_id, *item.also} - {alias}
    rest = replace(
        item,
        also=tuple(a for a in item.also if a != alias),
        sections=_sections_of(item, ids),
        members=tuple(m for m in item.members if m[0].id in ids),
    )
    return rest, own


def own_items_of_aliases(
    ctx: PlanContext, item: DesiredItem, index: GroupIndex
) -> tuple[DesiredItem, list[tuple[DesiredItem, str]]]:
    """Entries with the same text and no record, each of which finds an item of its own
    (two identical papers a teammate filed, taken into the list by a sync interrupted
    before it recorded them): each keeps its own item rather than one becoming an alias
    of the other and the second item a new entry again."""
    found = []
    for alias in item.also:
        if alias in ctx.base.items:
            continue
        rest, own = split_off(ctx, item, alias)
        key = adoptable(ctx, own, index)
        if key is not None:
            item = rest
            found.append((own, key))
    return item, found


def _sections_of(item: DesiredItem, ids: set[str]) -> tuple[SectionPath, ...]:
    """The sections of those of the item's entries that ``ids`` names."""
    found = tuple(dict.fromkeys(path for entry, path in item.members if entry.id in ids))
    return found or item.sections


def _led_by_its_synced_entry(ctx: PlanContext, item: DesiredItem) -> DesiredItem:
    """The item as its synced entry asks for it, when the entry that comes first in the
    list is a newer copy (the paper filed in an earlier section too): the item keeps
    its entry, and with it its state, marker and citation key."""
    if not item.also or item.entry_id in ctx.base.items:
        return item
    members = dict((entry.id, (entry, path)) for entry, path in item.members)
    holder = next((a for a in item.also if a in ctx.base.items and a in members), None)
    return item if holder is None else _led_by(ctx, item, holder)


def _led_by_its_marked_item(ctx: PlanContext, item: DesiredItem, index: GroupIndex) -> DesiredItem:
    """The same in a clone without sync state: the entry whose ``zotsync-id`` an item in the
    group carries leads, in the trash too (else the entry first in the list would make a
    second item, and the marked one would come back as a teammate's new paper)."""
    name = ctx.desired.list_name
    if marker_of(name, item.entry_id) in index.marked:
        return item
    members = {entry.id for entry, _ in item.members}
    holder = next(
        (a for a in item.also if a in members and marker_of(name, a) in index.marked), None
    )
    return item if holder is None else _led_by(ctx, item, holder)


def _led_by(ctx: PlanContext, item: DesiredItem, holder: str) -> DesiredItem:
    """The shared item with ``holder`` (one of its entries) as the entry that leads it."""
    members = dict((entry.id, (entry, path)) for entry, path in item.members)
    entry = members[holder][0]
    return replace(
        item,
        entry_id=holder,
        fields=section_item_fields(entry, members[holder][1], ctx.mapping, ctx.desired.list_name),
        links=entry.links,
        also=tuple(i for i in (item.entry_id, *item.also) if i != holder),
        entry=entry,
        members=(members[holder], *(m for m in item.members if m[0].id != holder)),
    )
