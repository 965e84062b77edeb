"""The Zotero adapter: the only module that talks to the Web API.

Reads go through pyzotero (``everything``, ``item_versions``, ``deleted``, ``items(itemKey=)``).
Writes go through pyzotero's HTTP client with our own rules, because its write helpers are not
safe for sync (docs/architecture.md, "Writes"): at most 50 objects per POST,
``If-Unmodified-Since-Version`` on every write, the write report checked object by object.

Both share one httpx2 client whose transport retries what is worth retrying: 429 and 503 after
``Retry-After``/``Backoff``, other 5xx and dropped connections with growing waits, a bounded
number of times.  Retrying a write is safe: creates use derived keys with ``version: 0`` and the
request carries ``If-Unmodified-Since-Version``, so a write that did commit answers 412 instead
of committing twice.  One request is in flight at a time.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx2

from zotsync.adapters.credentials import ENV
from zotsync.core.escape import clean_line
from zotsync.errors import BadAnswer, LibraryChanged, RemoteError, UserError
from zotsync.sync.remote import Changes, RemoteObject, Snapshot

MAX_BATCH = 50
RETRIES = 5
MAX_WAIT = 60.0  # the longest Backoff / Retry-After zotsync honours; more is refused
MAX_TOTAL_WAIT = 300.0  # all the waits of one run together (pyzotero retries on top of ours)
DEADLINE = 120.0  # the longest one answer may take to arrive, body included
MAX_BODY = 64 * 1024 * 1024  # the largest answer read (a page of 100 full items is ~1 MB)
_WAIT_HEADERS = ("Retry-After", "Backoff")


class _BoundedBody(httpx2.SyncByteStream):
    """An answer's body, cut off past ``DEADLINE`` seconds or ``MAX_BODY`` bytes: a server
    that drips its answer or never ends it must not hang zotsync."""

    def __init__(self, inner: httpx2.SyncByteStream, deadline: float, limit: int) -> None:
        self.inner, self.deadline, self.limit = inner, deadline, limit

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self.inner:
            size += len(chunk)
            if size > self.limit:
                raise BadAnswer(f"sent an answer larger than {self.limit // 2**20} MB")
            if time.monotonic() > self.deadline:
                raise BadAnswer("took too long to send its answer")
            yield chunk

    def close(self) -> None:
        self.inner.close()


def check_key(key: str, endpoint: str) -> str:
    """The key, if it has the form Zotero issues (24 letters and digits at api.zotero.org;
    letters and digits elsewhere); never echoed, and no header is built from anything else."""
    official = urlsplit(endpoint).hostname == "api.zotero.org"
    shape = r"[A-Za-z0-9]{24}" if official else r"[A-Za-z0-9]{1,128}"
    if re.fullmatch(shape, key):
        return key
    what = "24 letters and digits" if official else "letters and digits only"
    problem = (
        "it has a line break or a space"
        if any(c.isspace() for c in key)
        else "it has a character that is not a letter or digit"
        if not key.isalnum() or not key.isascii()
        else f"it has {len(key)} characters"
    )
    raise UserError(
        f"the API key for {endpoint} is not a Zotero API key ({what}; {problem}); "
        f"check {ENV}, or run `zotsync login` again (the key is not shown)"
    )


class RetryTransport(httpx2.BaseTransport):
    """Retries 429, 5xx and dropped connections; honours ``Retry-After`` and ``Backoff`` up
    to ``max_wait``; sends nothing to another origin than the endpoint's and follows no
    redirect (the key would go with it); bounds each answer in time and size."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        max_wait: float,
        origin: tuple[str, str, int | None] | None = None,
        deadline: float = DEADLINE,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        # No TLS on plain http (loopback only): no certificate store to load for it.
        self.inner = httpx2.HTTPTransport(verify=origin is None or origin[0] == "https")
        self.sleep = sleep
        self.max_wait = max_wait
        self.origin = origin
        self.deadline = deadline
        self.notify = notify  # told of every wait (the CLI shows them on a terminal)
        self.retries = RETRIES
        self.requests = 0
        self.waited = 0.0

    def _asked_wait(self, response: httpx2.Response) -> tuple[float, str] | None:
        for header in _WAIT_HEADERS:
            value = response.headers.get(header, "").strip()
            if value.replace(".", "", 1).isdigit():
                return float(value), header
        return None

    def _pause(self, response: httpx2.Response | None, attempt: int) -> None:
        seconds = float(2**attempt) / 4
        asked = self._asked_wait(response) if response is not None else None
        why = "no answer" if response is None else f"answer {response.status_code}"
        if asked is not None:
            seconds, header = asked
            why += f", {header}: {seconds:g}"
            if seconds > self.max_wait:
                raise BadAnswer(
                    f"asked for a wait of {seconds:.0f} s ({header}); the longest wait "
                    f"honoured is {self.max_wait:.0f} s: try again later"
                )
        seconds = min(seconds, self.max_wait)
        if self.waited + seconds > MAX_TOTAL_WAIT:
            raise BadAnswer(
                f"kept zotsync waiting ({self.waited:.0f} s in all, {why}); try again later"
            )
        self.waited += seconds
        if self.notify is not None:
            failed = response is None or response.status_code >= 400
            then = f"then retry {attempt + 1} of {self.retries}" if failed else "as asked"
            self.notify(f"waiting {seconds:g} s ({why}), {then}")
        self.sleep(seconds)

    def _check_origin(self, request: httpx2.Request) -> None:
        url = request.url
        if self.origin is not None and (url.scheme, url.host, url.port) != self.origin:
            host = clean_line(str(url.host))
            raise BadAnswer(f"sent zotsync to another host ({host}); nothing was sent there")

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._check_origin(request)
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self.inner.handle_request(request)
            except httpx2.TransportError:
                if attempt == self.retries:
                    raise
                self._pause(None, attempt)
                continue
            if (
                response.status_code == 429 or response.status_code >= 500
            ) and attempt < self.retries:
                response.close()
                self._pause(response, attempt)
                continue
            if response.status_code in (301, 302, 303, 307, 308):
                response.close()
                location = clean_line(response.headers.get("Location", ""))
                where = urlsplit(location).hostname or "elsewhere"
                raise BadAnswer(
                    f"answered with a redirect to {where}; redirects are never followed "
                    "(the API key would go with them)"
                )
            if self._asked_wait(response) and response.status_code < 400:
                self._pause(response, attempt)  # the server asks for a pause before the next
            return self._bounded(response, request)
        raise AssertionError("unreachable")

    def _bounded(self, response: httpx2.Response, request: httpx2.Request) -> httpx2.Response:
        # The wait headers were honoured here: pyzotero, which sleeps on them without a cap,
        # does not see them.
        headers = [
            (k, v) for k, v in response.headers.raw if k.decode().title() not in _WAIT_HEADERS
        ]
        assert isinstance(response.stream, httpx2.SyncByteStream)
        body = _BoundedBody(response.stream, time.monotonic() + self.deadline, MAX_BODY)
        return httpx2.Response(
            response.status_code,
            headers=headers,
            stream=body,
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


def _one_line(error: Exception) -> str:
    """pyzotero's "Code: 400\\nURL: …\\nMethod: …\\nResponse: …" as "400: <response>"."""
    parts = {}
    for line in str(error).splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() in ("Code", "Response"):
            parts[name.strip()] = value.strip()
    text = f"{parts['Code']}: {parts.get('Response', '')}" if "Code" in parts else str(error)
    return " ".join(clean_line(text).split())[:300]


class ZoteroLibrary:
    """One group library at one endpoint, with one API key.

    Everything zotsync sends to Zotero goes through this one client: answers are checked for
    the shape the API gives before anything acts on them (a wrong one is one RemoteError
    naming the request), and paging stops where the total the server announced says."""

    def __init__(
        self,
        endpoint: str,
        group_id: int,
        api_key: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT,
        deadline: float = DEADLINE,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.group_id = group_id
        check_key(api_key, self.endpoint)
        url = httpx2.URL(self.endpoint)
        origin = (url.scheme, url.host, url.port)
        self.transport = RetryTransport(sleep, max_wait, origin, deadline, notify)
        timeout = httpx2.Timeout(min(60.0, deadline), connect=min(20.0, deadline))
        self.client = httpx2.Client(
            transport=self.transport, trust_env=False, timeout=timeout, follow_redirects=False
        )
        self._key = api_key
        self._zot: Any = None
        self._auth = {"Authorization": f"Bearer {api_key}", "Zotero-API-Version": "3"}

    @property
    def zot(self) -> Any:
        """pyzotero on our client, imported on first need: the no-op sync's one conditional
        request does without it (its import is a fifth of that sync's time)."""
        if self._zot is None:
            from pyzotero import zotero

            self._zot = zotero.Zotero(self.group_id, "group", self._key, client=self.client)
            self._zot.endpoint = self.endpoint
        return self._zot

    def close(self) -> None:
        self.client.close()

    @property
    def requests(self) -> int:
        return self.transport.requests

    def _call(self, what: str, read: Callable[[], Any]) -> Any:
        """Run a pyzotero read, turning its errors into one clear RemoteError."""
        from pyzotero import zotero_errors as pyzotero_errors

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
        except BadAnswer as error:
            raise RemoteError(f"{what}: {self.endpoint} {error}") from None
        except httpx2.HTTPError as error:
            raise RemoteError(f"{what}: no answer from {self.endpoint} ({error})") from None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            raise self._unreadable(what) from None

    def _unreadable(self, what: str) -> RemoteError:
        return RemoteError(
            f"{what}: {self.endpoint} sent an answer that is not the Zotero API's "
            "(not its JSON, or not its shape); nothing was changed for it"
        )

    def _version(self, what: str = "reading the library version") -> int:
        response = self.zot.request
        value = response.headers.get("Last-Modified-Version", "0") if response is not None else "0"
        if not value.isdigit():
            raise self._unreadable(what)
        return int(value)

    def _objects(self, what: str, found: Any) -> list[RemoteObject]:
        """The objects of a read, checked for the API's shape."""
        if not isinstance(found, list):
            raise self._unreadable(what)
        objects = []
        for obj in found:
            if not (
                isinstance(obj, dict)
                and isinstance(obj.get("key"), str)
                and isinstance(obj.get("version"), int)
                and _valid_data(obj.get("data"))
            ):
                raise self._unreadable(what)
            meta: dict[str, Any] = obj["meta"] if isinstance(obj.get("meta"), dict) else {}
            objects.append(RemoteObject(obj["key"], obj["version"], obj["data"], meta))
        return objects

    def _everything(self, what: str, first: Callable[[], Any]) -> list[RemoteObject]:
        """Every page of a multi-object read, following ``next`` links only as far as the
        ``Total-Results`` of the first page justifies (an endless ``next`` is refused)."""
        page = self._objects(what, self._call(what, first))
        found = list(page)
        total = self.zot.request.headers.get("Total-Results", "") if self.zot.request else ""
        limit = max(len(page), 1)
        pages = math.ceil(int(total) / limit) + 1 if total.isdigit() else 2_000
        for _ in range(pages):
            if not (self.zot.links and self.zot.links.get("next")) or not page:
                return found
            page = self._objects(what, self._call(what, self.zot.follow))
            found.extend(page)
        raise RemoteError(
            f"{what}: {self.endpoint} kept sending more pages than the {total or 'unknown'} "
            "objects it announced; stopped"
        )

    # ---------------------------------------------------------------- reads

    def key_info(self) -> dict[str, Any]:
        info = self._call("checking the API key", self.zot.key_info)
        if not isinstance(info, dict):
            raise self._unreadable("checking the API key")
        return info

    def groups(self, user_id: object) -> list[dict[str, Any]]:
        """The groups a user belongs to (id and name)."""
        what = "reading the key's groups"
        try:
            response = self.client.get(
                f"{self.endpoint}/users/{int(str(user_id))}/groups", headers=self._auth
            )
            found = response.json()
            return [{"id": int(g["id"]), "name": str(g["data"]["name"])} for g in found]
        except BadAnswer as error:
            raise RemoteError(f"{what}: {self.endpoint} {error}") from None
        except httpx2.HTTPError as error:
            raise RemoteError(f"{what}: no answer from {self.endpoint} ({error})") from None
        except (ValueError, KeyError, TypeError):
            raise self._unreadable(what) from None

    def unchanged_since(self, version: int) -> bool:
        """One conditional request: True when Zotero answers 304 (the library is still at
        ``version``); False on anything else, which the full sync then reads and handles."""
        self.transport.retries = 0  # a failure only sends the sync the full way, which retries
        try:
            response = self.client.get(
                f"{self.endpoint}/groups/{self.group_id}/items",
                params={"since": version, "format": "versions", "limit": 1},
                headers={**self._auth, "If-Modified-Since-Version": str(version)},
            )
        except (httpx2.HTTPError, BadAnswer):
            return False
        finally:
            self.transport.retries = RETRIES
        return response.status_code == 304

    def snapshot(self) -> Snapshot:
        """The whole library (a first sync): collections and items, trashed ones included."""
        collections = self._everything("reading collections", self.zot.collections)
        items = self._everything("reading items", partial(self.zot.items, includeTrashed=1))
        snap = Snapshot(version=self._version("reading items"))
        for c in collections:
            snap.collections[c.key] = c
        for i in items:
            snap.items[i.key] = i
        return snap

    def collections(self) -> list[dict[str, Any]]:
        """Every collection's data (key, name, parentCollection)."""
        return [dict(c.data) for c in self._everything("reading collections", self.zot.collections)]

    def top_items(self, collection: str) -> list[dict[str, Any]]:
        """The data of a collection's top-level items (no attachments, notes or trash)."""
        found = self._everything(
            "reading items", partial(self.zot.collection_items_top, collection)
        )
        return [dict(i.data) for i in found if not i.data.get("deleted")]

    def _versions(self, what: str, read: Callable[[], Any]) -> dict[str, int]:
        found = self._call(what, read)
        if not isinstance(found, dict) or not all(
            isinstance(k, str) and isinstance(v, int) for k, v in found.items()
        ):
            raise self._unreadable(what)
        return found

    def changes_since(self, version: int) -> Changes | None:
        """What changed after ``version``.  One request, and None, when nothing did: the library
        version covers every object type, so an unchanged one ends the question."""
        items = self._versions(
            "reading changes", lambda: self.zot.item_versions(since=version, includeTrashed=1)
        )
        current = self._version("reading changes")
        if current == version and not items:
            return None
        collections = self._versions(
            "reading collection changes", lambda: self.zot.collection_versions(since=version)
        )
        deleted = self._call("reading deletions", lambda: self.zot.deleted(since=version))
        if not isinstance(deleted, dict) or not all(
            isinstance(deleted.get(kind, []), list) for kind in ("items", "collections")
        ):
            raise self._unreadable("reading deletions")
        return Changes(
            current,
            list(items),
            list(collections),
            [str(k) for k in deleted.get("items", [])],
            [str(k) for k in deleted.get("collections", [])],
        )

    def fetch(self, kind: str, keys: list[str]) -> list[RemoteObject]:
        """Objects by key, at most 50 per request, trashed items included."""
        found: list[RemoteObject] = []
        for start in range(0, len(keys), MAX_BATCH):
            chunk = ",".join(keys[start : start + MAX_BATCH])
            if kind == "item":
                what = "reading items"
                read = partial(self.zot.items, itemKey=chunk, includeTrashed=1, limit=MAX_BATCH)
            else:
                what = "reading collections"
                read = partial(self.zot.collections, collectionKey=chunk, limit=MAX_BATCH)
            found.extend(self._objects(what, self._call(what, read)))
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
        what = f"writing {path}"
        try:
            response = self.client.post(
                f"{self.endpoint}/groups/{self.group_id}/{path}",
                json=objects,
                headers={**self._auth, "If-Unmodified-Since-Version": str(library_version)},
            )
            response.read()
        except BadAnswer as error:
            raise RemoteError(f"{what}: {self.endpoint} {error}") from None
        except httpx2.HTTPError as error:
            raise RemoteError(f"{what}: no answer from {self.endpoint} ({error})") from None
        if response.status_code == 412:
            raise LibraryChanged(response.text)
        if response.status_code == 403:
            raise RemoteError(
                f"{what}: {self.endpoint} refused: {_short(response.text)} "
                "(the API key needs write access to this group)"
            )
        if response.status_code != 200:
            raise RemoteError(f"{what}: {response.status_code} {_short(response.text)}")
        version = response.headers.get("Last-Modified-Version", "")
        try:
            report = response.json()
        except ValueError:
            raise self._unreadable(what) from None
        if not version.isdigit() or not _valid_report(report, len(objects)):
            raise self._unreadable(what)
        return int(version), report


def _short(text: str) -> str:
    """A server's message as one short line (it is shown to the user)."""
    return " ".join(clean_line(text).split())[:300]


def _valid_data(data: Any) -> bool:
    """An object's ``data`` as the API gives it: the fields the sync reads have their types."""
    if not isinstance(data, dict):
        return False
    lists = {"creators": dict, "tags": dict, "collections": str}
    for name, member in lists.items():
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, member) for v in value):
            return False
    if not all(isinstance(t.get("tag", ""), str) for t in data.get("tags", [])):
        return False
    texts = ("title", "url", "extra", "name", "itemType", "date", "citationKey", "parentItem")
    return all(isinstance(data.get(n, ""), str) for n in texts if data.get(n) is not False)


def _valid_report(report: Any, sent: int) -> bool:
    """A write report: ``successful`` (index -> key, version, data), ``unchanged`` and
    ``failed``, for indexes of what was sent."""
    if not isinstance(report, dict):
        return False
    parts = [report.get(name, {}) for name in ("successful", "unchanged", "failed")]
    if not all(isinstance(part, dict) for part in parts):
        return False
    if not all(str(i) in set().union(*parts) for i in range(sent)):
        return False
    return all(
        isinstance(obj, dict)
        and isinstance(obj.get("key"), str)
        and isinstance(obj.get("version"), int)
        and isinstance(obj.get("data"), dict)
        for obj in parts[0].values()
    ) and all(isinstance(failure, dict) for failure in parts[2].values())
