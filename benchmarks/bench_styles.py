"""Ingest and render of generated lists in each style the reader knows, in process.

    python benchmarks/bench_styles.py                # 10,000 and 100,000 entries per style
    python benchmarks/bench_styles.py 1000 10000

Styles: bullet links (`- [Title](url), ICLR 2021 [[code]](…)`), tables (`| [Title](url) |
CVPR 2021 | [Code](…) | 752 |`), bold titles over `- Paper: https://…` bullets, and bold
titles with `(2015), K. He et al.`, MLA citations (`**Alias**: Last, First, et al. **Title.**
Venue. 2020.`) and `(Venue Year) [tag] **Title**, First Last et al.`.  Budget (DESIGN.md
§9): ingest of 10,000 entries ≤ 1 s,
linear to 100,000.  Best of 3 runs each; the parse and render are checked to write the text
back byte for byte.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.core.assemble import build_list

Row = Callable[[int], str]


def _paper(n: int) -> str:
    return f"https://arxiv.org/abs/2101.{n:05d}"


def bullets(n: int) -> str:
    return f"- [Paper {n}]({_paper(n)}), ICLR 2021 [[code]](https://github.com/x/{n})\n"


def table_rows(n: int) -> str:
    return (
        f"| [Paper {n}]({_paper(n)}) | CVPR 2021 | [Code](https://github.com/x/{n}) | {n % 900} |\n"
    )


def link_lists(n: int) -> str:
    return f"**Paper {n}**\n\n- Paper: {_paper(n)}\n- Code: https://github.com/x/{n}\n\n"


def et_al(n: int) -> str:
    return f"- **Paper {n}** (2015), K. He et al. [[pdf]]({_paper(n)})\n"


def citations(n: int) -> str:
    return (
        f"1. **Set {n}**: Yang, Sibei, Guanbin Li, and Yizhou Yu. **Paper {n}.** Proceedings of "
        f"the IEEE Conference on Computer Vision (CVPR). 2020. [[Paper]]({_paper(n)}) "
        f"[[Code]](https://github.com/x/{n})\n\n"
    )


def tagged(n: int) -> str:
    return (
        f"* (CVPR 2023) [💬 Topic {n % 7}] **Paper {n}**, Rohit Girdhar et al. "
        f"[[Paper]({_paper(n)})] [[Code](https://github.com/x/{n})]\n"
    )


HEADS = {
    "bullets": "# Papers\n\n",
    "table": "# Papers\n\n| Paper | Venue | Code | Stars |\n|---|---|---|---|\n",
    "link lists": "# Papers\n\n",
    "authors et al.": "# Papers\n\n",
    "citations (MLA)": "# Papers\n\n",
    "(Venue Year) [tag]": "# Papers\n\n",
}
ROWS: dict[str, Row] = {
    "bullets": bullets,
    "table": table_rows,
    "link lists": link_lists,
    "authors et al.": et_al,
    "citations (MLA)": citations,
    "(Venue Year) [tag]": tagged,
}


def measure(style: str, size: int) -> tuple[float, float, int]:
    text = HEADS[style] + "".join(ROWS[style](n) for n in range(size))
    best_in, best_out = float("inf"), float("inf")
    entries = 0
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        reading_list, _ = build_list(read_list(text), None)
        middle = time.perf_counter()
        out = render_list(reading_list).text
        end = time.perf_counter()
        assert out == text, f"{style}: the list does not write back"
        entries = sum(len(s.entries) for s in reading_list.sections)
        best_in, best_out = min(best_in, middle - start), min(best_out, end - middle)
    return best_in, best_out, entries


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print("| style | entries | ingest s | render s |")
    print("|---|---|---|---|")
    for style in ROWS:
        for size in sizes:
            read, write, entries = measure(style, size)
            print(f"| {style} | {entries:,} | {read:.3f} | {write:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
