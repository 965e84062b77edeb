"""What every step of a plan reads and adds to: the three inputs, the options, the plan so
far, and the remote objects already claimed by an entry (no object serves two)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zotsync.core.entries import IdAllocator, SectionPath
from zotsync.core.labels import LinkLabels
from zotsync.core.mapping import MARKER, PULLABLE, Mapping, marker_of
from zotsync.sync.actions import Plan
from zotsync.sync.desired import Desired
from zotsync.sync.merge import Prefer
from zotsync.sync.remote import RemoteObject, Snapshot
from zotsync.sync.state import SyncState, derived_key


@dataclass
class PlanContext:
    desired: Desired
    remote: Snapshot
    base: SyncState
    mapping: Mapping
    seed: tuple[str, ...]  # the library and list: derived keys differ per list and library
    prune: bool = False
    pull: bool = True  # False: changes from Zotero are only reported
    prefer: Prefer | None = None
    # One conflict's way, by "ENTRY" or "ENTRY.FIELD" (``--settle``); the rest go ``prefer``'s.
    settle: dict[str, Prefer] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)
    claimed: set[str] = field(default_factory=set)
    _ids: IdAllocator | None = None
    _labels: LinkLabels | None = None

    def __post_init__(self) -> None:
        if self.prefer is not None:  # a caller's "list" / "zotero" string
            self.prefer = Prefer(self.prefer)

    def prefer_for(self, entry_id: str, name: str) -> Prefer | None:
        """How a conflict in this entry's field settles: its own ``--settle``, the entry's,
        else ``--prefer``."""
        found = self.settle.get(f"{entry_id}.{name}") or self.settle.get(entry_id)
        return Prefer(found) if found is not None else self.prefer

    def derived(self, *parts: str) -> str:
        """The key zotsync gives a new object of this list in this library."""
        return derived_key(*self.seed, *parts)

    def paths(self) -> dict[str, SectionPath]:
        """Collection key -> the section it holds (as planned so far)."""
        return {key: path for path, key in self.plan.collection_keys.items()}

    @property
    def ids(self) -> IdAllocator:
        """Ids for entries the sync adds to the list (one allocator: no id given twice)."""
        if self._ids is None:
            taken = set(self.desired.items) | set(self.base.items)
            taken |= {a for item in self.desired.items.values() for a in item.also}
            self._ids = IdAllocator(taken)
        return self._ids

    @property
    def labels(self) -> LinkLabels:
        """The list's link labels, for links a teammate attached in Zotero."""
        if self._labels is None:
            self._labels = LinkLabels(
                (path, member.links)
                for item in self.desired.items.values()
                for member, path in item.members
            )
        return self._labels


# ----------------------------------------------------------------- comparing item fields


def normal(name: str, value: Any) -> Any:
    """A field's value as compared (``extra`` only by its zotsync lines)."""
    if name == "extra":
        return ours_of_extra(str(value or ""))
    if name == "tags":
        return sorted(t["tag"] for t in value or [])
    if value is None:
        return ""
    return value


def pullable(mapping: Mapping, remote: RemoteObject) -> set[str]:
    """The fields a Zotero edit of this item may bring into the entry."""
    venue_field = mapping.venue_fields.get(str(remote.data.get("itemType")))
    return PULLABLE | ({venue_field} if venue_field else set())


def with_marker(fields: dict[str, Any], list_name: str, entry_id: str) -> dict[str, Any]:
    """An item's fields for another entry of the same text: only its marker differs."""
    theirs = [
        line
        for line in str(fields.get("extra", "")).splitlines()
        if not line.startswith(f"{MARKER}:")
    ]
    return {**fields, "extra": "\n".join([f"{MARKER}: {marker_of(list_name, entry_id)}", *theirs])}


def ours_of_extra(extra: str) -> str:
    return "\n".join(
        line for line in extra.splitlines() if line.split(":", 1)[0].strip().startswith("zotsync-")
    )


def merge_extra(remote_extra: str, ours: str) -> str:
    """Zotero's ``extra`` with zotsync's lines replaced by ours (a teammate's lines kept)."""
    theirs = [
        line
        for line in remote_extra.splitlines()
        if not line.split(":", 1)[0].strip().startswith("zotsync-")
    ]
    return "\n".join([*theirs, *ours.splitlines()]).strip("\n")
