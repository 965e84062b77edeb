"""Per real list of ../shared/corpora/lists (and the seeds): entries recognised, links kept,
lines identical after ingest -> YAML -> render.

    python benchmarks/corpus_report.py

"Links kept": every link destination markdown-it finds in the file (links and images) is
found again in an entry (its URL, extra links or note) or in the verbatim frame.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.core.assemble import build_list
from zotsync.core.document import Verbatim

SHARED = Path(__file__).resolve().parents[2] / "shared"
_MD = MarkdownIt("commonmark")


def hrefs(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for token in _MD.parse(text):
        for child in token.children or ():
            if child.type == "link_open":
                found[str(child.attrs.get("href", ""))] += 1
            elif child.type == "image":
                found[str(child.attrs.get("src", ""))] += 1
    return found


@dataclass
class ListReport:
    name: str
    lines: int
    identical_lines: int
    entries: int
    links: int
    links_kept: int
    kept_source: int


def report(path: Path) -> ListReport:
    text = path.read_bytes().decode("utf-8")
    reading_list, _ = build_list(read_list(text), None)
    with tempfile.TemporaryDirectory() as folder:
        save_list(Path(folder), reading_list)
        loaded, _ = load_list(Path(folder))
    out = render_list(loaded).text
    source_lines, out_lines = text.splitlines(), out.splitlines()
    identical = sum(a == b for a, b in zip(source_lines, out_lines, strict=False))
    if len(source_lines) != len(out_lines):
        identical = min(identical, len(source_lines) - 1)
    normalise = _MD.normalizeLink
    in_entries: Counter[str] = Counter()
    for _, entry in loaded.entries():
        if entry.url or entry.kind or entry.title:
            in_entries[normalise(entry.url)] += 1
        for _, url in entry.links:
            in_entries[normalise(url)] += 1
        in_entries += hrefs(entry.note)
    frame_text = "".join(line.text if isinstance(line, Verbatim) else "\n" for line in loaded.frame)
    kept = in_entries + hrefs(frame_text)
    links = hrefs(text)
    kept_count = sum(min(n, kept[href]) for href, n in links.items())
    return ListReport(
        name=path.parent.name if path.name == "README.md" else path.stem,
        lines=len(source_lines),
        identical_lines=identical if out != text else len(source_lines),
        entries=sum(len(s.entries) for s in loaded.sections),
        links=sum(links.values()),
        links_kept=kept_count,
        kept_source=sum(1 for _, e in loaded.entries() if e.markdown),
    )


def all_lists() -> list[Path]:
    return sorted((SHARED / "seeds").glob("*.txt")) + sorted(
        (SHARED / "corpora" / "lists").glob("*/README.md")
    )


def main() -> None:
    print(
        f"{'list':<45} {'lines':>6} {'identical':>9} {'entries':>7} {'links':>6} "
        f"{'kept':>6} {'src kept':>8}"
    )
    for path in all_lists():
        r = report(path)
        print(
            f"{r.name:<45} {r.lines:>6} {r.identical_lines:>9} {r.entries:>7} {r.links:>6} "
            f"{r.links_kept:>6} {r.kept_source:>8}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
