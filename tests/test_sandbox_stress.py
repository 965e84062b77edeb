"""Four clients write and read at once for a bounded time: versions only grow, every object
carries the library version of its last write, and nothing written is lost."""

from __future__ import annotations

import random
import threading
import time

import httpx2

from conftest import GROUP, KEY

ITEMS = f"/groups/{GROUP}/items"
SECONDS = 3.0


def test_four_concurrent_clients(sandbox) -> None:  # type: ignore[no-untyped-def]
    expected: dict[str, int] = {}  # key -> version of its last successful write
    seen_versions: list[list[int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(number: int) -> None:
        rng = random.Random(number)
        mine: dict[str, int] = {}
        versions: list[int] = []
        with httpx2.Client(
            base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False, timeout=30
        ) as http:
            while time.monotonic() < deadline:
                roll = rng.random()
                if roll < 0.4 or not mine:
                    batch = [
                        {"itemType": "book", "title": f"c{number}-{rng.random()}"}
                        for _ in range(rng.randint(1, 10))
                    ]
                    response = http.post(ITEMS, json=batch)
                elif roll < 0.7:
                    key = rng.choice(list(mine))
                    body = [{"key": key, "version": mine[key], "title": f"edit {rng.random()}"}]
                    response = http.post(ITEMS, json=body)
                else:
                    response = http.get(ITEMS, params={"format": "versions"})
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text}")
                    continue
                versions.append(int(response.headers["Last-Modified-Version"]))
                if response.request.method == "POST":
                    report = response.json()
                    if report["failed"]:
                        errors.append(str(report["failed"]))
                    for obj in report["successful"].values():
                        mine[obj["key"]] = obj["version"]
        with lock:
            expected.update(mine)
            seen_versions.append(versions)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for versions in seen_versions:  # each client saw the library version only grow
        assert versions == sorted(versions) and len(versions) > 10
    with httpx2.Client(
        base_url=sandbox.url, headers={"Zotero-API-Key": KEY}, trust_env=False
    ) as http:
        stored = http.get(ITEMS, params={"format": "versions"}).json()
        library = int(http.get(ITEMS, params={"limit": 1}).headers["Last-Modified-Version"])
    assert stored == expected  # nothing lost, each at the version of its last write
    assert max(stored.values()) <= library
    assert len(set(stored.values())) == len(stored)  # per-object versions: no two alike
