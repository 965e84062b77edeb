"""What the remote library holds, as the sync sees it: objects, a snapshot, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RemoteObject:
    key: str
    version: int
    data: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    from_state: bool = False  # rebuilt from the sync state: Zotero's copy as last seen

    @property
    def trashed(self) -> bool:
        return bool(self.data.get("deleted"))


@dataclass
class Snapshot:
    """The remote objects the plan needs (all of them on a first sync, else the base's)."""

    version: int
    collections: dict[str, RemoteObject] = field(default_factory=dict)
    items: dict[str, RemoteObject] = field(default_factory=dict)
    _children: dict[str, list[RemoteObject]] | None = field(default=None, repr=False)

    def children(self, parent: str) -> list[RemoteObject]:
        """Child items of ``parent`` (indexed once per plan: the planner asks for every item)."""
        if self._children is None:
            self._children = {}
            for obj in self.items.values():
                owner = obj.data.get("parentItem")
                if owner:
                    self._children.setdefault(owner, []).append(obj)
        return self._children.get(parent, [])

    def put(self, kind: str, obj: RemoteObject) -> None:
        (self.items if kind == "item" else self.collections)[obj.key] = obj
        self._children = None


@dataclass
class Changes:
    """What changed in the library after a version: keys to fetch, keys deleted."""

    version: int
    items: list[str]
    collections: list[str]
    deleted_items: list[str]
    deleted_collections: list[str]
