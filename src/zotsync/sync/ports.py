"""The seams of the sync: what the engine needs from the outside, as Protocols.

The engine talks to a :class:`RemoteLibrary` (Zotero over HTTP in
``zotsync.adapters.zotero_http``, or :class:`zotsync.sync.memory.MemoryLibrary`), saves its
base through a :class:`StateStore` (``zotsync.adapters.state_file``) and hands the changes a
plan makes to the list to a :class:`ListSide` (the sync use case, ``zotsync.app.sync``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from zotsync.core.entries import SectionPath
from zotsync.sync.remote import Changes, RemoteObject, Snapshot
from zotsync.sync.state import SyncState

if TYPE_CHECKING:
    from zotsync.sync.actions import Plan
    from zotsync.sync.desired import Desired


class RemoteLibrary(Protocol):
    """One Zotero library: read whole or by what changed, write batches of at most 50."""

    @property
    def requests(self) -> int:
        """Requests sent so far (the sync reports it)."""
        ...

    def snapshot(self) -> Snapshot:
        """Every collection and item, trashed ones included, at one library version."""
        ...

    def changes_since(self, version: int) -> Changes | None:
        """What changed after ``version``; None when nothing did."""
        ...

    def fetch(self, kind: str, keys: list[str]) -> list[RemoteObject]:
        """Objects (``kind`` "item" or "collection") by key, trashed items included."""
        ...

    def post(
        self, kind: str, objects: list[dict[str, Any]], library_version: int
    ) -> tuple[int, dict[str, Any]]:
        """Write at most 50 objects if the library is still at ``library_version``: the new
        version and the write report (``successful``, ``unchanged``, ``failed`` by index).
        Raises :class:`zotsync.errors.LibraryChanged` when the library moved."""
        ...


class StateStore(Protocol):
    """Where a list's state goes: a journal line per write batch, a compact save at the end."""

    def journal(self, state: SyncState, items: set[str], collections: set[SectionPath]) -> None: ...

    def save(self, state: SyncState) -> None: ...


class ListSide(Protocol):
    """The list, as the engine sees it: takes the plan's changes to the list (entries pulled,
    moved, added, removed), saves them, and returns what the list then asks for."""

    def __call__(self, plan: Plan) -> Desired: ...
