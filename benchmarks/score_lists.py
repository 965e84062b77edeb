"""How well `ingest` reads real lists: hand-labelled entries scored field by field.

    python benchmarks/score_lists.py                     # ../shared/corpora/lists-truth/dev.json
    python benchmarks/score_lists.py TRUTH.json [-v]     # any truth file of that format

A truth file is a JSON list of entries, each with ``file`` (``dev/<list>/README.md`` under
``corpora/lists/``, or ``seed/<name>`` under ``seeds/``; or a path relative to the truth
file), ``line`` (where the entry starts, 1-based) and the labels ``title``, ``url``,
``venue``, ``year``, ``authors``, ``et_al``, ``links``, ``kind`` (rules: ``lists-truth/README.md``).
An entry is *recognised* when ingest makes an entry that starts on that line.  A field is
*right* when the entry has the labelled value: whitespace-normalised; venue and link labels
without case or punctuation; fields labelled null or empty are not scored.  ``-v`` prints
every wrong field.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.core.assemble import build_list
from zotsync.core.entries import Entry

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT = SHARED / "corpora" / "lists-truth" / "dev.json"
FIELDS = ("title", "url", "venue", "year", "authors", "et_al", "links", "kind")


def source_of(name: str, truth: Path) -> Path:
    if name.startswith("dev/"):
        return SHARED / "corpora" / "lists" / name.removeprefix("dev/")
    if name.startswith("seed/"):
        return SHARED / "seeds" / name.removeprefix("seed/")
    return truth.parent / name


def entries_by_line(path: Path) -> dict[int, Entry]:
    text = path.read_bytes().decode("utf-8")
    reading_list, _ = build_list(read_list(text), None)
    lines = render_list(reading_list).entry_lines
    return {lines[entry.id]: entry for _, entry in reading_list.entries() if entry.id in lines}


def _space(text: str) -> str:
    return " ".join(str(text).split())


def _loose(text: str) -> str:
    return re.sub(r"[\W_]+", "", str(text).casefold())


def value_of(entry: Entry, field: str) -> Any:
    if field == "kind":
        return entry.kind.casefold() or "paper"
    if field == "links":
        return {_loose(label): _space(url) for label, url in entry.links}
    if field == "authors":
        return [_space(a).rstrip(".") for a in entry.authors]
    return getattr(entry, field)


def labelled(label: Any, field: str) -> Any:
    if field == "links":
        return {_loose(k): _space(v) for k, v in label.items()}
    if field == "authors":
        return [_space(a) for a in label]
    return label


def right(field: str, got: Any, want: Any) -> bool:
    if field == "venue":
        return _loose(got) == _loose(want)
    if field in ("title", "url"):
        return _space(got) == _space(want)
    return bool(got == want)


def score(truth_path: Path, verbose: bool = False) -> dict[str, list[int]]:
    truth = json.loads(truth_path.read_text("utf-8"))
    parsed: dict[str, dict[int, Entry]] = {}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # seen, found, scored, right
    for item in truth:
        name = item["file"]
        if name not in parsed:
            parsed[name] = entries_by_line(source_of(name, truth_path))
        row = totals[name.split("/")[1]]
        row[0] += 1
        entry = parsed[name].get(item["line"])
        if entry is not None:
            row[1] += 1
        for field in FIELDS:
            want = item.get(field)
            if want is None or want in ("", [], {}):
                continue
            row[2] += 1
            got = value_of(entry, field) if entry is not None else None
            if entry is not None and right(field, got, labelled(want, field)):
                row[3] += 1
            elif verbose:
                print(f"{name}:{item['line']}: {field}: got {got!r}, want {want!r}")
    return dict(totals)


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    paths = [Path(a) for a in argv if a != "-v"] or [DEFAULT]
    for path in paths:
        totals = score(path, verbose)
        print(f"\n{path}\n")
        print("| list | entries | recognised | fields scored | right |")
        print("|---|---|---|---|---|")
        all_rows = [0, 0, 0, 0]
        for name, row in sorted(totals.items()):
            print(f"| {name} | {row[0]} | {row[1]} | {row[2]} | {row[3]} ({row[3] / row[2]:.0%}) |")
            all_rows = [a + b for a, b in zip(all_rows, row, strict=True)]
        seen, found, scored, good = all_rows
        share = f"{found} ({found / seen:.0%}) | {scored} | {good} ({good / scored:.0%})"
        print(f"| all | {seen} | {share} |")


if __name__ == "__main__":
    main(sys.argv[1:])
