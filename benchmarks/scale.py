"""Scale: every command on generated lists of 1,000, 10,000 and 100,000 entries, a group of
100,000 items of which the list covers 10,000, and the naive pyzotero import for comparison.

    python benchmarks/scale.py                    # 1,000 10,000 100,000 (about 10 minutes)
    python benchmarks/scale.py 1000 10000         # other sizes
    python benchmarks/scale.py --big-group 0      # skip the 100,000-item group

Each step is the real command in a fresh process (start-up and imports included) against a
sandbox group served over loopback HTTP by this process; wall time, the child's peak memory,
and the requests the sandbox counted next to the floor: ⌈objects written/50⌉ writes (Zotero
takes 50 objects per write), one request for a sync with nothing to do.  Budgets
(DESIGN.md §9): at 10,000 entries ingest ≤ 1 s, render ≤ 0.3 s, load + plan a no-op sync
≤ 0.5 s, export ≤ 0.5 s, peak ≤ 200 MB; at 100,000 each within ten times its 10,000 figure;
a no-op sync against a group of 100,000 items: one request, under 0.5 s.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_lists import generate, run, work_dir  # noqa: E402

from zotsync.sandbox.server import DEFAULT_KEY, Sandbox  # noqa: E402

GROUP = 4242
ROWS: list[tuple[str, ...]] = []


def row(size: int, step: str, wall: float, peak: float | None, requests: str = "") -> None:
    peak_text = f"{peak:.0f}" if peak is not None else ""
    ROWS.append((f"{size:,}", step, f"{wall:.3f}", peak_text, requests))
    print(f"| {' | '.join(ROWS[-1])} |", flush=True)


def config(folder: Path, url: str) -> None:
    (folder / "zotsync.yaml").write_text(
        "lists:\n  gen:\n    markdown: list.md\n    entries: entries/gen\n"
        f'    collection: Generated\n    library: {{group: {GROUP}, endpoint: "{url}"}}\n'
    )


def counted(sandbox: Sandbox, args: list[str], cwd: Path) -> tuple[float, float, int, int]:
    """(wall, peak MB, reads, writes) of one command."""
    before = len(sandbox.requests)
    wall, peak, code = run(args, cwd)
    assert code in (0, 1), (args, code)
    made = sandbox.requests[before:]
    writes = sum(r.method in ("POST", "PUT", "PATCH", "DELETE") for r in made)
    return wall, peak, len(made) - writes, writes


def objects_of(folder: Path) -> tuple[int, int, int]:
    from zotsync.adapters.yaml_store import load_list, load_mapping
    from zotsync.sync.desired import desired_library

    reading_list, _ = load_list(folder / "entries" / "gen")
    desired = desired_library(reading_list, load_mapping(None), "Generated", "gen")
    links = sum(len(i.links) for i in desired.items.values())
    return len(desired.collections), len(desired.items), links


def edit_one_percent(folder: Path, size: int) -> int:
    """Fix the title of 1 % of the entries, spread over the sections; returns how many."""
    rng = random.Random(1)
    files = sorted((folder / "entries" / "gen" / "sections").glob("*.yaml"))
    wanted, edited = max(1, size // 100), 0
    for path in rng.sample(files, len(files)):
        lines = path.read_text().split("\n")
        for n, line in enumerate(lines):
            if line.startswith("  title: ") and edited < wanted and rng.random() < 0.05:
                lines[n] = line + " (revised)"
                edited += 1
        path.write_text("\n".join(lines))
        if edited >= wanted:
            break
    return edited


def one_size(work: Path, size: int) -> None:
    folder = work / f"list-{size}"
    folder.mkdir()
    (folder / "list.md").write_text(generate(size))
    with Sandbox(folder / "s.sqlite", groups=(GROUP,)) as sandbox:
        config(folder, sandbox.url)
        wall, peak, _ = run(["ingest"], folder)
        row(size, "ingest", wall, peak)
        wall, peak, _ = run(["render", "-o", "out.md"], folder)
        row(size, "render (warm cache)", wall, peak)
        wall, peak, _ = run(["check"], folder)
        row(size, "check", wall, peak)
        collections, items, links = objects_of(folder)
        floor = math.ceil(collections / 50) + math.ceil((items + links) / 50)
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        row(
            size,
            "first sync (import)",
            wall,
            peak,
            f"{reads} reads + {writes} writes (floor {floor} writes)",
        )
        wall, peak, reads, writes = counted(sandbox, ["sync", "--dry-run"], folder)
        row(size, "plan, nothing to do (sync --dry-run)", wall, peak, f"{reads + writes} (floor 1)")
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        row(size, "sync, nothing to do", wall, peak, f"{reads + writes} (floor 1)")
        edited = edit_one_percent(folder, size)
        wall, peak, reads, writes = counted(sandbox, ["sync", "--dry-run"], folder)
        row(size, f"plan, 1% changed ({edited} titles)", wall, peak, f"{reads + writes} reads")
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        floor = math.ceil(edited / 50)
        row(
            size,
            "sync, 1% changed",
            wall,
            peak,
            f"{reads} reads + {writes} writes (floor {floor} writes)",
        )
        wall, peak, _ = run(["export", "-o", "out.bib"], folder)
        row(size, "export BibTeX (first: no export cache)", wall, peak)
        wall, peak, _ = run(["export", "-o", "out.bib"], folder)
        row(size, "export BibTeX (warm)", wall, peak)


def big_group(work: Path, total: int, covered: int) -> None:
    """A group of ``total`` items, ``covered`` of them the list's: the no-op sync's cost."""
    folder = work / "big-group"
    folder.mkdir()
    (folder / "list.md").write_text(generate(covered, seed=11))
    with Sandbox(folder / "s.sqlite", groups=(GROUP,)) as sandbox:
        config(folder, sandbox.url)
        start = time.perf_counter()
        others = [
            {"itemType": "journalArticle", "title": f"A teammate's paper {n}", "date": "2019"}
            for n in range(total - covered)
        ]
        for chunk in range(0, len(others), 50):
            sandbox.teammate_write(GROUP, "item", others[chunk : chunk + 50])
        print(f"  ({total - covered:,} other items written in {time.perf_counter() - start:.0f} s)")
        run(["ingest"], folder)
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        row(
            total,
            f"first sync of a {covered:,}-entry list",
            wall,
            peak,
            f"{reads} reads + {writes} writes",
        )
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        row(
            total,
            f"sync, nothing to do ({covered:,} of {total:,} items)",
            wall,
            peak,
            f"{reads + writes} (floor 1)",
        )
        edited = edit_one_percent(folder, covered)
        wall, peak, reads, writes = counted(sandbox, ["sync"], folder)
        row(total, f"sync, {edited} titles changed", wall, peak, f"{reads} reads + {writes} writes")


def naive(work: Path, size: int) -> None:
    """The import a user would script with pyzotero alone: a collection per section, one
    create_items per entry, everything() to read back; next to our first sync."""
    from pyzotero import zotero

    from zotsync.adapters.yaml_store import load_list, load_mapping
    from zotsync.core.mapping import item_fields

    folder = work / f"naive-{size}"
    folder.mkdir()
    (folder / "list.md").write_text(generate(size, seed=3))
    with Sandbox(folder / "s.sqlite", groups=(GROUP,)) as sandbox:
        config(folder, sandbox.url)
        run(["ingest"], folder)
        reading_list, _ = load_list(folder / "entries" / "gen")
        mapping = load_mapping(None)
        zot = zotero.Zotero(GROUP, "group", DEFAULT_KEY)
        zot.endpoint = sandbox.url
        before = len(sandbox.requests)
        start = time.perf_counter()
        made = zot.create_collections([{"name": "Generated"}])
        root = made["successful"]["0"]["key"]
        for section in reading_list.sections:
            made = zot.create_collections([{"name": section.path[-1], "parentCollection": root}])
            key = made["successful"]["0"]["key"]
            for entry in section.entries:
                data = item_fields(entry, mapping, "gen")
                data["collections"] = [key]
                zot.create_items([data])
        back = zot.everything(zot.items())
        naive_wall = time.perf_counter() - start
        naive_requests = len(sandbox.requests) - before
        assert len(back) == size
    with Sandbox(folder / "s2.sqlite", groups=(GROUP,)) as sandbox:
        config(folder, sandbox.url)
        wall, _, reads, writes = counted(sandbox, ["sync"], folder)
    print(
        f"\nnaive pyzotero import of {size:,} entries (links not even attached): "
        f"{naive_requests:,} requests, {naive_wall:.1f} s; zotsync sync: {reads + writes} "
        f"requests ({naive_requests / (reads + writes):.0f}x fewer), {wall:.1f} s "
        f"({naive_wall / wall:.1f}x faster)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--big-group", type=int, default=100_000, help="items (0: skip)")
    parser.add_argument("--naive", type=int, default=1_000, help="entries (0: skip)")
    args = parser.parse_args()
    os.environ["ZOTERO_API_KEY"] = DEFAULT_KEY
    print("| size | step | wall s | peak MB | requests |")
    print("|---|---|---|---|---|")
    with work_dir("zotsync-scale-") as tmp:
        work = Path(tmp)
        for size in args.sizes:
            one_size(work, size)
        if args.big_group:
            big_group(work, args.big_group, args.big_group // 10)
        if args.naive:
            naive(work, args.naive)


if __name__ == "__main__":
    main()
