"""Collections: one per section under the list's root, matched to what Zotero has, renames
and moves followed three-way from either side, a teammate's new collection a new section."""

from __future__ import annotations

from typing import Any

from zotsync.core.entries import SectionPath
from zotsync.core.escape import clean_line
from zotsync.sync.actions import (
    Action,
    Change,
    CollectionTarget,
    Conflict,
    LocalChange,
    Phase,
    Write,
)
from zotsync.sync.desired import Desired
from zotsync.sync.merge import Outcome, merge3
from zotsync.sync.plan.context import PlanContext
from zotsync.sync.remote import RemoteObject
from zotsync.sync.state import CollectionRecord, SyncState

Parent = str | bool  # a collection key, or False at the top of the library


def plan_collections(ctx: PlanContext) -> None:
    """Every section's collection: kept, followed, renamed back, found or created."""
    keys = ctx.plan.collection_keys
    taken = {rec.key for rec in ctx.base.collections.values()}
    followed: list[SectionPath] = []  # sections renamed or moved in Zotero, followed
    renamed_in_list = list_renames(ctx.base, ctx.desired)
    for path in sorted(ctx.desired.collections, key=lambda p: (len(p), p)):
        name = ctx.desired.collections[path]
        parent: Parent = keys[path[:-1]] if path else False
        record = ctx.base.collections.get(path)
        if record is None and path in renamed_in_list:
            old_path, record = renamed_in_list[path]
            if _renamed_on_both_sides(ctx, path, old_path, record, parent):
                keys[path] = record.key
                continue
            _forget(ctx, record.key, 0, old_path)
        remote = ctx.remote.collections.get(record.key) if record else None
        if record is not None and any(path[: len(f)] == f for f in followed):
            keys[path] = record.key  # recorded at its new path with its parent
            continue
        if (
            record is not None
            and remote is not None
            and path
            and _follow_collection(ctx, path, name, parent, record, remote)
        ):
            keys[path] = remote.key
            followed.append(path)
            continue
        if remote is None:
            remote = _existing(ctx, path, name, parent, taken)
        if remote is None:
            keys[path] = ctx.derived("collection", *path)
            _write(ctx, Phase.NEW_COLLECTIONS, keys[path], 0, Action.CREATE, path, name, parent)
            continue
        keys[path] = remote.key
        taken.add(remote.key)
        _keep(ctx, path, name, parent, record, remote)
    if ctx.pull:
        _new_sections(ctx)


def _existing(
    ctx: PlanContext, path: SectionPath, name: str, parent: Parent, taken: set[str]
) -> RemoteObject | None:
    """A collection for a section without a record: its derived key (created by an
    interrupted run), else one of that name under the same parent that no section holds."""
    found = ctx.remote.collections.get(ctx.derived("collection", *path))
    if found is not None:
        return found
    return next(
        (
            c
            for c in ctx.remote.collections.values()
            if c.key not in taken
            and not c.data.get("deleted")
            and c.data.get("name") == name
            and (c.data.get("parentCollection") or False) == parent
        ),
        None,
    )


def _keep(
    ctx: PlanContext,
    path: SectionPath,
    name: str,
    parent: Parent,
    record: CollectionRecord | None,
    remote: RemoteObject,
) -> None:
    """The section's collection as the list has it: renamed or moved back if it differs,
    recorded anew if its key or version changed."""
    changes: dict[str, Any] = {}
    if remote.data.get("name") != name:
        changes["name"] = name
    if (remote.data.get("parentCollection") or False) != parent:
        changes["parentCollection"] = parent
    moved = record is not None and record.version != remote.version  # record what we saw
    if changes or record is None or record.key != remote.key or moved:
        _write(
            ctx,
            Phase.COLLECTIONS,
            remote.key,
            remote.version,
            Action.UPDATE,
            path,
            name,
            parent,
            data=changes,
        )


