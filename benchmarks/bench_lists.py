"""Time ingest, render and check on generated lists of 10,000 and 100,000 entries.

    python benchmarks/bench_lists.py            # 10,000 and 100,000 entries
    python benchmarks/bench_lists.py 1000 10000 # other sizes

Each step runs the real command (``zotsync ingest|render|check``) in a fresh process, so
that interpreter start-up and imports count, five times; it reports the best and the median
wall time and the peak memory (the child's own ru_maxrss).  Budgets (DESIGN.md §9): at
10,000 entries ingest <= 1 s, render <= 0.3 s, peak memory <= 200 MB; at 100,000 entries
each figure within ten times its 10,000 figure.  Render is timed cold (no parsed-entry
cache) and warm (the usual case: ingest and every load write the cache).  The "(lib)" rows
time the same work in-process, without start-up and imports (about 0.1 s).
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VENUES = ["ICLR", "NeurIPS", "ICML", "ACL", "EMNLP", "CVPR", "ICCV", "AAAI", "TPAMI", "arXiv"]
WORDS = [
    "multimodal",
    "representation",
    "learning",
    "fusion",
    "transformer",
    "attention",
    "contrastive",
    "video",
    "audio",
    "language",
    "vision",
    "graph",
    "neural",
    "network",
    "generative",
    "adversarial",
    "robust",
    "efficient",
    "sparse",
    "deep",
    "self-supervised",
    "pretraining",
    "alignment",
    "retrieval",
    "embedding",
    "sequence",
    "temporal",
    "dynamic",
]


def generate(n_entries: int, seed: int = 7) -> str:
    """A list in seed 000's style: `[Title](url), VENUE YEAR [[code]](url)` paragraphs."""
    rng = random.Random(seed)
    out = ["# Generated list\n", "Reading list for benchmarks\n", "\n"]
    per_section = 100
    for n in range(n_entries):
        if n % per_section == 0:
            out.append(f"\n## Section {n // per_section}\n\n")
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))).capitalize()
        year = rng.randint(2010, 2024)
        line = f"[{title} {n}](https://arxiv.org/abs/{year % 100:02d}{n % 12 + 1:02d}.{n:05d})"
        line += f", {rng.choice(VENUES)} {year}"
        if rng.random() < 0.4:
            line += f" [[code]](https://github.com/lab{n}/repo{n})"
        out.append(line + "\n\n")
    return "".join(out)


# A small launcher runs zotsync as its own child and reports the child's wall time and peak
# resident memory (RUSAGE_CHILDREN).  Linux counts the memory of the process image an exec
# replaces, so a zotsync started straight from this (large) benchmark process, which holds
# a sandbox of up to 100,000 items, would report this process's size as its own.
_LAUNCHER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run([sys.executable, '-m', 'zotsync', *sys.argv[1:]])\n"
    "wall = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.write('\\nWALL %f PEAK_KB %d\\n' % (wall, peak))\n"
    "sys.exit(done.returncode)\n"
)


def work_dir(prefix: str) -> Any:
    """A temporary folder, removed afterwards unless ZOTSYNC_KEEP_TMP is set (the secret
    sweep reads what the benchmarks wrote)."""
    if os.environ.get("ZOTSYNC_KEEP_TMP"):
        return contextlib.nullcontext(tempfile.mkdtemp(prefix=prefix))
    return tempfile.TemporaryDirectory(prefix=prefix)


def run(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak MB and exit status of ``zotsync ARGS`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"zotsync {' '.join(args)} failed with {done.returncode}")
    measured = done.stderr.rsplit("WALL", 1)[1].split()
    wall, peak_kb = float(measured[0]), int(measured[2])
    return wall, peak_kb / 1024, done.returncode


def startup(cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zotsync", "--version"], cwd=cwd, capture_output=True)
    return time.perf_counter() - start


REPEAT = 5


def in_process(source: Path, folder: Path) -> list[tuple[str, float]]:
    """The same work without interpreter start-up and imports (best of REPEAT)."""
    from zotsync.adapters.markdown_list import read_list, render_list
    from zotsync.adapters.yaml_store import load_list, save_list
    from zotsync.core.assemble import build_list

    def ingest() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        reading_list, _ = build_list(read_list(source.read_text("utf-8")), None)
        save_list(folder, reading_list)

    def render() -> None:
        reading_list, _ = load_list(folder)
        render_list(reading_list)

    figures = []
    for name, work in (("ingest (lib)", ingest), ("render (lib)", render)):
        times = []
        for _ in range(REPEAT):
            gc.disable()  # as the CLI does while a command runs
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
            gc.enable()
        figures.append((name, min(times)))
    return figures


def main(sizes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="zotsync-bench-"))
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; start-up "
        f"(zotsync --version) {startup(work):.3f} s, included in every figure below; "
        f"best and median of {REPEAT} runs\n"
    )
    print(f"{'entries':>8} {'step':<14} {'best s':>8} {'median s':>9} {'peak MB':>8}")
    try:
        for size in sizes:
            source = work / f"list-{size}.md"
            source.write_text(generate(size), encoding="utf-8")
            entries = work / f"entries-{size}"
            out = work / "out.md"
            steps = [
                ("ingest", ["ingest", str(source), "--entries", str(entries)]),
                ("render cold", ["render", "--entries", str(entries), "-o", str(out)]),
                ("render warm", ["render", "--entries", str(entries), "-o", str(out)]),
                ("check", ["check", "--entries", str(entries)]),
            ]
            for name, args in steps:
                walls, peaks = [], []
                for _ in range(REPEAT):
                    if name == "ingest":
                        shutil.rmtree(entries, ignore_errors=True)
                    if name == "render cold":
                        shutil.rmtree(entries / ".zotsync-cache", ignore_errors=True)
                        out.unlink(missing_ok=True)
                    wall, peak, _ = run(args, work)
                    walls.append(wall)
                    peaks.append(peak)
                print(
                    f"{size:>8} {name:<14} {min(walls):>8.3f} {statistics.median(walls):>9.3f} "
                    f"{max(peaks):>8.1f}"
                )
            for name, seconds in in_process(source, work / f"lib-{size}"):
                print(f"{size:>8} {name:<14} {seconds:>8.3f}")
            same = out.read_bytes() == source.read_bytes()
            print(f"{size:>8} {'round trip':<14} {'identical' if same else 'DIFFERENT':>18}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
