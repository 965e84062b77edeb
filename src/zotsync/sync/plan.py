"""Plan a sync (pure): the list's desired library, the remote snapshot and the base -> writes.

Three-way, field by field, as vdirsyncer does per item (reference/model-codebases.md §2):

- a field the list changed since the base and Zotero did not -> written to Zotero;
- a field Zotero changed and the list did not -> a *pull* (reported; applied by the pull);
- both changed, to the same value -> nothing to do; to different values -> a *conflict*,
  reported with the three values, and that field is left alone.

Entries without a base are matched before anything is created: first by the item key derived
from the entry id (an item created just before an interruption), then by the ``zotsync-id``
marker, then by identity (arXiv id, DOI, URL, title + year) in the group's index.  Adopted
items keep their own values; zotsync fills only what is empty, adds its marker and places them
in their sections' collections.  Entries gone from the list leave their collections (their
items stay) or, with ``prune``, go to the trash.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.core.document import ReadingList
from zotsync.core.entries import ID_PATTERN, Entry, IdAllocator, SectionPath, identity_keys
from zotsync.core.escape import clean_line, clean_url
from zotsync.core.mapping import (
    MARKER,
    PULLABLE,
    Mapping,
    attachment_fields,
    content_of_item,
    entry_of_item,
    item_fields,
    marker_of,
    pull_into,
    read_extra,
    safe_url,
)
from zotsync.sync.remote import RemoteObject, Snapshot
from zotsync.sync.state import CollectionRecord, ItemRecord, SyncState, derived_key

ROOT: SectionPath = ()


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DesiredItem:
    entry_id: str
    fields: dict[str, Any]
    sections: tuple[SectionPath, ...]
    links: tuple[tuple[str, str], ...]
    also: tuple[str, ...] = ()  # other entry ids with exactly this content (one item)
    entry: Entry | None = None
    # Every entry of this item and its section, this one first: a paper listed in several
    # sections is one item in several collections.
    members: tuple[tuple[Entry, SectionPath], ...] = ()


@dataclass(frozen=True)
class Desired:
    collections: dict[SectionPath, str]  # path -> name (ROOT: the list's root collection)
    items: dict[str, DesiredItem]
    list_name: str = ""


def desired_library(
    reading_list: ReadingList, mapping: Mapping, root_name: str, list_name: str
) -> Desired:
    """The library the list asks for: a collection per section under the root, an item per
    entry (entries listed twice with the same content share one item)."""
    collections: dict[SectionPath, str] = {ROOT: root_name}
    for section in reading_list.sections:
        for depth in range(1, len(section.path) + 1):
            collections.setdefault(section.path[:depth], section.path[depth - 1])
    items: dict[str, DesiredItem] = {}
    by_content: dict[Any, str] = {}
    for section, entry in reading_list.entries():
        content = entry.content()
        owner = by_content.get(content)
        if owner is not None:
            first = items[owner]
            sections = (
                first.sections
                if section.path in first.sections
                else (*first.sections, section.path)
            )
            items[owner] = replace(
                first,
                sections=sections,
                also=(*first.also, entry.id),
                members=(*first.members, (entry, section.path)),
            )
            continue
        by_content[content] = entry.id
        items[entry.id] = DesiredItem(
            entry.id,
            item_fields(entry, mapping, list_name),
            (section.path,),
            entry.links,
            entry=entry,
            members=((entry, section.path),),
        )
    return Desired(collections, items, list_name)


# --------------------------------------------------------------------------- outputs


@dataclass
class Write:
    """One object to POST: ``version`` 0 creates; ``data`` holds only what changes."""

    kind: str  # "collection" or "item"
    key: str
    version: int
    data: dict[str, Any]
    action: str  # create, update, adopt, link, relink, unlink, release, trash
    target: tuple[str, ...]  # what the state records: ("collection", *path), ("item", id)...
    base: dict[str, Any] = field(default_factory=dict)  # the list side's new base
    remote: dict[str, Any] = field(default_factory=dict)  # where Zotero's side will differ
    summary: str = ""


@dataclass
class Conflict:
    entry_id: str
    field: str
    list_value: Any
    zotero_value: Any
    base_value: Any


@dataclass
class LocalChange:
    """A change the sync makes to the list: an entry pulled, moved, added or removed."""

    # "update", "move", "add", "remove", "section"; "copy" (the entry in one more section) and
    # "drop" (a copy out of a section), when an item is filed in several of the list's
    # collections in Zotero; "resection" (a collection renamed or moved in Zotero).
    action: str
    entry_id: str
    entry: Entry | None = None
    section: SectionPath | None = None
    added_by: str = ""
    to: SectionPath | None = None  # "resection": the section's new path


@dataclass
class Plan:
    phases: list[list[Write]] = field(default_factory=lambda: [[], [], [], [], []])
    adopted: list[tuple[str, str]] = field(default_factory=list)  # (entry id, item key)
    conflicts: list[Conflict] = field(default_factory=list)
    pulls: list[tuple[str, str]] = field(default_factory=list)  # (entry id, field) to pull
    gone_remotely: list[str] = field(default_factory=list)  # entries whose item was deleted
    left: list[str] = field(default_factory=list)  # taken out of the list's collections in Zotero
    local: list[LocalChange] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (entry id, what was refused)
    collection_keys: dict[SectionPath, str] = field(default_factory=dict)

    @property
    def writes(self) -> list[Write]:
        return [w for phase in self.phases for w in phase]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for write in self.writes:
            name = f"{write.action} {write.kind if write.action != 'link' else 'link'}"
            found[name] = found.get(name, 0) + 1
        return found


# --------------------------------------------------------------------------- planning


# Fields compared as the list's: (``extra`` only by its zotsync lines, see _ours_of_extra).
def _normal(name: str, value: Any) -> Any:
    if name == "extra":
        return _ours_of_extra(str(value or ""))
    if name == "tags":
        return sorted(t["tag"] for t in value or [])
    if value is None:
        return ""
    return value


def _pullable(mapping: Mapping, remote: RemoteObject) -> set[str]:
    venue_field = mapping.venue_fields.get(str(remote.data.get("itemType")))
    return PULLABLE | ({venue_field} if venue_field else set())


def _with_marker(fields: dict[str, Any], list_name: str, entry_id: str) -> dict[str, Any]:
    """An item's fields for another entry of the same text: only its marker differs."""
    theirs = [
        line
        for line in str(fields.get("extra", "")).splitlines()
        if not line.startswith(f"{MARKER}:")
    ]
    return {**fields, "extra": "\n".join([f"{MARKER}: {marker_of(list_name, entry_id)}", *theirs])}


