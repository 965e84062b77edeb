"""What a plan is made of: typed actions on Zotero objects and on the list.

A :class:`Write` is one object to POST (or only to record in the state): its :class:`Action`,
the :class:`Target` the state records it under, and the :class:`Phase` it runs in.  A
:class:`LocalChange` is one change the sync makes to the list.  The engine executes both by
``match`` over these types (``assert_never`` proves every case is handled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any, NoReturn

from zotsync.core.entries import Entry, SectionPath


class _Named(str, Enum):
    """An enum whose members print as their values ("create", not "Action.CREATE")."""

    def __str__(self) -> str:
        return str(self.value)


class Kind(_Named):
    """The Zotero object type a write goes to (the endpoint)."""

    COLLECTION = "collection"
    ITEM = "item"


class Action(_Named):
    """What a write does; the counts in a sync's report are by action."""

    CREATE = "create"  # a new object (version 0, derived key)
    UPDATE = "update"  # change an object the list owns (or only record its new version)
    ADOPT = "adopt"  # take an existing item for an entry: fill what is empty, add the marker
    ADD = "add"  # a teammate's item taken into the list: zotsync's marker and fields added
    GONE = "gone"  # record that the entry's item was deleted in Zotero (the entry is kept)
    LINK = "link"  # a new linked-URL attachment
    RELINK = "relink"  # an existing attachment as the entry's link (changed or only recorded)
    UNLINK = "unlink"  # an attachment the list removed: to the trash
    RELEASE = "release"  # an entry gone from the list: its item leaves the list's collections
    TRASH = "trash"  # an entry gone from the list, with --prune: its item to the trash
    FORGET = "forget"  # drop a record from the state (the object is gone or moved)
    FORGET_LINK = "forget-link"  # drop a link's record (gone on both sides)


class Phase(IntEnum):
    """The order writes run in: a parent before its children, removals last."""

    NEW_COLLECTIONS = 0  # created (parents first), and records of followed ones forgotten
    COLLECTIONS = 1  # renamed, moved or only recorded
    ITEMS = 2
    LINKS = 3
    REMOVALS = 4


@dataclass(frozen=True, kw_only=True)
class CollectionTarget:
    """A collection, recorded by the section path it holds."""

    path: SectionPath


@dataclass(frozen=True, kw_only=True)
class ItemTarget:
    """An entry's item, recorded by the entry id."""

    entry_id: str


@dataclass(frozen=True, kw_only=True)
class LinkTarget:
    """One link of an entry (a linked-URL attachment of its item), by its label."""

    entry_id: str
    label: str


Target = CollectionTarget | ItemTarget | LinkTarget


@dataclass(frozen=True, kw_only=True)
class Write:
    """One object to POST: ``version`` 0 creates; ``data`` holds only what changes.  A write
    with nothing to send (no data, an existing object) only records in the state."""

    key: str
    version: int
    data: dict[str, Any]
    action: Action
    target: Target
    base: dict[str, Any] = field(default_factory=dict)  # the list side's new base
    remote: dict[str, Any] = field(default_factory=dict)  # where Zotero's side will differ
    summary: str = ""

    @property
    def kind(self) -> Kind:
        return Kind.COLLECTION if isinstance(self.target, CollectionTarget) else Kind.ITEM

    @property
    def sends(self) -> bool:
        """Whether the write needs a request (some only record an adoption in the state)."""
        return self.action is not Action.FORGET and (self.version == 0 or bool(self.data))


@dataclass(frozen=True)
class Conflict:
    """A field (or a section, a link) both sides changed, to different values: left alone."""

    entry_id: str
    field: str
    list_value: Any
    zotero_value: Any
    base_value: Any


class Change(_Named):
    """What a sync does to the list."""

    UPDATE = "update"  # an entry takes fields or links from Zotero
    MOVE = "move"  # an entry moves to another section
    ADD = "add"  # a teammate's item becomes an entry
    REMOVE = "remove"  # an entry whose item was deleted in Zotero (with --prune)
    SECTION = "section"  # a teammate's collection becomes a section
    COPY = "copy"  # the entry in one more section (the item filed in several collections)
    DROP = "drop"  # a copy of the entry out of a section
    RESECTION = "resection"  # a section renamed or moved in Zotero


@dataclass(frozen=True)
class LocalChange:
    """A change the sync makes to the list: an entry pulled, moved, added or removed."""

    action: Change
    entry_id: str
    entry: Entry | None = None
    section: SectionPath | None = None
    added_by: str = ""
    to: SectionPath | None = None  # RESECTION: the section's new path


def assert_never(value: NoReturn) -> NoReturn:
    """A case the type checker proves cannot happen (typing.assert_never is 3.11+)."""
    raise AssertionError(f"unhandled case: {value!r}")


def _phases() -> list[list[Write]]:
    return [[] for _ in Phase]


@dataclass(frozen=True)
class Duplicate:
    """An item a teammate filed in the list's collections that is a paper the list already
    has (``why``: the arXiv id, DOI, URL or title and year they share): not added again."""

    entry_id: str
    key: str
    why: str
    added_by: str = ""


@dataclass
class Plan:
    """Everything one sync of a list would do, and what it found on the way."""

    phases: list[list[Write]] = field(default_factory=_phases)
    adopted: list[tuple[str, str]] = field(default_factory=list)  # (entry id, item key)
    conflicts: list[Conflict] = field(default_factory=list)
    pulls: list[tuple[str, str]] = field(default_factory=list)  # (entry id, field) to pull
    gone_remotely: list[str] = field(default_factory=list)  # entries whose item was deleted
    gone_before: list[str] = field(default_factory=list)  # ... as an earlier sync reported
    left: list[str] = field(default_factory=list)  # taken out of the list's collections in Zotero
    local: list[LocalChange] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (entry id, what was refused)
    duplicates: list[Duplicate] = field(default_factory=list)  # a teammate's copy of a paper
    collection_keys: dict[SectionPath, str] = field(default_factory=dict)

    def add(self, phase: Phase, write: Write) -> None:
        self.phases[phase].append(write)

    @property
    def writes(self) -> list[Write]:
        return [w for phase in self.phases for w in phase]

    def counts(self) -> dict[str, int]:
        """Writes by what they write: "create collection", "update item", "link link"…
        (only those that send a request: a record the state merely takes, an adoption with
        nothing to change, is no write, so a dry run counts what the real run writes)."""
        found: dict[str, int] = {}
        for write in self.writes:
            if not write.sends:
                continue
            what = "link" if write.action is Action.LINK else write.kind.value
            name = f"{write.action.value} {what}"
            found[name] = found.get(name, 0) + 1
        return found
