"""The Zotero adapter: the only module that talks to the Web API.

Reads go through pyzotero (``everything``, ``item_versions``, ``deleted``, ``items(itemKey=)``).
Writes go through pyzotero's HTTP client with our own rules, because its write helpers are not
safe for sync (reference/zotero-web-api-v3.md §9): at most 50 objects per POST,
``If-Unmodified-Since-Version`` on every write, the write report checked object by object.

Both share one httpx2 client whose transport retries what is worth retrying: 429 and 503 after
``Retry-After``/``Backoff``, other 5xx and dropped connections with growing waits, a bounded
number of times.  Retrying a write is safe: creates use derived keys with ``version: 0`` and the
request carries ``If-Unmodified-Since-Version``, so a write that did commit answers 412 instead
of committing twice.  One request is in flight at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx2
from pyzotero import zotero
from pyzotero import zotero_errors as pyzotero_errors

from zotsync.errors import ZotsyncError
from zotsync.plan import RemoteObject, Snapshot

MAX_BATCH = 50
RETRIES = 5


class RemoteError(ZotsyncError):
    """The server refused, or kept failing.  Exit status 4."""

    exit_code = 4


class LibraryChanged(Exception):
    """412 on a write: someone wrote to the library since the version we sent."""


class RetryTransport(httpx2.BaseTransport):
    """Retries 429, 5xx and dropped connections; honours ``Retry-After`` and ``Backoff``."""

    def __init__(self, sleep: Callable[[float], None], max_wait: float) -> None:
        self.inner = httpx2.HTTPTransport()
        self.sleep = sleep
        self.max_wait = max_wait
        self.requests = 0

    def _pause(self, response: httpx2.Response | None, attempt: int) -> None:
        seconds = float(2**attempt) / 4
        if response is not None:
            for header in ("Retry-After", "Backoff"):
                value = response.headers.get(header, "")
                if value.replace(".", "", 1).isdigit():
                    seconds = float(value)
                    break
        self.sleep(min(seconds, self.max_wait))

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        for attempt in range(RETRIES + 1):
            self.requests += 1
            try:
                response = self.inner.handle_request(request)
            except httpx2.TransportError:
                if attempt == RETRIES:
                    raise
                self._pause(None, attempt)
                continue
            if (response.status_code == 429 or response.status_code >= 500) and attempt < RETRIES:
                response.read()
                response.close()
                self._pause(response, attempt)
                continue
            if response.headers.get("Backoff") and response.status_code < 400:
                self._pause(response, attempt)  # the server asks for a pause before the next
            return response
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


@dataclass
class Changes:
    version: int
    items: list[str]
    collections: list[str]
    deleted_items: list[str]
    deleted_collections: list[str]


def _one_line(error: Exception) -> str:
    """pyzotero's "Code: 400\\nURL: …\\nMethod: …\\nResponse: …" as "400: <response>"."""
    parts = {}
    for line in str(error).splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() in ("Code", "Response"):
            parts[name.strip()] = value.strip()
    text = f"{parts['Code']}: {parts.get('Response', '')}" if "Code" in parts else str(error)
    return " ".join(text.split())[:300]


