"""Reads needed to pull k changes made in Zotero, counted by the sandbox's request log.

    python benchmarks/bench_pull.py          # k = 1, 100, 1000 on a 2,000-entry list

A generated list is synced into a sandbox group; a teammate then edits k items' titles
directly in Zotero; the next `zotsync sync` pulls them.  Budget (DESIGN.md §9): at most
⌈k/50⌉ + 4 reads.  Also reported: that sync's writes (none are needed) and its wall time.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_lists import generate  # noqa: E402
from bench_sync import project, zotsync  # noqa: E402

from zotsync.sandbox.server import Sandbox  # noqa: E402

SIZE = 2000


def main(counts: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "list.md").write_text(generate(SIZE))
        zotsync("ingest", "list.md", "--entries", "entries/gen", cwd=work)
        with Sandbox(work / "s.sqlite") as sandbox:
            shutil.rmtree(work / "mappings", ignore_errors=True)
            project(work, sandbox.url, {"gen": Path("entries/gen")})
            zotsync("sync", cwd=work)
            print(f"{SIZE} entries synced; pulling k titles edited by a teammate:")
            print(f"{'k':>6} {'reads':>6} {'budget':>7} {'writes':>7} {'wall s':>7}")
            for k in counts:
                listed = sandbox.api.store.select(
                    1, "item", top=True, order_by="key", descending=False
                )
                keys = [
                    key
                    for key, _ in listed
                    if sandbox.store.get(1, "item", key).data.get("itemType") != "attachment"
                ]
                for start in range(0, k, 50):
                    batch = []
                    for key in keys[start : min(k, start + 50)]:
                        obj = sandbox.store.get(1, "item", key)
                        batch.append(
                            {
                                "key": key,
                                "version": obj.version,
                                "title": obj.data["title"] + " (edited)",
                            }
                        )
                    sandbox.teammate_write(1, "item", batch)
                before = len(sandbox.requests)
                wall, _ = zotsync("sync", cwd=work)
                log = sandbox.requests[before:]
                reads = sum(r.method == "GET" for r in log)
                writes = sum(r.method != "GET" for r in log)
                print(f"{k:>6} {reads:>6} {math.ceil(k / 50) + 4:>7} {writes:>7} {wall:>7.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 100, 1000])
