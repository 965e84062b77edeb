"""The sandbox over HTTP: a threaded server on loopback, a request log, and injected faults.

Faults are switchable per test (:meth:`Sandbox.inject`) and from the command line
(``--fault KIND@N``).  Kinds:

- ``drop-before``: the connection is closed before the request is handled (nothing written);
- ``drop-after``: the request is handled (a write commits) and the connection is closed
  without an answer (the response is lost);
- ``500``; ``503`` (with ``Backoff``); ``429`` (with ``Retry-After``);
- ``backoff``: handled normally, answered with a ``Backoff`` header;
- ``teammate``: another user writes to the library just before the request is handled.

A fault fires on the N-th request the server receives (``at``), or on every request
matching ``method``/``path``, ``times`` times.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from zotsync.errors import UserError
from zotsync.sandbox.api import Api, Request, Response
from zotsync.sandbox.schema import Schema, load_schema
from zotsync.sandbox.store import Store

FAULT_KINDS = ("drop-before", "drop-after", "500", "503", "429", "backoff", "teammate")
# The key the sandbox accepts by default (a local test server's, not a Zotero secret);
# ZOTSYNC_SANDBOX_KEY replaces it, e.g. with a canary for the secret sweep.
DEFAULT_KEY = os.environ.get("ZOTSYNC_SANDBOX_KEY") or "zotsyncsandboxkey"
DEFAULT_USER = "sandbox"
TEAMMATE = "teammate"


@dataclass
class Fault:
    kind: str
    at: int | None = None
    method: str | None = None
    path: str | None = None
    times: int = 1
    seconds: int = 1
    action: Callable[[Sandbox], None] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r} (kinds: {', '.join(FAULT_KINDS)})")

    def matches(self, number: int, method: str, path: str) -> bool:
        if self.times <= 0:
            return False
        if self.at is not None and number != self.at:
            return False
        if self.method is not None and method != self.method:
            return False
        return self.path is None or self.path in path

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``KIND@N[:SECONDS]`` or ``KIND@METHOD[:SECONDS]`` (every such request, once)."""
        try:
            kind, _, where = text.partition("@")
            where, _, seconds = where.partition(":")
            fault = cls(kind=kind, seconds=int(seconds) if seconds else 1)
            if where.isdigit():
                fault.at = int(where)
            elif where.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                fault.method = where.upper()
            else:
                raise ValueError(f"where {where!r} is neither a request number nor a method")
            return fault
        except ValueError as error:
            raise UserError(f"--fault {text}: {error} (write KIND@N, e.g. 429@3)") from None


def check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise UserError(f"the sandbox binds to loopback addresses only (127.0.0.1, ::1), not {host!r}")


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    bytes: int
    fault: str | None = None