class ZoteroLibrary:
    """One group library at one endpoint, with one API key."""

    def __init__(
        self,
        endpoint: str,
        group_id: int,
        api_key: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 60.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.group_id = group_id
        self.transport = RetryTransport(sleep, max_wait)
        self.client = httpx2.Client(transport=self.transport, trust_env=False, timeout=60)
        self.zot = zotero.Zotero(group_id, "group", api_key, client=self.client)
        self.zot.endpoint = self.endpoint
        self._auth = {"Authorization": f"Bearer {api_key}", "Zotero-API-Version": "3"}

    def close(self) -> None:
        self.client.close()

    @property
    def requests(self) -> int:
        return self.transport.requests

    def _call(self, what: str, read: Callable[[], Any]) -> Any:
        """Run a pyzotero read, turning its errors into one clear RemoteError."""
        try:
            return read()
        except pyzotero_errors.UserNotAuthorisedError:
            raise RemoteError(
                f"{what}: {self.endpoint} refused the API key for group "
                f"{self.group_id} (see `zotsync whoami`)"
            ) from None
        except pyzotero_errors.ResourceNotFoundError:
            raise RemoteError(
                f"{what}: group {self.group_id} not found at {self.endpoint}"
            ) from None
        except pyzotero_errors.PyZoteroError as error:
            raise RemoteError(f"{what}: {self.endpoint} answered {_one_line(error)}") from None
        except httpx2.HTTPError as error:
            raise RemoteError(f"{what}: no answer from {self.endpoint} ({error})") from None

    def _version(self) -> int:
        response = self.zot.request
        return int(response.headers.get("Last-Modified-Version", 0)) if response is not None else 0

    # ---------------------------------------------------------------- reads

    def key_info(self) -> dict[str, Any]:
        info: dict[str, Any] = self._call("checking the API key", self.zot.key_info)
        return info

    def snapshot(self) -> Snapshot:
        """The whole library (a first sync): collections and items, trashed ones included."""
        collections = self._call(
            "reading collections", lambda: self.zot.everything(self.zot.collections())
        )
        items = self._call(
            "reading items", lambda: self.zot.everything(self.zot.items(includeTrashed=1))
        )
        snap = Snapshot(version=self._version())
        for c in collections:
            snap.collections[c["key"]] = RemoteObject(c["key"], c["version"], c["data"])
        for i in items:
            snap.items[i["key"]] = RemoteObject(
                i["key"], i["version"], i["data"], i.get("meta", {})
            )
        return snap

    def collections(self) -> list[dict[str, Any]]:
        """Every collection's data (key, name, parentCollection)."""
        found = self._call(
            "reading collections", lambda: self.zot.everything(self.zot.collections())
        )
        return [dict(c["data"]) for c in found]

    def top_items(self, collection: str) -> list[dict[str, Any]]:
        """The data of a collection's top-level items (no attachments, notes or trash)."""
        found = self._call(
            "reading items",
            lambda: self.zot.everything(self.zot.collection_items_top(collection)),
        )
        return [dict(i["data"]) for i in found if not i["data"].get("deleted")]

    def changes_since(self, version: int) -> Changes | None:
        """What changed after ``version``.  One request, and None, when nothing did: the library
        version covers every object type, so an unchanged one ends the question."""
        items = self._call(
            "reading changes", lambda: self.zot.item_versions(since=version, includeTrashed=1)
        )
        current = self._version()
        if current == version and not items:
            return None
        collections = self._call(
            "reading collection changes", lambda: self.zot.collection_versions(since=version)
        )
        deleted = self._call("reading deletions", lambda: self.zot.deleted(since=version))
        return Changes(
            current,
            list(items),
            list(collections),
            list(deleted.get("items", [])),
            list(deleted.get("collections", [])),
        )

    def fetch(self, kind: str, keys: list[str]) -> list[RemoteObject]:
        """Objects by key, at most 50 per request, trashed items included."""
        found: list[RemoteObject] = []
        for start in range(0, len(keys), MAX_BATCH):
            chunk = ",".join(keys[start : start + MAX_BATCH])
            objects: list[dict[str, Any]]
            if kind == "item":
                read = partial(self.zot.items, itemKey=chunk, includeTrashed=1, limit=MAX_BATCH)
                objects = self._call("reading items", read)
            else:
                read = partial(self.zot.collections, collectionKey=chunk, limit=MAX_BATCH)
                objects = self._call("reading collections", read)
            found.extend(
                RemoteObject(o["key"], o["version"], o["data"], o.get("meta", {})) for o in objects
            )
        return found

    # ---------------------------------------------------------------- writes

    def post(
        self, kind: str, objects: list[dict[str, Any]], library_version: int
    ) -> tuple[int, dict[str, Any]]:
        """POST at most 50 objects; returns (new library version, write report).

        412 (the library moved since ``library_version``) raises :class:`LibraryChanged`."""
        if len(objects) > MAX_BATCH:
            raise ValueError("at most 50 objects per write")
        path = "items" if kind == "item" else "collections"
        try:
            response = self.client.post(
                f"{self.endpoint}/groups/{self.group_id}/{path}",
                json=objects,
                headers={**self._auth, "If-Unmodified-Since-Version": str(library_version)},
            )
        except httpx2.HTTPError as error:
            raise RemoteError(f"writing {path}: no answer from {self.endpoint} ({error})") from None
        if response.status_code == 412:
            raise LibraryChanged(response.text)
        if response.status_code == 403:
            raise RemoteError(
                f"writing {path}: {self.endpoint} refused: {response.text.strip()} "
                "(the API key needs write access to this group)"
            )
        if response.status_code != 200:
            raise RemoteError(
                f"writing {path}: {response.status_code} {response.text.strip()[:300]}"
            )
        report: dict[str, Any] = response.json()
        return int(response.headers["Last-Modified-Version"]), report