def _ours_of_extra(extra: str) -> str:
    return "\n".join(
        line for line in extra.splitlines() if line.split(":", 1)[0].strip().startswith("zotsync-")
    )


def _merge_extra(remote_extra: str, ours: str) -> str:
    theirs = [
        line
        for line in remote_extra.splitlines()
        if not line.split(":", 1)[0].strip().startswith("zotsync-")
    ]
    return "\n".join([*theirs, *ours.splitlines()]).strip("\n")


class _Planner:
    def __init__(
        self,
        desired: Desired,
        remote: Snapshot,
        base: SyncState,
        mapping: Mapping,
        seed: tuple[str, ...],
        prune: bool,
        pull: bool = True,
        prefer: str | None = None,
    ) -> None:
        self.pull = pull
        self.prefer = prefer
        self.desired = desired
        self.remote = remote
        self.base = base
        self.mapping = mapping
        self.seed = seed
        self.prune = prune
        self.plan = Plan()
        self.claimed: set[str] = set()
        self._ids: IdAllocator | None = None

    # -- collections

    def collections(self) -> None:
        keys = self.plan.collection_keys
        taken = {rec.key for rec in self.base.collections.values()}
        followed: list[SectionPath] = []  # sections renamed or moved in Zotero, followed
        renamed_in_list = self._list_renames()
        for path in sorted(self.desired.collections, key=lambda p: (len(p), p)):
            name = self.desired.collections[path]
            parent = keys[path[:-1]] if path else False
            record = self.base.collections.get(path)
            if record is None and path in renamed_in_list:
                old_path, record = renamed_in_list[path]
                if self._renamed_on_both_sides(path, old_path, record, parent):
                    keys[path] = record.key
                    continue
                self.plan.phases[0].append(
                    Write("collection", record.key, 0, {}, "forget", ("collection", *old_path))
                )
            remote = self.remote.collections.get(record.key) if record else None
            if record is not None and any(path[: len(f)] == f for f in followed):
                keys[path] = record.key  # recorded at its new path with its parent
                continue
            if (
                record is not None
                and remote is not None
                and path
                and self._follow_collection(path, name, parent, record, remote)
            ):
                keys[path] = remote.key
                followed.append(path)
                continue
            if remote is None:
                remote = self.remote.collections.get(derived_key(*self.seed, "collection", *path))
            if remote is None:
                remote = next(
                    (
                        c
                        for c in self.remote.collections.values()
                        if c.key not in taken
                        and not c.data.get("deleted")
                        and c.data.get("name") == name
                        and (c.data.get("parentCollection") or False) == parent
                    ),
                    None,
                )
            if remote is None:
                key = derived_key(*self.seed, "collection", *path)
                keys[path] = key
                wanted = {"name": name, "parentCollection": parent}
                self.plan.phases[0].append(
                    Write(
                        "collection",
                        key,
                        0,
                        wanted,
                        "create",
                        ("collection", *path),
                        base=wanted,
                        summary=" / ".join(path) or name,
                    )
                )
                continue
            keys[path] = remote.key
            taken.add(remote.key)
            changes: dict[str, Any] = {}
            if remote.data.get("name") != name:
                changes["name"] = name
            if (remote.data.get("parentCollection") or False) != parent:
                changes["parentCollection"] = parent
            if (
                changes
                or record is None
                or record.key != remote.key
                or record.version != remote.version  # moved: record the version we saw
            ):
                wanted = {"name": name, "parentCollection": parent}
                self.plan.phases[1].append(
                    Write(
                        "collection",
                        remote.key,
                        remote.version,
                        changes,
                        "update",
                        ("collection", *path),
                        base=wanted,
                        summary=" / ".join(path) or name,
                    )
                )

        if self.pull:
            self._new_sections()

    def _list_renames(self) -> dict[SectionPath, tuple[SectionPath, CollectionRecord]]:
        """Sections the list renamed or moved since the last sync (a heading edited, a
        section's path changed): a new path that holds most of the entries of a synced path
        the list no longer has is that section, renamed: new path -> (old path, record)."""
        gone = {
            path: rec
            for path, rec in self.base.collections.items()
            if path and path not in self.desired.collections
        }
        if not gone:
            return {}
        members: dict[str, set[str]] = {}
        for entry_id, record in self.base.items.items():
            for key in record.collections:
                members.setdefault(key, set()).add(entry_id)
        placed: dict[SectionPath, set[str]] = {}
        for want in self.desired.items.values():
            for section in want.sections:
                placed.setdefault(section, set()).add(want.entry_id)
        found: dict[SectionPath, tuple[SectionPath, CollectionRecord]] = {}
        for path in self.desired.collections:
            if not path or path in self.base.collections:
                continue
            here = placed.get(path, set())
            best = max(gone.items(), key=lambda g: len(members.get(g[1].key, set()) & here))
            shared = members.get(best[1].key, set()) & here
            if shared and 2 * len(shared) >= len(members.get(best[1].key, set())):
                found[path] = best
                del gone[best[0]]
                if not gone:
                    break
        # A heading above them renamed too (a section with no entries of its own): the
        # parent of renamed sections, itself gone, is renamed to their new parent.
        for new_path, (old_path, _) in list(found.items()):
            parent, old_parent = new_path[:-1], old_path[:-1]
            free = parent not in self.base.collections and parent not in found
            if parent and old_parent in gone and free and parent in self.desired.collections:
                found[parent] = (old_parent, gone.pop(old_parent))
        return found

    def _renamed_on_both_sides(
        self,
        path: SectionPath,
        old_path: SectionPath,
        record: CollectionRecord,
        parent: str | bool,
    ) -> bool:
        """A section the list renamed that Zotero renamed or moved too, differently: a
        conflict, both sides left as they are.  The same change on both sides (a teammate's
        rename the list took in, then interrupted before the state was saved) is none."""
        remote = self.remote.collections.get(record.key)
        if remote is None or remote.data.get("deleted"):
            return False
        theirs = clean_line(str(remote.data.get("name", ""))).strip()
        theirs_parent = remote.data.get("parentCollection") or False
        unchanged = theirs == record.name and theirs_parent == (record.parent or False)
        if unchanged or self.prefer == "list" or (theirs, theirs_parent) == (path[-1], parent):
            return False
        self.plan.conflicts.append(
            Conflict("", "section", " / ".join(path), theirs, " / ".join(old_path))
        )
        return True

    def _follow_collection(
        self,
        path: SectionPath,
        name: str,
        parent: str | bool,
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
        clash = (renamed and name not in (record.name, theirs_name)) or (
            moved and parent not in (record.parent or False, theirs_parent)
        )
        if clash and self.prefer != "zotero":
            if self.prefer == "list":
                return False
            where = " / ".join(path)
            self.plan.conflicts.append(
                Conflict("", f"section {where}", name, theirs_name, record.name)
            )
            return True
        paths = {rec.key: p for p, rec in self.base.collections.items()}
        new_parent = paths.get(str(theirs_parent)) if moved else path[:-1]
        if new_parent is None or new_parent[: len(path)] == path:
            what = f"collection {' / '.join(path)!r}"
            self.plan.refused.append(
                ("", f"{what} was moved out of the list's collections in Zotero; it is put back")
            )
            return False
        new_path = (*new_parent, theirs_name if renamed else path[-1])
        if new_path in self.desired.collections:  # a section the list has already: put back
            self.plan.refused.append(
                (
                    "",
                    f"collection {' / '.join(path)!r} was renamed or moved in Zotero to "
                    f"{' / '.join(new_path)!r}, which the list has already; it is put back",
                )
            )
            return False
        if not self.pull:
            self.plan.pulls.append(("", f"section {' / '.join(path)}"))
            return True
        self.plan.local.append(LocalChange("resection", "", section=path, to=new_path))
        for old, rec in sorted(self.base.collections.items()):
            if old[: len(path)] != path:
                continue
            moved_to = new_path + old[len(path) :]
            top = old == path
            base = {
                "name": moved_to[-1],
                "parentCollection": theirs_parent if top else (rec.parent or False),
            }
            version = remote.version if top else rec.version
            self.plan.phases[0].append(
                Write("collection", rec.key, rec.version, {}, "forget", ("collection", *old))
            )
            self.plan.phases[1].append(
                Write(
                    "collection",
                    rec.key,
                    version,
                    {},
                    "update",
                    ("collection", *moved_to),
                    base=base,
                    summary=" / ".join(moved_to),
                )
            )
        return True

    def _new_sections(self) -> None:
        """Collections a teammate made under the list's collections become sections."""
        keys = self.plan.collection_keys
        paths = {key: path for path, key in keys.items()}
        found = True
        while found:
            found = False
            for c in sorted(self.remote.collections.values(), key=lambda c: c.key):
                parent = c.data.get("parentCollection")
                if c.key in paths or c.data.get("deleted") or parent not in paths:
                    continue
                # A teammate's name becomes a heading: one clean line (zotsync.core.escape).
                name = clean_line(str(c.data.get("name", ""))).strip() or "Untitled"
                path = (*paths[parent], name)
                if path in keys:
                    continue  # a name the list already uses there
                keys[path], paths[c.key] = c.key, path
                wanted = {"name": path[-1], "parentCollection": parent}
                self.plan.phases[1].append(
                    Write(
                        "collection",
                        c.key,
                        c.version,
                        {},
                        "update",
                        ("collection", *path),
                        base=wanted,
                        summary=" / ".join(path),
                    )
                )
                self.plan.local.append(LocalChange("section", "", section=path))
                found = True

    # -- items

    def _index(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        by_marker: dict[str, str] = {}
        by_identity: dict[str, list[str]] = {}
        known = {rec.key for rec in self.base.items.values()}
        for obj in self.remote.items.values():
            data = obj.data
            if (
                data.get("parentItem")
                or obj.trashed
                or data.get("itemType") in ("note", "attachment", "annotation")
            ):
                continue
            marker = read_extra(str(data.get("extra", ""))).get(MARKER)
            if marker:
                by_marker.setdefault(marker, obj.key)
            if obj.key in known or marker:  # an entry's item (of this list or another)
                continue
            for key in identity_keys(content_of_item(data, self.mapping, ())):
                by_identity.setdefault(key, []).append(obj.key)
        return by_marker, by_identity

    def _split_aliases(self) -> None:
        """Entries with identical text share one item, unless one already has its own
        (two items a teammate filed with the same data stay two)."""
        split: dict[str, DesiredItem] = {}
        for item in self.desired.items.values():
            item = self._led_by_its_synced_entry(item)
            entry_id = item.entry_id
            own = self.base.items.get(entry_id)
            keep = []
            for alias in item.also:
                other = self.base.items.get(alias)
                if other is not None and (own is None or other.key != own.key):
                    split[alias] = replace(
                        item,
                        entry_id=alias,
                        also=(),
                        entry=replace(item.entry, id=alias) if item.entry else None,
                        fields=_with_marker(item.fields, self.desired.list_name, alias),
                    )
                else:
                    keep.append(alias)
            split[entry_id] = (
                replace(item, also=tuple(keep)) if len(keep) != len(item.also) else item
            )
        self.desired = replace(self.desired, items=split)

    def _led_by_its_synced_entry(self, item: DesiredItem) -> DesiredItem:
        """The item as its synced entry asks for it, when the entry that comes first in the
        list is a newer copy (the paper filed in an earlier section too): the item keeps
        its entry, and with it its state, marker and citation key."""
        if not item.also or item.entry_id in self.base.items:
            return item
        members = dict((entry.id, (entry, path)) for entry, path in item.members)
        holder = next((a for a in item.also if a in self.base.items and a in members), None)
        if holder is None:
            return item
        entry = members[holder][0]
        return replace(
            item,
            entry_id=holder,
            fields=item_fields(entry, self.mapping, self.desired.list_name),
            links=entry.links,
            also=tuple(i for i in (item.entry_id, *item.also) if i != holder),
            entry=entry,
            members=(members[holder], *(m for m in item.members if m[0].id != holder)),
        )

    def items(self) -> None:
        self._split_aliases()
        our_collections = set(self.plan.collection_keys.values())
        index: list[tuple[dict[str, str], dict[str, list[str]]]] = []  # built on first need
        for entry_id, want in self.desired.items.items():
            cols = sorted({self.plan.collection_keys[p] for p in want.sections})
            record = self.base.items.get(entry_id)
            if record is not None:
                remote = self.remote.items.get(record.key)
                if remote is None or remote.trashed:
                    self.plan.gone_remotely.append(entry_id)
                    if not record.remote.get("deleted"):  # remember it: later syncs read less
                        self.plan.phases[2].append(
                            Write(
                                "item",
                                record.key,
                                remote.version if remote else record.version,
                                {},
                                "gone",
                                ("item", entry_id),
                                base=dict(record.fields),
                                remote={**record.remote, "deleted": 1},
                                summary=entry_id,
                            )
                        )
                    if self.prune and self.pull:  # the teammate's deletion reaches the list
                        for gone in (entry_id, *want.also):
                            self.plan.local.append(LocalChange("remove", gone))
                        self.plan.phases[4].append(
                            Write("item", record.key, 0, {}, "forget", ("item", entry_id))
                        )
                    continue
                want = self._update(want, remote, record, cols, our_collections, "update")
                self._links(want, record.key, record.links)
                continue
            if not index:  # the group's identity index: only entries without a record need it
                index.append(self._index())
            key = self._adoptable(entry_id, want, *index[0])
            derived = derived_key(*self.seed, "item", entry_id)
            if key is None and derived in self.remote.items:  # trashed: restore, not re-create
                key = derived
                self.claimed.add(key)
            if key is not None:
                remote = self.remote.items[key]
                self.plan.adopted.append((entry_id, key))
                marker = read_extra(str(remote.data.get("extra", ""))).get(MARKER, "")
                own = key == derived_key(*self.seed, "item", entry_id) or marker == read_extra(
                    str(want.fields.get("extra", ""))
                ).get(MARKER)
                # This entry's own item, synced from another copy of the list: with no base,
                # a value that differs is unknown on both sides, so it is a conflict (or
                # --prefer's), never silently kept.  Someone else's copy keeps its values.
                record = (
                    ItemRecord(key, remote.version, {}, list(remote.data.get("collections", [])))
                    if own
                    else None
                )
                want = self._update(want, remote, record, cols, our_collections, "adopt")
                self._links(want, key, {})
                continue
            key = derived_key(*self.seed, "item", entry_id)
            data = dict(want.fields, collections=cols)
            self.plan.phases[2].append(
                Write(
                    "item",
                    key,
                    0,
                    data,
                    "create",
                    ("item", entry_id),
                    base=dict(want.fields),
                    summary=entry_id,
                )
            )
            self._links(want, key, {})

    def _adoptable(
        self,
        entry_id: str,
        want: DesiredItem,
        by_marker: dict[str, str],
        by_identity: dict[str, list[str]],
    ) -> str | None:
        derived = derived_key(*self.seed, "item", entry_id)
        marker = read_extra(str(want.fields.get("extra", ""))).get(MARKER, "")
        candidates: list[str | None] = [derived, by_marker.get(marker)]
        entry = Entry(
            id=entry_id,
            title=str(want.fields.get("title", "")),
            url=str(want.fields.get("url", "")),
            year=int(want.fields["date"]) if str(want.fields.get("date", "")).isdigit() else None,
        )
        for identity in identity_keys(entry.content()):
            candidates.extend(by_identity.get(identity, ()))
        for candidate in candidates:
            remote = self.remote.items.get(candidate) if candidate else None
            if remote is not None and not remote.trashed and remote.key not in self.claimed:
                self.claimed.add(remote.key)
                return remote.key
        return None

    def _update(
        self,
        want: DesiredItem,
        remote: RemoteObject,
        record: ItemRecord | None,
        cols: list[str],
        ours: set[str],
        action: str,
    ) -> DesiredItem:
        """Three-way per field, each side against its own base (vdirsyncer's status per
        side): a difference that was already there at the last sync (an adopted item's own
        title, say) is a standing difference, neither a list edit nor a Zotero edit."""
        changes: dict[str, Any] = {}
        list_base: dict[str, Any] = {}
        zotero_after: dict[str, Any] = {}
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
        if unchanged:
            assert record is not None
            list_base, zotero_after = dict(record.fields), record.remote_fields()
        pulled: set[str] = set()
        if fields and record is not None and zotero_base is not None:
            want, pulled = self._pull_fields(want, remote, record, zotero_base)
            fields = want.fields
        for name, value in fields.items():
            if name in pulled:  # taken from Zotero into the entry: both sides now agree
                list_base[name] = value
                zotero_after[name] = remote.data.get(name)
                continue
            theirs_raw = remote.data.get(name)
            if name not in remote.data and "itemType" not in changes:
                # The API lists every field of an item's type: one it lacks cannot be written
                # (itemType comes first, so a change of type writes the new type's fields).
                list_base[name] = value if record is None else record.fields.get(name, value)
                zotero_after[name] = None if zotero_base is None else zotero_base.get(name)
                continue
            mine, theirs = _normal(name, value), _normal(name, theirs_raw)
            if record is None or zotero_base is None:  # adopting: fill only what is empty
                if name == "extra":
                    changes[name] = _merge_extra(str(theirs_raw or ""), str(value))
                elif theirs in ("", []) and mine not in ("", []) and name in remote.data:
                    changes[name] = value
                list_base[name] = value
                zotero_after[name] = changes.get(name, theirs_raw)
                continue
            was_mine = _normal(name, record.fields.get(name))
            was_theirs = _normal(name, zotero_base.get(name))
            list_changed, zotero_changed = mine != was_mine, theirs != was_theirs
            if list_changed and (not zotero_changed or mine == theirs or self.prefer == "list"):
                if mine != theirs:
                    changes[name] = (
                        _merge_extra(str(theirs_raw or ""), str(value))
                        if name == "extra"
                        else value
                    )
                list_base[name] = value
                zotero_after[name] = changes.get(name, theirs_raw)
            elif zotero_changed and not list_changed:
                self.plan.pulls.append((want.entry_id, name))
                list_base[name] = record.fields.get(name)
                zotero_after[name] = zotero_base.get(name)
            elif list_changed and zotero_changed:
                self.plan.conflicts.append(
                    Conflict(want.entry_id, name, value, theirs_raw, record.fields.get(name))
                )
                list_base[name] = record.fields.get(name)
                zotero_after[name] = zotero_base.get(name)
            else:
                list_base[name] = record.fields.get(name, value)
                zotero_after[name] = theirs_raw if name in remote.data else zotero_base.get(name)
        if unchanged:
            assert record is not None
            differs = dict(record.remote)
        else:
            differs = {n: v for n, v in zotero_after.items() if v != list_base.get(n)}
        self._collections(want, remote, record, cols, ours, changes)
        if remote.trashed and action == "adopt":
            changes["deleted"] = 0  # our own item, back in the list: out of the trash
        stale = record is not None and (
            differs != record.remote or remote.version != record.version
        )
        if changes or action == "adopt" or stale:  # stale: record what Zotero now has
            self.plan.phases[2].append(
                Write(
                    "item",
                    remote.key,
                    remote.version,
                    changes,
                    action,
                    ("item", want.entry_id),
                    base=list_base,
                    remote=differs,
                    summary=want.entry_id,
                )
            )
        return want

    def _pull_fields(
        self,
        want: DesiredItem,
        remote: RemoteObject,
        record: ItemRecord,
        zotero_base: dict[str, Any],
    ) -> tuple[DesiredItem, set[str]]:
        """Fields Zotero changed since the last sync (and the list did not, or
        ``--prefer zotero`` says so): pulled into the entry, or reported when not pulling."""
        names = set()
        for name, value in want.fields.items():
            if name not in remote.data or name not in _pullable(self.mapping, remote):
                continue
            mine, theirs = _normal(name, value), _normal(name, remote.data.get(name))
            list_changed = mine != _normal(name, record.fields.get(name))
            zotero_changed = theirs != _normal(name, zotero_base.get(name))
            prefer_zotero = list_changed and mine != theirs and self.prefer == "zotero"
            if zotero_changed and (not list_changed or prefer_zotero):
                names.add(name)
        if not names or not self.pull or want.entry is None:
            self.plan.pulls.extend((want.entry_id, name) for name in sorted(names))
            return want, set()
        entry = pull_into(want.entry, remote.data, names, self.mapping)
        self.plan.pulls.extend((want.entry_id, name) for name in sorted(names))
        self.plan.local.append(LocalChange("update", want.entry_id, entry=entry))
        fields = item_fields(entry, self.mapping, self.desired.list_name)
        return replace(want, fields=fields, entry=entry), names

    def _collections(
        self,
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
        list_moved, zotero_moved = cols != was, theirs != was
        if record is None or (list_moved and (not zotero_moved or self.prefer == "list")):
            if theirs != cols:
                changes["collections"] = [c for c in current if c not in ours] + cols
        elif zotero_moved and (not list_moved or self.prefer == "zotero" or theirs == cols):
            if theirs == cols:
                return
            if not theirs:
                self.plan.left.append(want.entry_id)  # kept in the list: see --prune
            elif self.pull:
                paths = {key: path for path, key in self.plan.collection_keys.items()}
                self._refile(want, [paths[key] for key in theirs])
            else:
                self.plan.pulls.append((want.entry_id, "section"))
        elif list_moved and zotero_moved:
            self.plan.conflicts.append(Conflict(want.entry_id, "section", cols, theirs, was))

    def _refile(self, want: DesiredItem, targets: list[SectionPath]) -> None:
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
            self.plan.local.append(LocalChange("move", want.entry_id, section=path))
        for entry, path in members:
            if entry.id not in keep.values():
                self.plan.local.append(LocalChange("drop", entry.id, section=path))
        for path in targets:
            if path not in keep and want.entry is not None:
                copy_id = self.ids.allocate(want.entry.title, want.entry.year)
                self.ids.taken.add(copy_id)
                copy = replace(want.entry, id=copy_id, markdown="", citation_key="")
                self.plan.local.append(LocalChange("copy", copy_id, entry=copy, section=path))

    @property
    def ids(self) -> IdAllocator:
        """Ids for entries the sync adds to the list (one allocator: no id given twice)."""
        if self._ids is None:
            taken = set(self.desired.items) | set(self.base.items)
            taken |= {a for item in self.desired.items.values() for a in item.also}
            self._ids = IdAllocator(taken)
        return self._ids

    def additions(self) -> None:
        """Items a teammate put into the list's collections become entries of those sections."""
        if not self.pull:
            return
        paths = {key: path for path, key in self.plan.collection_keys.items()}
        known = {r.key for r in self.base.items.values()} | self.claimed
        known |= {w.key for w in self.plan.phases[2]}
        allocator = self.ids
        prefix = f"{self.desired.list_name}/"
        for obj in sorted(self.remote.items.values(), key=lambda o: o.key):
            data = obj.data
            if obj.key in known or obj.trashed or data.get("parentItem"):
                continue
            if data.get("itemType") in ("note", "attachment", "annotation"):
                continue
            sections = sorted(paths[c] for c in data.get("collections", []) if c in paths)
            if not sections:
                continue
            marker = read_extra(str(data.get("extra", ""))).get(MARKER, "")
            if marker and not marker.startswith(prefix):
                continue  # another list's entry, filed here too
            wanted_id = marker[len(prefix) :] if marker else ""
            entry_id = (
                wanted_id  # a marker typed in Zotero is only trusted as far as an id's shape
                if ID_PATTERN.match(wanted_id) and wanted_id not in allocator.taken
                else allocator.allocate(
                    str(data.get("title", "")), content_of_item(data, self.mapping, ()).year
                )
            )
            allocator.taken.add(entry_id)
            links = tuple(
                (str(c.data.get("title", "")), str(c.data.get("url", "")))
                for c in self.remote.children(obj.key)
                if c.data.get("linkMode") == "linked_url" and not c.trashed
            )
            entry = entry_of_item(entry_id, data, self.mapping, links)
            theirs_key = str(data.get("citationKey") or "").strip()
            if theirs_key and not entry.citation_key:
                self.plan.refused.append(
                    (
                        entry_id,
                        f"citation key {theirs_key!r} from Zotero is not a valid BibTeX key; "
                        "the entry gets a key of its own",
                    )
                )
            fields = item_fields(entry, self.mapping, self.desired.list_name)
            if theirs_key and not entry.citation_key:
                fields["citationKey"] = ""  # the base: the entry's own key replaces theirs
            want = DesiredItem(entry_id, fields, tuple(sections), entry.links, entry=entry)
            added_by = clean_line(str(obj.meta.get("createdByUser", {}).get("username", "")))
            self.plan.local.append(
                LocalChange("add", entry_id, entry=entry, section=sections[0], added_by=added_by)
            )
            for section in sections[1:]:  # filed in several of the list's collections
                copy_id = allocator.allocate(entry.title, entry.year)
                allocator.taken.add(copy_id)
                copy = replace(entry, id=copy_id, citation_key="")
                self.plan.local.append(LocalChange("copy", copy_id, entry=copy, section=section))
            self.claimed.add(obj.key)
            cols = sorted({self.plan.collection_keys[section] for section in sections})
            want = self._update(want, obj, None, cols, set(paths), "add")
            self._links(want, obj.key, {})

    def _link_write(
        self,
        want: DesiredItem,
        obj: RemoteObject | None,
        key: str,
        version: int,
        data: dict[str, Any],
        action: str,
        label: str,
        url: str,
    ) -> None:
        self.plan.phases[3].append(
            Write(
                "item",
                obj.key if obj else key,
                version,
                data,
                action,
                ("link", want.entry_id, label),
                base={"url": url},
                summary=f"{want.entry_id} [{label}]",
            )
        )

    def _links(self, want: DesiredItem, parent: str, base_links: dict[str, Any]) -> None:
        """Extra links <-> linked-URL attachments, three-way like fields: a link the list
        changed is written, one Zotero changed (added, edited, removed) is pulled."""
        children = [
            c for c in self.remote.children(parent) if c.data.get("linkMode") == "linked_url"
        ]
        pulled = dict(want.links)  # the entry's links once Zotero's changes are in
        for label, url in want.links:
            record = base_links.get(label)
            remote = self.remote.items.get(record.key) if record else None
            if record is not None and (remote is None or remote.trashed):
                if url == record.url:  # removed in Zotero, unchanged in the list: pull
                    del pulled[label]
                    self.plan.pulls.append((want.entry_id, f"links.{label}"))
                    self._link_write(
                        want, None, record.key, record.version, {}, "forget-link", label, url
                    )
                    continue
            elif record is not None and remote is not None:
                theirs = str(remote.data.get("url", ""))
                title = {"title": label} if remote.data.get("title") != label else {}
                if url == theirs:
                    if url != record.url or title or remote.version != record.version:
                        self._link_write(
                            want, remote, remote.key, remote.version, title, "relink", label, url
                        )
                elif url != record.url and (theirs == record.url or self.prefer == "list"):
                    self._link_write(
                        want, remote, remote.key, remote.version, {"url": url}, "relink", label, url
                    )
                elif theirs != record.url and (url == record.url or self.prefer == "zotero"):
                    pulled[label] = theirs
                    self.plan.pulls.append((want.entry_id, f"links.{label}"))
                    self._link_write(
                        want, remote, remote.key, remote.version, {}, "relink", label, theirs
                    )
                else:
                    self.plan.conflicts.append(
                        Conflict(want.entry_id, f"links.{label}", url, theirs, record.url)
                    )
                continue
            existing = next(
                (
                    c
                    for c in children
                    if c.data.get("title") == label
                    and c.data.get("url") == url
                    and not c.trashed
                    and c.key not in self.claimed
                ),
                None,
            )
            derived = derived_key(*self.seed, "link", want.entry_id, label)
            candidate = self.remote.items.get(derived)
            if existing is None and candidate is not None:
                # This link's own attachment: made by another copy of the list, or trashed
                # when the link was removed.  No base: a different URL is a conflict.
                self.claimed.add(candidate.key)
                theirs = str(candidate.data.get("url", ""))
                restore: dict[str, Any] = {"deleted": 0} if candidate.trashed else {}
                if theirs != url and self.prefer == "zotero" and not candidate.trashed:
                    pulled[label] = theirs
                    self.plan.pulls.append((want.entry_id, f"links.{label}"))
                    self._link_write(
                        want,
                        candidate,
                        candidate.key,
                        candidate.version,
                        {},
                        "relink",
                        label,
                        theirs,
                    )
                elif theirs == url or self.prefer == "list" or candidate.trashed:
                    data = {**restore, **({"url": url} if theirs != url else {})}
                    self._link_write(
                        want,
                        candidate,
                        candidate.key,
                        candidate.version,
                        data,
                        "relink",
                        label,
                        url,
                    )
                else:
                    self.plan.conflicts.append(
                        Conflict(want.entry_id, f"links.{label}", url, theirs, None)
                    )
                continue
            if existing is not None:
                self.claimed.add(existing.key)
                self._link_write(
                    want, existing, existing.key, existing.version, {}, "relink", label, url
                )
                continue
            data = dict(attachment_fields(label, url), parentItem=parent)
            self._link_write(want, None, derived, 0, data, "link", label, url)
        for label, record in base_links.items():
            remote = self.remote.items.get(record.key)
            gone_from_list = label not in pulled and label not in dict(want.links)
            if gone_from_list and (remote is None or remote.trashed):  # gone on both sides
                self._link_write(
                    want, None, record.key, record.version, {}, "forget-link", label, record.url
                )
            elif gone_from_list and remote is not None:
                self._link_write(
                    want,
                    remote,
                    remote.key,
                    remote.version,
                    {"deleted": 1},
                    "unlink",
                    label,
                    record.url,
                )
        known = {r.key for r in base_links.values()}
        for child in children:  # links a teammate attached in Zotero
            label = clean_line(str(child.data.get("title", ""))).strip()
            url = clean_url(str(child.data.get("url", "")))
            if (
                child.trashed
                or child.key in known
                or child.key in self.claimed
                or not label
                or label in pulled
                or not safe_url(url)
            ):
                continue
            self.claimed.add(child.key)
            pulled[label] = url
            self.plan.pulls.append((want.entry_id, f"links.{label}"))
            self._link_write(want, child, child.key, child.version, {}, "relink", label, url)
        if pulled != dict(want.links) and self.pull and want.entry is not None:
            entry = replace(want.entry, links=tuple(pulled.items()))
            self.plan.local.append(LocalChange("update", want.entry_id, entry=entry))

    def removed(self) -> None:
        ours = set(self.plan.collection_keys.values()) | {
            r.key for r in self.base.collections.values()
        }
        wanted = set(self.desired.items) | {
            alias for item in self.desired.items.values() for alias in item.also
        }
        for entry_id, record in sorted(self.base.items.items()):
            if entry_id in wanted:
                continue
            remote = self.remote.items.get(record.key)
            if remote is None or remote.trashed:
                self.plan.phases[4].append(
                    Write("item", record.key, 0, {}, "forget", ("item", entry_id))
                )
                continue
            if self.prune:
                data: dict[str, Any] = {"deleted": 1}
                action = "trash"
            else:
                data = {
                    "collections": [c for c in remote.data.get("collections", []) if c not in ours]
                }
                action = "release"
            self.plan.phases[4].append(
                Write(
                    "item",
                    record.key,
                    remote.version,
                    data,
                    action,
                    ("item", entry_id),
                    summary=entry_id,
                )
            )


def plan_sync(
    desired: Desired,
    remote: Snapshot,
    base: SyncState,
    mapping: Mapping,
    *,
    seed: tuple[str, ...],
    prune: bool = False,
    pull: bool = True,
    prefer: str | None = None,
) -> Plan:
    """Everything a sync would write to Zotero and change in the list, and what it found
    (adoptions, conflicts, pulls).  ``pull=False`` only reports Zotero-side changes."""
    planner = _Planner(desired, remote, base, mapping, seed, prune, pull, prefer)
    planner.collections()
    planner.items()
    planner.additions()
    planner.removed()
    return planner.plan
