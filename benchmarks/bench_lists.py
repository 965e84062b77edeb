"""Time ingest, render and check on generated lists of 10,000 and 100,000 entries.

    python benchmarks/bench_lists.py            # 10,000 and 100,000 entries
    python benchmarks/bench_lists.py 1000 10000 # other sizes

Each step runs the real command (``zotsync ingest|render|check``) in a fresh process so
that imports and start-up count, and reports wall time and peak memory (ru_maxrss of the
child).  Budgets (DESIGN.md §9): at 10,000 entries ingest <= 1 s, render <= 0.3 s, peak
memory <= 200 MB; at 100,000 each figure within ten times its 10,000 figure.  Render is
timed twice: cold (no parsed-entry cache) and warm (the usual case: the cache is written by
ingest and by every load).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def run(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak MB and exit status of ``zotsync ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "zotsync", *args], cwd=cwd, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"zotsync {' '.join(args)} failed with {done.returncode}")
    return wall, max(peak, before) / 1024, done.returncode


def startup(cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zotsync", "--version"], cwd=cwd, capture_output=True)
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="zotsync-bench-"))
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; start-up "
        f"(zotsync --version) {startup(work):.3f} s, included in every figure below\n"
    )
    print(f"{'entries':>8} {'step':<14} {'wall s':>8} {'peak MB':>8}")
    try:
        for size in sizes:
            source = work / f"list-{size}.md"
            source.write_text(generate(size), encoding="utf-8")
            entries = work / f"entries-{size}"
            steps = [
                ("ingest", ["ingest", str(source), "--entries", str(entries)]),
                ("render cold", ["render", "--entries", str(entries), "-o", str(work / "o.md")]),
                ("render warm", ["render", "--entries", str(entries), "-o", str(work / "o.md")]),
                ("check", ["check", "--entries", str(entries)]),
            ]
            for name, args in steps:
                if name == "render cold":
                    shutil.rmtree(entries / ".zotsync-cache", ignore_errors=True)
                wall, peak, _ = run(args, work)
                print(f"{size:>8} {name:<14} {wall:>8.3f} {peak:>8.1f}")
            same = (work / "o.md").read_bytes() == source.read_bytes()
            print(f"{size:>8} {'round trip':<14} {'identical' if same else 'DIFFERENT':>17}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
