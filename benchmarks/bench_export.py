"""Time `zotsync export` to BibTeX on generated lists of 10,000 and 100,000 entries.

    python benchmarks/bench_export.py            # 10,000 and 100,000 entries
    python benchmarks/bench_export.py 1000       # other sizes

The list is generated as in bench_lists.py (seed 000's style), ingested (which stores a
citation key per entry), then exported by the real command in a fresh process, five times:
best and median wall time, and the child's peak memory.  The "(lib)" row times the same work
in-process (load the entries, map them to items, write the BibTeX), without interpreter
start-up and imports, and without the export cache (every block computed: the cost of a
first export, or of one after every entry changed).  The cold row is the command with no
export cache.  Budget (DESIGN.md §9): 0.5 s at 10,000 entries, and at 100,000 within
ten times that.  Better BibTeX's maintainer quotes 2-3 ms per item from its warm cache; the
per-item figure is printed beside it (the goal is 40 times faster: <= 0.06 ms per item).
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_lists import REPEAT, generate, run

BBT_MS_PER_ITEM = 2.5


def main(sizes: list[int]) -> None:
    from zotsync.adapters.yaml_store import load_list, load_mapping
    from zotsync.app.export import from_entries, render

    print("| entries | step | best s | median s | peak MB | ms/item | vs BBT 2.5 ms |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "list.md").write_text(generate(size))
            (work / "zotsync.yaml").write_text(
                "lists:\n  bench:\n    markdown: list.md\n    entries: entries/bench\n"
                "    collection: Bench\n    library: sandbox\n"
            )
            run(["ingest"], work)
            times, peaks = [], []
            for _ in range(REPEAT):
                wall, peak, _ = run(["export", "-o", "out.bib"], work)
                times.append(wall)
                peaks.append(peak)
            for stale in (work / "entries" / "bench" / ".zotsync-cache").glob("export-*.json"):
                stale.unlink()
            cold, cold_peak, _ = run(["export", "-o", "out.bib"], work)
            print(
                f"| {size:,} | export (command, cold: no export cache) | {cold:.3f} | | "
                f"{cold_peak:.1f} | {cold / size * 1000:.4f} | "
                f"{BBT_MS_PER_ITEM / (cold / size * 1000):.0f}x |"
            )
            count = (work / "out.bib").read_text().count("\n@") + 1
            assert count == size, (count, size)
            best, median = min(times), statistics.median(times)
            per_item = best / size * 1000
            print(
                f"| {size:,} | export (command, warm) | {best:.3f} | {median:.3f} | "
                f"{max(peaks):.1f} | {per_item:.4f} | {BBT_MS_PER_ITEM / per_item:.0f}x |"
            )
            lib_times = []
            for _ in range(REPEAT):
                gc.disable()
                start = time.perf_counter()
                reading_list, _ = load_list(work / "entries" / "bench")
                items = from_entries(reading_list, load_mapping(None), "bench", "Bench", ())
                text = render(items, "bibtex")
                lib_times.append(time.perf_counter() - start)
                gc.enable()
            assert text.count("\n@") + 1 == size
            best = min(lib_times)
            per_item = best / size * 1000
            print(
                f"| {size:,} | export (lib) | {best:.3f} | {statistics.median(lib_times):.3f} "
                f"| | {per_item:.4f} | {BBT_MS_PER_ITEM / per_item:.0f}x |"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
