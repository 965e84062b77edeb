"""A hostile server on loopback: a proxy in front of the sandbox that forwards every request
unless a rule answers it instead (a redirect, an endless page, a drip-fed body, HTML…), and a
bystander server that records whatever reaches it (where a redirect points)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drip: float = 0.0  # seconds between bytes of the body


Rule = Callable[[str, str, dict[str, str]], Answer | None]  # method, path?query, headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up on a hostile answer is what the tests expect


def _handler(owner: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = owner.answer(self.command, self.path, headers, body)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in answer.headers:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.drip:
                    for byte in answer.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(answer.drip)
                else:
                    self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    return Handler


class _Base:
    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Bystander(_Base):
    """Records every request that reaches it (with its headers)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        super().__init__()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        self.seen.append((method, path, headers))
        return Answer(200, {"Content-Type": "application/json"}, b"[]")


class HostileProxy(_Base):
    """Forwards to ``upstream`` unless one of ``rules`` answers first."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.rules: list[Rule] = []
        self.client = httpx2.Client(base_url=upstream, trust_env=False, timeout=30)
        super().__init__()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        for rule in self.rules:
            found = rule(method, path, headers)
            if found is not None:
                return found
        keep = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
        response = self.client.request(method, path, headers=keep, content=body)
        drop = {"content-length", "transfer-encoding", "connection", "content-encoding"}
        return Answer(
            response.status_code,
            {k: v for k, v in response.headers.items() if k.lower() not in drop},
            response.content,
        )

    def stop(self) -> None:
        super().stop()
        self.client.close()
