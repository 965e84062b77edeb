"""Items: each entry's item updated, adopted or created; its fields and its collections
merged three-way (zotsync.sync.merge); Zotero's edits pulled into the entry."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.core.entries import SectionPath
from zotsync.core.mapping import MARKER, pull_into, read_extra, section_item_fields
from zotsync.sync.actions import Action, Change, Conflict, ItemTarget, LocalChange, Phase, Write
from zotsync.sync.desired import DesiredItem
from zotsync.sync.merge import Bases, Outcome, Prefer, merge3
from zotsync.sync.plan.context import PlanContext, merge_extra, normal, pullable
from zotsync.sync.plan.links import plan_links
from zotsync.sync.plan.matching import (
    GroupIndex,
    adoptable,
    group_index,
    own_items_of_aliases,
    split_aliases,
    trashed_own_item,
)
from zotsync.sync.remote import RemoteObject
from zotsync.sync.state import ItemRecord


def item_write(
    ctx: PlanContext,
    phase: Phase,
    key: str,
    version: int,
    action: Action,
    entry_id: str,
    data: dict[str, Any] | None = None,
    base: dict[str, Any] | None = None,
    remote: dict[str, Any] | None = None,
    summary: str = "",
) -> None:
    ctx.plan.add(
        phase,
        Write(
            key=key,
            version=version,
            data=data or {},
            action=action,
            target=ItemTarget(entry_id=entry_id),
            base=base or {},
            remote=remote or {},
            summary=summary,
        ),
    )


def plan_items(ctx: PlanContext) -> None:
    """Every entry's item: its synced item updated (or noted gone), else an item adopted,
    else a new one created."""
    split_aliases(ctx)
    ours = set(ctx.plan.collection_keys.values())
    index: GroupIndex | None = None  # built on first need: only entries without a record
    for entry_id, want in ctx.desired.items.items():
        cols = sorted({ctx.plan.collection_keys[p] for p in want.sections})
        record = ctx.base.items.get(entry_id)
        if record is not None:
            remote = ctx.remote.items.get(record.key)
            if remote is None or remote.trashed:
                _gone(ctx, want, record, remote)
                continue
            want = update_item(ctx, want, remote, record, cols, ours, Action.UPDATE)
            plan_links(ctx, want, record.key, record.links)
            continue
        index = index or group_index(ctx)
        key = adoptable(ctx, want, index)
        derived = ctx.derived("item", entry_id)
        if key is None:  # its own item in the trash: restore it, not a second one
            key = trashed_own_item(ctx, want, index)
        if key is not None:
            want, aliases = own_items_of_aliases(ctx, want, index)
            for alias, alias_key in aliases:
                alias_cols = sorted({ctx.plan.collection_keys[p] for p in alias.sections})
                _adopt(ctx, alias, ctx.remote.items[alias_key], alias_cols, ours)
            cols = sorted({ctx.plan.collection_keys[p] for p in want.sections})
            _adopt(ctx, want, ctx.remote.items[key], cols, ours)
            continue
        data = dict(want.fields, collections=cols)
        item_write(
            ctx,
            Phase.ITEMS,
            derived,
            0,
            Action.CREATE,
            entry_id,
            data=data,
            base=dict(want.fields),
            summary=entry_id,
        )
        plan_links(ctx, want, derived, {})


def _gone(
    ctx: PlanContext, want: DesiredItem, record: ItemRecord, remote: RemoteObject | None
) -> None:
    """The entry's item was deleted or trashed in Zotero: the entry is kept (or, with
    --prune, removed from the list too)."""
    entry_id = want.entry_id
    if record.remote.get("deleted"):  # reported by the sync that found it; `status` shows it
        ctx.plan.gone_before.append(entry_id)
    else:  # remember it: reported once, and later syncs read less
        ctx.plan.gone_remotely.append(entry_id)
        item_write(
            ctx,
            Phase.ITEMS,
            record.key,
            remote.version if remote else record.version,
            Action.GONE,
            entry_id,
            base=dict(record.fields),
            remote={**record.remote, "deleted": 1},
            summary=entry_id,
        )
    if ctx.prune and ctx.pull:  # the teammate's deletion reaches the list
        for gone in (entry_id, *want.also):
            ctx.plan.local.append(LocalChange(Change.REMOVE, gone))
        item_write(ctx, Phase.REMOVALS, record.key, 0, Action.FORGET, entry_id)


def _adopt(
    ctx: PlanContext, want: DesiredItem, remote: RemoteObject, cols: list[str], ours: set[str]
) -> None:
    entry_id, key = want.entry_id, remote.key
    ctx.plan.adopted.append((entry_id, key))
    marker = read_extra(str(remote.data.get("extra", ""))).get(MARKER, "")
    own = key == ctx.derived("item", entry_id) or marker == read_extra(
        str(want.fields.get("extra", ""))
    ).get(MARKER)
    # This entry's own item, synced from another copy of the list: with no base, a value
    # that differs is unknown on both sides, so it is a conflict (or --prefer's), never
    # silently kept.  Someone else's copy keeps its values.
    record = (
        ItemRecord(key, remote.version, {}, list(remote.data.get("collections", [])))
        if own
        else None
    )
    want = update_item(ctx, want, remote, record, cols, ours, Action.ADOPT)
    plan_links(ctx, want, key, {})


@dataclass
class _Merged:
    """An item's fields once merged: what to write, and both sides' new bases."""

    changes: dict[str, Any] = field(default_factory=dict)  # to write to Zotero
    list_base: dict[str, Any] = field(default_factory=dict)
    zotero_after: dict[str, Any] = field(default_factory=dict)  # Zotero's, once written

    def settle(self, name: str, list_base: Any, zotero_after: Any) -> None:
        self.list_base[name] = list_base
        self.zotero_after[name] = zotero_after


def update_item(
    ctx: PlanContext,
    want: DesiredItem,
    remote: RemoteObject,
    record: ItemRecord | None,
    cols: list[str],
    ours: set[str],
    action: Action,
) -> DesiredItem:
    """The item's fields and collections merged with the list's (three-way with a record,
    else filling only what is empty); returns the entry as it is once Zotero's edits are
    pulled."""
    merged = _Merged()
    zotero_base = record.remote_fields() if record is not None else None
    unchanged = (
        record is not None
        and zotero_base is not None
        and want.fields == record.fields
        and (
            remote.from_state
            or all(remote.data.get(name) == value for name, value in zotero_base.items())
        )
    )
    fields = {} if unchanged else want.fields  # neither side changed: no field to compare
    if record is not None and unchanged:
        merged.list_base, merged.zotero_after = dict(record.fields), record.remote_fields()
    pulled: set[str] = set()
    if fields and record is not None and zotero_base is not None:
        want, pulled = _pull_fields(ctx, want, remote, record, zotero_base)
        fields = want.fields
    for name, value in fields.items():
        if name in pulled:  # taken from Zotero into the entry: both sides now agree
            merged.settle(name, value, remote.data.get(name))
        elif name not in remote.data and "itemType" not in merged.changes:
            # The API lists every field of an item's type: one it lacks cannot be written
            # (itemType comes first, so a change of type writes the new type's fields).
            merged.settle(
                name,
                value if record is None else record.fields.get(name, value),
                None if zotero_base is None else zotero_base.get(name),
            )
        elif record is None or zotero_base is None:
            _fill_empty(merged, name, value, remote)
        else:
            _merge_field(ctx, merged, want.entry_id, name, value, remote, record, zotero_base)
    if record is not None and unchanged:
        differs = dict(record.remote)
    else:
        differs = {n: v for n, v in merged.zotero_after.items() if v != merged.list_base.get(n)}
    item_collections(ctx, want, remote, record, cols, ours, merged.changes)
    if remote.trashed and action is Action.ADOPT:
        merged.changes["deleted"] = 0  # our own item, back in the list: out of the trash
    stale = record is not None and (differs != record.remote or remote.version != record.version)
    if merged.changes or action is Action.ADOPT or stale:  # stale: record what Zotero has
        item_write(
            ctx,
            Phase.ITEMS,
            remote.key,
            remote.version,
            action,
            want.entry_id,
            data=merged.changes,
            base=merged.list_base,
            remote=differs,
            summary=want.entry_id,
        )
    return want


def _fill_empty(merged: _Merged, name: str, value: Any, remote: RemoteObject) -> None:
    """Adopting someone's item: zotsync fills only what is empty (and adds its lines to
    ``extra``); the item keeps its own values."""
    theirs_raw = remote.data.get(name)
    mine, theirs = normal(name, value), normal(name, theirs_raw)
    if name == "extra":
        merged.changes[name] = merge_extra(str(theirs_raw or ""), str(value))
    elif theirs in ("", []) and mine not in ("", []) and name in remote.data:
        merged.changes[name] = value
    merged.settle(name, value, merged.changes.get(name, theirs_raw))


def _merge_field(
    ctx: PlanContext,
    merged: _Merged,
    entry_id: str,
    name: str,
    value: Any,
    remote: RemoteObject,
    record: ItemRecord,
    zotero_base: dict[str, Any],
) -> None:
    """One field, three-way.  Zotero's side of a pullable field was taken already (see
    _pull_fields), so --prefer zotero cannot settle a conflict here: it stays one."""
    theirs_raw = remote.data.get(name)
    mine, theirs = normal(name, value), normal(name, theirs_raw)
    bases = Bases(normal(name, record.fields.get(name)), normal(name, zotero_base.get(name)))
    prefer = ctx.prefer_for(entry_id, name)
    prefer = prefer if prefer == Prefer.LIST else None
    outcome = merge3(bases, mine, theirs, prefer)
    if outcome in (Outcome.TAKE_LIST, Outcome.AGREE):
        if mine != theirs:
            merged.changes[name] = (
                merge_extra(str(theirs_raw or ""), str(value)) if name == "extra" else value
            )
        merged.settle(name, value, merged.changes.get(name, theirs_raw))
        return
    if outcome is Outcome.UNCHANGED:
        after = theirs_raw if name in remote.data else zotero_base.get(name)
        merged.settle(name, record.fields.get(name, value), after)
        return
    if outcome is Outcome.TAKE_ZOTERO:  # not pullable: reported
        ctx.plan.pulls.append((entry_id, name))
    else:
        ctx.plan.conflicts.append(
            Conflict(entry_id, name, value, theirs_raw, record.fields.get(name))
        )
    merged.settle(name, record.fields.get(name), zotero_base.get(name))


def _pull_fields(
    ctx: PlanContext,
    want: DesiredItem,
    remote: RemoteObject,
    record: ItemRecord,
    zotero_base: dict[str, Any],
) -> tuple[DesiredItem, set[str]]:
    """Fields Zotero changed since the last sync (and the list did not, or
    ``--prefer zotero`` says so): pulled into the entry, or reported when not pulling."""
    names = set()
    for name, value in want.fields.items():
        if name not in remote.data or name not in pullable(ctx.mapping, remote):
            continue
        bases = Bases(normal(name, record.fields.get(name)), normal(name, zotero_base.get(name)))
        theirs = normal(name, remote.data.get(name))
        prefer = ctx.prefer_for(want.entry_id, name)
        if merge3(bases, normal(name, value), theirs, prefer) is Outcome.TAKE_ZOTERO:
            names.add(name)
    ctx.plan.pulls.extend((want.entry_id, name) for name in sorted(names))
    if not names or not ctx.pull or want.entry is None:
        return want, set()
    entry = pull_into(want.entry, remote.data, names, ctx.mapping)
    ctx.plan.local.append(LocalChange(Change.UPDATE, want.entry_id, entry=entry))
    _pull_into_other_listings(ctx, want, remote, names)
    path = want.members[0][1] if want.members else (want.sections[0] if want.sections else ())
    fields = section_item_fields(entry, path, ctx.mapping, ctx.desired.list_name)
    return replace(want, fields=fields, entry=entry), names


def _pull_into_other_listings(
    ctx: PlanContext, want: DesiredItem, remote: RemoteObject, names: set[str]
) -> None:
    """The paper's other entries (listed in other sections) take a pulled field where
    they said what the item's entry said; where they said something of their own, they
    keep it (``check`` reports the difference)."""
    name = ctx.desired.list_name
    for member, path in want.members:
        if member.id == want.entry_id:
            continue
        theirs = section_item_fields(member, path, ctx.mapping, name)
        same = {n for n in names if normal(n, theirs.get(n)) == normal(n, want.fields.get(n))}
        if same:
            pulled = pull_into(member, remote.data, same, ctx.mapping)
            ctx.plan.local.append(LocalChange(Change.UPDATE, member.id, entry=pulled))


def item_collections(
    ctx: PlanContext,
    want: DesiredItem,
    remote: RemoteObject,
    record: ItemRecord | None,
    cols: list[str],
    ours: set[str],
    changes: dict[str, Any],
) -> None:
    """Which of the list's collections the item is in: three-way, like a field, over
    the set of them (an item may be in several of the list's collections)."""
    current = list(remote.data.get("collections", []))
    theirs = sorted({c for c in current if c in ours})
    was = sorted({c for c in record.collections if c in ours}) if record else theirs
    outcome = (
        Outcome.TAKE_LIST
        if record is None
        else merge3(was, cols, theirs, ctx.prefer_for(want.entry_id, "collections"))
    )
    if outcome is Outcome.TAKE_LIST and theirs != cols:
        changes["collections"] = [c for c in current if c not in ours] + cols
    elif outcome is Outcome.TAKE_ZOTERO and not theirs:
        ctx.plan.left.append(want.entry_id)  # kept in the list: see --prune
    elif outcome is Outcome.TAKE_ZOTERO and ctx.pull:
        paths = ctx.paths()
        _refile(ctx, want, [paths[key] for key in theirs])
    elif outcome is Outcome.TAKE_ZOTERO:
        ctx.plan.pulls.append((want.entry_id, "section"))
    elif outcome is Outcome.CONFLICT:
        ctx.plan.conflicts.append(Conflict(want.entry_id, "section", cols, theirs, was))


def _refile(ctx: PlanContext, want: DesiredItem, targets: list[SectionPath]) -> None:
    """The list follows the collections a teammate filed the item in: its entry moves,
    a copy of it goes into each further section, a copy leaves a section it left."""
    members = list(want.members) or (
        [(want.entry, want.sections[0])] if want.entry is not None else []
    )
    keep: dict[SectionPath, str] = {}
    for entry, path in members:
        if path in targets and path not in keep:
            keep.setdefault(path, entry.id)
    if want.entry_id not in keep.values():  # the synced entry itself goes where it is
        path = next((t for t in targets if t not in keep), targets[0])
        keep[path] = want.entry_id
        ctx.plan.local.append(LocalChange(Change.MOVE, want.entry_id, section=path))
    for entry, path in members:
        if entry.id not in keep.values():
            ctx.plan.local.append(LocalChange(Change.DROP, entry.id, section=path))
    for path in targets:
        if path not in keep and want.entry is not None:
            copy_id = ctx.ids.allocate(want.entry.title, want.entry.year)
            ctx.ids.taken.add(copy_id)
            copy = replace(want.entry, id=copy_id, markdown="", citation_key="")
            ctx.plan.local.append(LocalChange(Change.COPY, copy_id, entry=copy, section=path))
