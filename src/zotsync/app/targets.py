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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zotsync.adapters.config import ListConfig
from zotsync.adapters.credentials import ENV, api_key
from zotsync.errors import UserError

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
    if library.group is None:
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
    endpoint = str(library.endpoint or API).rstrip("/")
    check_endpoint(endpoint)
    group = library.group
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
