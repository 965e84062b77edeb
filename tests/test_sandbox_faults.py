"""Injected faults: each fires where asked and does what it says (server.py's docstring)."""

from __future__ import annotations

import httpx2
import pytest

from conftest import GROUP
from zotsync.errors import UserError
from zotsync.sandbox.server import Fault

ITEMS = f"/groups/{GROUP}/items"


def count(http: httpx2.Client) -> int:
    return int(http.get(ITEMS, params={"limit": 1}).headers["Total-Results"])


def test_drop_before_the_write_commits(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault("drop-before", method="POST"))
    with pytest.raises(httpx2.RemoteProtocolError):
        http.post(ITEMS, json=[{"itemType": "book", "key": "ABCD2345", "version": 0}])
    assert count(http) == 0
    retry = http.post(ITEMS, json=[{"itemType": "book", "key": "ABCD2345", "version": 0}])
    assert list(retry.json()["successful"]) == ["0"]


def test_drop_after_the_write_commits_loses_only_the_response(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault("drop-after", method="POST"))
    body = [{"itemType": "book", "key": "ABCD2345", "version": 0}]
    with pytest.raises(httpx2.RemoteProtocolError):
        http.post(ITEMS, json=body)
    assert count(http) == 1
    retry = http.post(ITEMS, json=body).json()  # the client-key retry finds it, no duplicate
    assert retry["failed"]["0"]["code"] == 412 and count(http) == 1


@pytest.mark.parametrize(
    ("kind", "status", "header"),
    [("500", 500, None), ("503", 503, "Backoff"), ("429", 429, "Retry-After")],
)
def test_error_statuses_do_not_touch_the_library(sandbox, http, kind, status, header) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault(kind, at=1, seconds=3))
    response = http.post(ITEMS, json=[{"itemType": "book"}])
    assert response.status_code == status
    if header:
        assert response.headers[header] == "3"
    assert count(http) == 0


def test_backoff_on_a_successful_answer(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault("backoff", at=1, seconds=5))
    response = http.get(ITEMS)
    assert response.status_code == 200 and response.headers["Backoff"] == "5"
    assert "Backoff" not in http.get(ITEMS).headers


def test_a_teammate_writes_between_two_requests(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    version = int(http.get(ITEMS).headers["Last-Modified-Version"])
    sandbox.inject(Fault("teammate", at=2))
    stale = http.post(
        ITEMS, json=[{"itemType": "book"}], headers={"If-Unmodified-Since-Version": str(version)}
    )
    assert stale.status_code == 412
    assert count(http) == 0


def test_faults_fire_at_their_request_only_and_are_logged(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    sandbox.inject(Fault("500", at=3))
    statuses = [http.get(ITEMS).status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]
    assert [entry.fault for entry in sandbox.requests] == [None, None, "500", None]
    assert sandbox.requests[0].path == ITEMS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("429@3", ("429", 3, None, 1)),
        ("503@2:7", ("503", 2, None, 7)),
        ("drop-after@post", ("drop-after", None, "POST", 1)),
    ],
)
def test_fault_specs_from_the_command_line(text: str, expected: tuple[object, ...]) -> None:
    fault = Fault.parse(text)
    assert (fault.kind, fault.at, fault.method, fault.seconds) == expected


@pytest.mark.parametrize("text", ["boom@1", "429@soon", "429"])
def test_bad_fault_specs_are_user_errors(text: str) -> None:
    with pytest.raises(UserError):
        Fault.parse(text)
