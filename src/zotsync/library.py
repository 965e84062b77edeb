"""Where a list syncs to: the embedded sandbox or a group at an endpoint; its state file.

``library: sandbox`` starts the sandbox in-process on a free loopback port, with its data in
``.zotsync/sandbox.sqlite`` beside ``zotsync.yaml`` (git-ignored); that library exists only in
this clone, so its state lives there too (``.zotsync/state/<list>.json``): a fresh clone
imports into its own new sandbox instead of trusting a state that describes another library.
A group's state is committed beside the entries (``sync-state.json``) and names its library;
a state of another library is ignored (the sync then adopts by marker, never duplicates).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zotsync import killswitch
from zotsync.config import ListConfig
from zotsync.credentials import ENV, api_key
from zotsync.errors import InputError, UserError
from zotsync.model import SectionPath
from zotsync.state import SyncState
from zotsync.yaml_store import atomic_write, inside

API = "https://api.zotero.org"
SANDBOX_GROUP = 1
STATE_FILE = "sync-state.json"


@dataclass
class Target:
    """A list's library, resolved: how to reach it, what to call it, where its state is."""

    name: str
    endpoint: str
    group: int
    key: str
    state_path: Path
    identity: dict[str, Any]
    seed: tuple[str, ...]
    sandbox: bool = False


def check_endpoint(endpoint: str) -> None:
    """Refuse plain HTTP to anything but loopback (the key would cross the network in clear)."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):  # a host name, not an address
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme != "http" or not loopback:
        raise UserError(f"endpoint {endpoint!r}: use https (plain http only to a loopback address)")


EMBEDDED = ".zotsync"


def embedded_folder(project: Path) -> Path:
    """The project's git-ignored ``.zotsync/`` (the embedded sandbox and its sync states)."""
    folder = project / EMBEDDED
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return folder


@dataclass
class Sandboxes:
    """The embedded sandbox, started on first need and stopped at the end."""

    folder: Path
    running: Any = None
    keys: dict[str, str] = field(default_factory=dict)

    def url(self) -> str:
        if self.running is None:
            from zotsync.sandbox.server import Sandbox

            self.running = Sandbox(
                embedded_folder(self.folder.parent) / "sandbox.sqlite", groups=(SANDBOX_GROUP,)
            )
            self.running.start()
        return str(self.running.url)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None


def resolve(item: ListConfig, base: Path, sandboxes: Sandboxes) -> Target:
    library = item.library
    if library == "sandbox":
        from zotsync.sandbox.server import DEFAULT_KEY

        return Target(
            name=item.name,
            endpoint=sandboxes.url(),
            group=SANDBOX_GROUP,
            key=DEFAULT_KEY,
            state_path=sandboxes.folder / "state" / f"{item.name}.json",
            identity={"library": "sandbox", "group": SANDBOX_GROUP},
            seed=("sandbox", str(SANDBOX_GROUP), item.name),
            sandbox=True,
        )
    assert isinstance(library, dict)
    endpoint = str(library.get("endpoint") or API).rstrip("/")
    check_endpoint(endpoint)
    group = int(library["group"])
    key = api_key(endpoint)
    if key is None:
        raise UserError(f"no API key for {endpoint}: run `zotsync login` or set {ENV}")
    return Target(
        name=item.name,
        endpoint=endpoint,
        group=group,
        key=key,
        state_path=item.entries / STATE_FILE,
        identity={"endpoint": endpoint, "group": group},
        seed=(endpoint, str(group), item.name),
    )


class StateFile:
    """A list's sync state on disk, with a journal so that saving after each write batch
    costs the batch, not the whole state (mbsync's journal: reference/model-codebases.md).

    ``sync-state.json`` is the compact state; ``sync-state.json.journal`` holds one fsynced
    JSON line per batch since (the records that batch changed).  Loading replays the journal
    (a torn last line, from a kill in the middle of a write, is ignored: the records it would
    have carried are found again by their derived keys); :meth:`save` compacts.
    """

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.identity = identity

    def load(self) -> tuple[SyncState, bool]:
        """The state for this library, and whether it is fresh (no usable state)."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, ValueError) as error:
            raise InputError(self.path, None, f"not a readable sync state ({error})") from None
        try:
            state = (
                SyncState.from_dict(data) if data is not None else SyncState(library=self.identity)
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(self.path, None, f"not a zotsync sync state ({error})") from None
        if state.library != self.identity:
            return SyncState(library=self.identity), True
        self._replay(state)
        problems = state.problems()
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InputError(
                self.path,
                None,
                f"not a usable sync state: {problems[0]}{more}; nothing was synced.  Restore "
                "it from git, or delete it (the next sync then adopts the items by their "
                "zotsync-id, without duplicates)",
            )
        return state, state.version == 0

    def _replay(self, state: SyncState) -> None:
        try:
            lines = self.journal_path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return
        for n, line in enumerate(lines):
            try:
                batch = json.loads(line)
                for path in batch.get("collections_gone", []):
                    state.collections.pop(tuple(path), None)
                for collection in batch["collections"]:
                    state.set_collection(collection)
                for entry_id, record in batch["items"].items():
                    state.set_item(entry_id, record)
                state.version = int(batch["version"])
            except (ValueError, KeyError, TypeError):
                # A torn last line: cut it off, or the next batch appended to it would be
                # torn too.
                kept = "".join(f"{good}\n" for good in lines[:n])
                atomic_write(self.journal_path, kept.encode("utf-8"), within=self.path.parent)
                break

    def journal(self, state: SyncState, items: set[str], collections: set[SectionPath]) -> None:
        batch = {
            "version": state.version,
            "items": {i: state.item_dict(i) if i in state.items else None for i in sorted(items)},
            "collections": [
                state.collection_dict(p) for p in sorted(collections) if p in state.collections
            ],
            "collections_gone": [
                list(p) for p in sorted(collections) if p not in state.collections
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(batch, sort_keys=True, ensure_ascii=False) + "\n"
        inside(self.path.parent, self.journal_path)
        with self.journal_path.open("ab") as handle:
            killswitch.write(handle, line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())

    def save(self, state: SyncState) -> None:
        atomic_write(self.path, state_text(state).encode("utf-8"), within=self.path.parent)
        self.journal_path.unlink(missing_ok=True)


def state_text(state: SyncState) -> str:
    """Deterministic JSON, one collection or item per line: a synced change is a one-line
    diff, and the C encoder writes 10,000 items in 60 ms (an indented dump takes 230)."""
    data = state.to_dict()

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    collections = ",\n  ".join(dump(c) for c in data["collections"])
    items = ",\n  ".join(f"{dump(k)}: {dump(v)}" for k, v in data["items"].items())
    return (
        f'{{"format": {dump(data["format"])},\n "library": {dump(data["library"])},\n'
        f' "version": {data["version"]},\n "collections": [\n  {collections}\n ],\n'
        f' "items": {{\n  {items}\n }}\n}}\n'
    )
