"""Sandbox throughput over real HTTP (loopback, one client, keep-alive).

    python benchmarks/bench_sandbox.py [ITEMS]      # default 10,000 items

Creates ITEMS items in POSTs of 50, then times: a page of 100 items, `format=versions` of the
whole library, a no-op `If-Modified-Since-Version` request (304), and a `since` read of the
last 50 changes.  Needs Zotero's schema (see README: the sandbox).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from zotsync.sandbox.server import DEFAULT_KEY, Sandbox


def timed(call, repeat: int = 20) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n_items: int) -> None:
    with tempfile.TemporaryDirectory() as folder, Sandbox(Path(folder) / "s.sqlite") as sandbox:
        http = httpx2.Client(
            base_url=sandbox.url,
            headers={"Zotero-API-Key": DEFAULT_KEY},
            trust_env=False,
            timeout=60,
        )
        items = "/groups/1/items"
        start = time.perf_counter()
        for n in range(0, n_items, 50):
            batch = [
                {
                    "itemType": "preprint",
                    "title": f"Paper {n + i}",
                    "repository": "arXiv",
                    "creators": [{"creatorType": "author", "firstName": "A", "lastName": "B"}],
                    "tags": [{"tag": "t"}],
                }
                for i in range(min(50, n_items - n))
            ]
            assert http.post(items, json=batch).status_code == 200
        create = time.perf_counter() - start
        posts = -(-n_items // 50)
        version = http.get(items, params={"limit": 1}).headers["Last-Modified-Version"]
        print(
            f"{n_items} items created in {posts} POSTs of 50: {create:.2f} s "
            f"({posts / create:.0f} POSTs/s, {n_items / create:.0f} items/s)"
        )
        rows = [
            ("GET 100 items (json)", lambda: http.get(items, params={"limit": 100})),
            ("GET format=versions (all)", lambda: http.get(items, params={"format": "versions"})),
            (
                "no-op read (304)",
                lambda: http.get(items, headers={"If-Modified-Since-Version": version}),
            ),
            (
                "since: last 50 changes",
                lambda: http.get(items, params={"since": int(version) - 50, "limit": 50}),
            ),
        ]
        for name, call in rows:
            print(f"  {name:<28} median {timed(call) * 1000:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
