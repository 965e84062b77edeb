"""Requests and plan time of `zotsync sync`, counted by the sandbox's request log.

    python benchmarks/bench_sync.py              # seeds, then generated lists of 10,000
    python benchmarks/bench_sync.py 10000 100000

1. The first sync of both seeds (the repository's lists) into an empty sandbox group: reads
   and writes, next to the floor ⌈collections/50⌉ + ⌈(items + attachments)/50⌉ writes per
   list plus two reads; then a sync with nothing to do (goal: one request).
2. For each size N: a generated list of N entries synced into its own sandbox; then the time
   to load the entries and plan with nothing to do (budget 0.5 s at 10,000), measured in
   process (best of 5) and as `zotsync sync --dry-run` (a fresh process, start-up included).
"""

from __future__ import annotations

import gc
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_lists import generate  # noqa: E402

from zotsync.adapters.state_file import StateFile  # noqa: E402
from zotsync.adapters.yaml_store import load_list, load_mapping  # noqa: E402
from zotsync.sandbox.server import DEFAULT_KEY, Sandbox  # noqa: E402
from zotsync.sync.desired import desired_library  # noqa: E402
from zotsync.sync.engine import read_remote  # noqa: E402
from zotsync.sync.plan import plan_sync  # noqa: E402


def zotsync(*args: str, cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "zotsync", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "ZOTERO_API_KEY": DEFAULT_KEY},
    )
    if done.returncode != 0:
        raise SystemExit(f"zotsync {' '.join(args)}: {done.stderr}")
    return time.perf_counter() - start, done.stdout


def project(folder: Path, url: str, lists: dict[str, Path]) -> None:
    lines = ["lists:"]
    for name, entries in lists.items():
        lines += [
            f"  {name}:",
            f"    entries: {entries}",
            "    mapping: mappings/default.yaml",
            f"    collection: {name}",
            f'    library: {{group: 1, endpoint: "{url}"}}',
        ]
    shutil.copytree(REPO / "mappings", folder / "mappings")
    (folder / "zotsync.yaml").write_text("\n".join(lines) + "\n")


def seeds(work: Path) -> None:
    folder = work / "seeds"
    folder.mkdir()
    shutil.copytree(
        REPO / "entries", folder / "entries", ignore=shutil.ignore_patterns(".zotsync-cache")
    )
    with Sandbox(folder / "s.sqlite") as sandbox:
        names = ["multimodal-sequence-learning", "multimodal-representation-learning"]
        project(folder, sandbox.url, {n: Path("entries") / n for n in names})
        floor = 0
        for name in names:
            reading_list, _ = load_list(folder / "entries" / name)
            desired = desired_library(reading_list, load_mapping(None), name, name)
            links = sum(len(i.links) for i in desired.items.values())
            floor += math.ceil(len(desired.collections) / 50) + math.ceil(
                (len(desired.items) + links) / 50
            )
        wall, _ = zotsync("sync", cwd=folder)
        reads = sum(r.method == "GET" for r in sandbox.requests)
        writes = sum(r.method == "POST" for r in sandbox.requests)
        print(
            f"first sync of both seeds: {writes} writes (floor {floor}) + {reads} reads, "
            f"{wall:.2f} s"
        )
        before = len(sandbox.requests)
        wall, _ = zotsync("sync", cwd=folder)
        print(f"sync with nothing to do: {len(sandbox.requests) - before} request(s), {wall:.2f} s")


def generated(work: Path, size: int) -> None:
    folder = work / f"gen-{size}"
    folder.mkdir()
    source = folder / "list.md"
    source.write_text(generate(size))
    zotsync("ingest", str(source), "--entries", "entries/gen", cwd=folder)
    with Sandbox(folder / "s.sqlite") as sandbox:
        project(folder, sandbox.url, {"gen": Path("entries/gen")})
        reading_list, _ = load_list(folder / "entries" / "gen")
        desired = desired_library(reading_list, load_mapping(None), "gen", "gen")
        links = sum(len(i.links) for i in desired.items.values())
        floor = math.ceil(len(desired.collections) / 50) + math.ceil(
            (len(desired.items) + links) / 50
        )
        wall, _ = zotsync("sync", cwd=folder)
        posts = sum(r.method == "POST" for r in sandbox.requests)
        reads = sum(r.method == "GET" for r in sandbox.requests)
        print(
            f"{size:>7} entries: first sync {wall:.1f} s, {posts} writes (floor {floor}: "
            f"{len(desired.collections)} collections, {len(desired.items)} items, {links} links)"
            f" + {reads} reads"
        )
        from zotsync.adapters.config import load_config
        from zotsync.adapters.zotero_http import ZoteroLibrary
        from zotsync.app.targets import Sandboxes, resolve

        config = load_config(folder / "zotsync.yaml")
        item = config.lists[0]

        def load_and_plan() -> int:
            reading_list, _ = load_list(folder / "entries" / "gen")
            mapping = load_mapping(folder / "mappings" / "default.yaml")
            desired = desired_library(reading_list, mapping, item.collection, item.name)
            target = resolve(item, folder, Sandboxes(folder / ".zotsync"))
            state, fresh = StateFile(target.state_path, target.identity).load()
            library = ZoteroLibrary(target.endpoint, target.group, target.key)
            remote = read_remote(library, state, fresh, [state])
            library.close()
            return len(plan_sync(desired, remote, state, mapping, seed=target.seed).writes)

        os.environ["ZOTERO_API_KEY"] = DEFAULT_KEY
        times = []
        for _ in range(5):
            gc.disable()
            start = time.perf_counter()
            writes = load_and_plan()
            times.append(time.perf_counter() - start)
            gc.enable()
        assert writes == 0
        dry, _ = zotsync("sync", "--dry-run", cwd=folder)
        print(
            f"{size:>7} entries: load + plan with nothing to do {min(times):.3f} s in process, "
            f"{dry:.3f} s as `sync --dry-run` (start-up included)"
        )


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        seeds(work)
        for size in sizes:
            generated(work, size)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