def _write(
    ctx: PlanContext,
    phase: Phase,
    key: str,
    version: int,
    action: Action,
    path: SectionPath,
    name: str,
    parent: Parent,
    data: dict[str, Any] | None = None,
) -> None:
    """A collection write; its base is the name and parent the list now has."""
    wanted = {"name": name, "parentCollection": parent}
    write = Write(
        key=key,
        version=version,
        data=wanted if data is None else data,
        action=action,
        target=CollectionTarget(path=path),
        base=wanted,
        summary=" / ".join(path) or name,
    )
    ctx.plan.add(phase, write)


def _forget(ctx: PlanContext, key: str, version: int, path: SectionPath) -> None:
    ctx.plan.add(
        Phase.NEW_COLLECTIONS,
        Write(
            key=key,
            version=version,
            data={},
            action=Action.FORGET,
            target=CollectionTarget(path=path),
        ),
    )


def list_renames(
    base: SyncState, desired: Desired
) -> dict[SectionPath, tuple[SectionPath, CollectionRecord]]:
    """Sections the list renamed or moved since the last sync (a heading edited, a
    section's path changed): a new path that holds most of the entries of a synced path
    the list no longer has is that section, renamed: new path -> (old path, record)."""
    gone = {
        path: rec
        for path, rec in base.collections.items()
        if path and path not in desired.collections
    }
    if not gone:
        return {}
    members: dict[str, set[str]] = {}
    for entry_id, record in base.items.items():
        for key in record.collections:
            members.setdefault(key, set()).add(entry_id)
    placed: dict[SectionPath, set[str]] = {}
    for want in desired.items.values():
        for section in want.sections:
            placed.setdefault(section, set()).add(want.entry_id)
    found: dict[SectionPath, tuple[SectionPath, CollectionRecord]] = {}
    for path in desired.collections:
        if not path or path in base.collections or not gone:
            continue
        here = placed.get(path, set())
        best = max(gone.items(), key=lambda g: len(members.get(g[1].key, set()) & here))
        shared = members.get(best[1].key, set()) & here
        if shared and 2 * len(shared) >= len(members.get(best[1].key, set())):
            found[path] = best
            del gone[best[0]]
    # A heading above them renamed too (a section with no entries of its own): the
    # parent of renamed sections, itself gone, is renamed to their new parent.
    for new_path, (old_path, _) in list(found.items()):
        parent, old_parent = new_path[:-1], old_path[:-1]
        free = parent not in base.collections and parent not in found
        if parent and old_parent in gone and free and parent in desired.collections:
            found[parent] = (old_parent, gone.pop(old_parent))
    return found


def _renamed_on_both_sides(
    ctx: PlanContext,
    path: SectionPath,
    old_path: SectionPath,
    record: CollectionRecord,
    parent: Parent,
) -> bool:
    """A section the list renamed that Zotero renamed or moved too, differently: a
    conflict, both sides left as they are.  The same change on both sides (a teammate's
    rename the list took in, then interrupted before the state was saved) is none."""
    remote = ctx.remote.collections.get(record.key)
    if remote is None or remote.data.get("deleted"):
        return False
    theirs = clean_line(str(remote.data.get("name", ""))).strip()
    theirs_parent = remote.data.get("parentCollection") or False
    was = (record.name, record.parent or False)
    outcome = merge3(was, (path[-1], parent), (theirs, theirs_parent), ctx.prefer)
    # --prefer zotero does not undo the list's own rename: both stay as they are, reported.
    if outcome in (Outcome.UNCHANGED, Outcome.TAKE_LIST, Outcome.AGREE):
        return False
    ctx.plan.conflicts.append(
        Conflict("", "section", " / ".join(path), theirs, " / ".join(old_path))
    )
    return True


