"""The README and the entries reconciled (issue 14), in process, on generated lists:

    python benchmarks/bench_reconcile.py            # 10,000 entries
    python benchmarks/bench_reconcile.py 1000 100000

For each size: a first ingest (a new list: no reconciliation), a re-ingest of the
unchanged README (the three-way reconciliation against markdown-base.txt: what `ingest`,
`render` and every `sync` of a list with a README now do), and a re-ingest after one README
line and one YAML entry were edited.  Best of 3; the machine is noisy.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.app.ingest import ingest_markdown


def _readme(size: int) -> str:
    lines = ["# Papers\n"]
    for n in range(size):
        if n % 100 == 0:
            lines.append(f"\n## Section {n // 100}\n\n")
        lines.append(
            f"- [Paper {n}](https://arxiv.org/abs/2101.{n:05d}), ICLR 2021 "
            f"[[code]](https://github.com/x/{n})\n"
        )
    return "".join(lines)


def _ingest(folder: Path, markdown: Path, text: str) -> float:
    gc.collect()
    start = time.perf_counter()
    ingest_markdown("l", folder, markdown, text)
    return time.perf_counter() - start


def _edit_one_entry_in_yaml(folder: Path) -> None:
    reading_list, _ = load_list(folder)
    last = reading_list.sections[-1]
    changed = replace(last.entries[0], title="Paper edited in YAML")
    sections = (*reading_list.sections[:-1], replace(last, entries=(changed, *last.entries[1:])))
    save_list(folder, replace(reading_list, sections=sections))


def measure(size: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            folder, markdown = Path(tmp) / "entries", Path(tmp) / "README.md"
            text = _readme(size)
            markdown.write_text(text)
            times = {"first ingest": _ingest(folder, markdown, text)}
            times["re-ingest, unchanged"] = _ingest(folder, markdown, text)
            edited = text.replace("[Paper 7]", "[Paper 7, fixed]", 1)
            markdown.write_text(edited)
            _edit_one_entry_in_yaml(folder)
            times["re-ingest, both sides edited"] = _ingest(folder, markdown, edited)
            for name, value in times.items():
                best[name] = min(best.get(name, value), value)
    return best


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000]
    print("| entries | step | s |")
    print("|---|---|---|")
    for size in sizes:
        for name, value in measure(size).items():
            print(f"| {size:,} | {name} | {value:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