@dataclass
class Sandbox:
    """A sandbox Zotero server: start it, point pyzotero at :attr:`url`, stop it."""

    data: Path | str
    groups: tuple[int, ...] = (1,)
    keys: tuple[tuple[str, str, bool], ...] = ((DEFAULT_KEY, DEFAULT_USER, True),)
    schema: Schema | None = None
    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    requests: list[LoggedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_loopback(self.host)
        self.schema = self.schema or load_schema()
        self.store = Store(self.data)
        owner = None
        for key, username, write in self.keys:
            user_id = self._user(username)
            owner = owner or user_id
            self.store.ensure_key(key, user_id, write)
        self._user(TEAMMATE)
        self.teammate_key = self.store.key_info(self._teammate_key())
        for group_id in self.groups:
            self.store.ensure_group(group_id, f"Sandbox group {group_id}", owner or 1)
        self.api = Api(self.store, self.schema)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._count = 0
        self._count_lock = threading.Lock()
        self._log = self.log_path.open("a", encoding="utf-8") if self.log_path else None

    def _user(self, username: str) -> int:
        row = self.store.connection.execute(
            "SELECT id FROM users WHERE username = ?", (username,)
        ).fetchone()
        if row:
            return int(row[0])
        last = self.store.connection.execute("SELECT MAX(id) FROM users").fetchone()[0] or 0
        self.store.ensure_user(last + 1, username)
        return int(last + 1)

    def _teammate_key(self) -> str:
        row = self.store.connection.execute(
            "SELECT k.key FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.username = ?",
            (TEAMMATE,),
        ).fetchone()
        if row:
            return str(row[0])
        key = secrets.token_hex(12)
        self.store.ensure_key(key, self._user(TEAMMATE), True)
        return key

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def start(self) -> str:
        """Serve in a background thread; returns the base URL."""
        self._server = _Server((self.host, self.port), _Handler, self)
        self.api.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so that stop() returns at once
            name="zotsync-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def bind(self) -> str:
        """Bind without serving (``serve_forever`` is then the caller's)."""
        self._server = _Server((self.host, self.port), _Handler, self)
        self.api.base_url = self.url
        return self.url

    def serve_forever(self) -> None:
        assert self._server is not None
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=10)
            self._server.server_close()
            self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self.store.close()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- test helpers

    @property
    def request_count(self) -> int:
        """Requests received so far (dropped ones included): ``Fault.at`` counts from here."""
        with self._count_lock:
            return self._count

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def clear_faults(self) -> None:
        self.faults.clear()

    def teammate_write(
        self, group_id: int, kind: str, objects: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """POST ``objects`` as the teammate user (a concurrent edit in Zotero)."""
        assert self.teammate_key is not None
        return self.api.write_as(self.teammate_key, group_id, kind, objects)

    # ---------------------------------------------------------------- per request

    def _next_fault(self, method: str, path: str) -> tuple[int, Fault | None]:
        with self._count_lock:
            self._count += 1
            number = self._count
            for fault in self.faults:
                if fault.matches(number, method, path):
                    fault.times -= 1
                    return number, fault
        return number, None

    def _default_teammate_edit(self) -> None:
        """Bump the library version of every group with a settings write by the teammate."""
        for group_id in self.groups:
            colour = {"name": f"teammate-{secrets.token_hex(4)}", "color": "#FF6666"}
            body = json.dumps({"tagColors": {"value": [colour]}}).encode()
            assert self.teammate_key is not None
            version = self.store.library_version(group_id)
            self.api.handle(
                Request(
                    "POST",
                    f"/groups/{group_id}/settings",
                    {},
                    {
                        "zotero-api-key": self.teammate_key.key,
                        "if-unmodified-since-version": str(version),
                    },
                    body,
                )
            )

    def record(self, entry: LoggedRequest) -> None:
        with self._count_lock:
            self.requests.append(entry)
            if self._log is not None:
                self._log.write(json.dumps(entry.__dict__) + "\n")
                self._log.flush()


_KEY_PARAM = re.compile(r"(^|&)key=[^&]*")


def _redacted(query: str) -> str:
    """A request's query for the log, without an API key given as ``?key=``."""
    return _KEY_PARAM.sub(r"\1key=REDACTED", query)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is no server error."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], handler: type[_Handler], sandbox: Sandbox) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self.sandbox = sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response, sent at once: headers and body in separate small segments
    # meet the client's delayed ACK and cost 40 ms a request.
    wbufsize = 64 * 1024
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests go to the JSON log, not to stderr

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        _, fault = sandbox._next_fault(self.command, parts.path)
        kind = fault.kind if fault else None
        if kind == "drop-before":
            self._drop(sandbox, parts, kind)
            return
        if kind == "teammate":
            (fault.action if fault and fault.action else Sandbox._default_teammate_edit)(sandbox)
        if kind in ("500", "503", "429"):
            status = int(kind)
            headers: list[tuple[str, str]] = []
            if kind == "503":
                headers.append(("Backoff", str(fault.seconds if fault else 1)))
            if kind == "429":
                headers.append(("Retry-After", str(fault.seconds if fault else 1)))
            message = {
                500: "An error occurred",
                503: "Service unavailable",
                429: "Rate limit exceeded",
            }
            response = Response.text(status, message[status], *headers)
        else:
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {name.lower(): value for name, value in self.headers.items()},
                body,
            )
            response = sandbox.api.handle(request)
            if kind == "backoff":
                response.headers.append(("Backoff", str(fault.seconds if fault else 1)))
        if kind == "drop-after":
            self._drop(sandbox, parts, kind)
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        sandbox.record(
            LoggedRequest(
                self.command,
                parts.path,
                _redacted(parts.query),
                response.status,
                len(response.body),
                kind,
            )
        )

    def _drop(self, sandbox: Sandbox, parts: Any, kind: str) -> None:
        self.close_connection = True
        sandbox.record(LoggedRequest(self.command, parts.path, _redacted(parts.query), 0, 0, kind))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