def _follow_collection(
    ctx: PlanContext,
    path: SectionPath,
    name: str,
    parent: Parent,
    record: CollectionRecord,
    remote: RemoteObject,
) -> bool:
    """A collection of the list renamed or moved in Zotero (since the last sync) is a
    change from Zotero, three-way like a field: followed in the list (True), or a
    conflict when the list changed it too (True: left alone), or put back (False)."""
    theirs_name = clean_line(str(remote.data.get("name", ""))).strip()
    theirs_parent = remote.data.get("parentCollection") or False
    renamed = bool(theirs_name) and theirs_name != record.name
    moved = theirs_parent != (record.parent or False)
    if remote.data.get("deleted") or not (renamed or moved):
        return False
    outcomes = []
    if renamed:
        outcomes.append(merge3(record.name, name, theirs_name, ctx.prefer))
    if moved:
        outcomes.append(merge3(record.parent or False, parent, theirs_parent, ctx.prefer))
    if Outcome.TAKE_LIST in outcomes:  # --prefer list: put back
        return False
    if Outcome.CONFLICT in outcomes:
        where = " / ".join(path)
        ctx.plan.conflicts.append(Conflict("", f"section {where}", name, theirs_name, record.name))
        return True
    paths = {rec.key: p for p, rec in ctx.base.collections.items()}
    new_parent = paths.get(str(theirs_parent)) if moved else path[:-1]
    if new_parent is None or new_parent[: len(path)] == path:
        what = f"collection {' / '.join(path)!r}"
        ctx.plan.refused.append(
            ("", f"{what} was moved out of the list's collections in Zotero; it is put back")
        )
        return False
    new_path = (*new_parent, theirs_name if renamed else path[-1])
    if new_path in ctx.desired.collections:  # a section the list has already: put back
        ctx.plan.refused.append(
            (
                "",
                f"collection {' / '.join(path)!r} was renamed or moved in Zotero to "
                f"{' / '.join(new_path)!r}, which the list has already; it is put back",
            )
        )
        return False
    if not ctx.pull:
        ctx.plan.pulls.append(("", f"section {' / '.join(path)}"))
        return True
    _move_section(ctx, path, new_path, remote, theirs_parent)
    return True


def _move_section(
    ctx: PlanContext,
    path: SectionPath,
    new_path: SectionPath,
    remote: RemoteObject,
    theirs_parent: Parent,
) -> None:
    """The list follows a section Zotero renamed or moved: it and every section under it
    are recorded at their new paths."""
    ctx.plan.local.append(LocalChange(Change.RESECTION, "", section=path, to=new_path))
    for old, rec in sorted(ctx.base.collections.items()):
        if old[: len(path)] != path:
            continue
        moved_to = new_path + old[len(path) :]
        top = old == path
        new_parent = theirs_parent if top else (rec.parent or False)
        _forget(ctx, rec.key, rec.version, old)
        version = remote.version if top else rec.version
        _write(
            ctx,
            Phase.COLLECTIONS,
            rec.key,
            version,
            Action.UPDATE,
            moved_to,
            moved_to[-1],
            new_parent,
            data={},
        )


def _new_sections(ctx: PlanContext) -> None:
    """Collections a teammate made under the list's collections become sections."""
    keys = ctx.plan.collection_keys
    paths = ctx.paths()
    found = True
    while found:
        found = False
        for c in sorted(ctx.remote.collections.values(), key=lambda c: c.key):
            parent = c.data.get("parentCollection")
            if c.key in paths or c.data.get("deleted") or parent not in paths:
                continue
            # A teammate's name becomes a heading: one clean line (zotsync.core.escape).
            name = clean_line(str(c.data.get("name", ""))).strip() or "Untitled"
            path = (*paths[parent], name)
            if path in keys:
                continue  # a name the list already uses there
            keys[path], paths[c.key] = c.key, path
            _write(
                ctx,
                Phase.COLLECTIONS,
                c.key,
                c.version,
                Action.UPDATE,
                path,
                path[-1],
                parent,
                data={},
            )
            ctx.plan.local.append(LocalChange(Change.SECTION, "", section=path))
            found = True
