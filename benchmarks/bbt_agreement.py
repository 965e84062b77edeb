"""How closely `zotsync export` agrees with Better BibTeX on its own export fixtures.

    python benchmarks/bbt_agreement.py                   # the dev set, ../shared/corpora/bbt-export
    python benchmarks/bbt_agreement.py DIR [--show N]    # any folder of Better BibTeX fixtures

A fixture is Better BibTeX's JSON of some Zotero items (with the export preferences it was
made with) beside the `.bibtex` / `.biblatex` file Better BibTeX wrote from them
(zotero-better-bibtex, test/fixtures/export/).  Each is exported with the fixture's
preferences, both files are parsed with bibtexparser, entries are matched by citation key
(else by title), and every field either side has is compared after folding whitespace.
It prints the share of fields and of entry types that agree, the kinds of difference
(by field), and the first N differences.  Fixtures are read where they are: none of them
is copied into the project (the dev set is the only one the project ships tests for).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.bparser import BibTexParser

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO.parent / "shared" / "corpora" / "bbt-export"
FORMATS = ("bibtex", "biblatex")


def parse_bib(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries: list[dict[str, str]] = bibtexparser.loads(text, parser).entries
    return entries


def normal(value: object) -> str:
    return " ".join(str(value).split())


def _loose(value: object) -> str:
    """A title without braces, case or spacing: the same paper's title whatever the casing."""
    return normal(str(value or "").replace("{", "").replace("}", "")).casefold()


def fixtures(folder: Path) -> list[tuple[Path, Path]]:
    """(items JSON, expected export) pairs of ``folder``."""
    return sorted(
        (json_path, json_path.with_suffix(f".{fmt}"))
        for json_path in folder.glob("*.json")
        for fmt in FORMATS
        if json_path.with_suffix(f".{fmt}").exists()
    )


def options_of(config: dict[str, Any], fmt: str) -> Any:
    """The fixture's Better BibTeX preferences (Better BibTeX's defaults where unset)."""
    from zotsync.adapters.bibtex import ExportOptions

    prefs = config.get("preferences", {})
    skip = prefs.get("skipFields", "")
    return ExportOptions(
        format=fmt,
        url=prefs.get("bibtexURL", "off"),
        doi_and_url=prefs.get("DOIandURL", "both"),
        skip_fields=frozenset(f.strip() for f in skip.split(",") if f.strip()),
        notes=bool(config.get("options", {}).get("exportNotes", False)),
        ascii=prefs.get("asciiBibLaTeX"),
        date_order=config.get("localeDateOrder", "mdy"),
    )


def export_fixture(json_path: Path, fmt: str) -> str:
    """Our export of the fixture's items (its keys where it has them, else the default
    formula's)."""
    from zotsync.adapters.bibtex import bib_entry, render_bib
    from zotsync.app.export import zotero_fields
    from zotsync.core.citekeys import KeyAllocator, base_key

    data = json.loads(json_path.read_text())
    allocator = KeyAllocator()
    entries = []
    for item in data["items"]:
        key = item.get("citationKey") or allocator.allocate(
            base_key(item.get("creators", []), item.get("title", ""), item.get("date", ""))
        )
        entries.append(bib_entry(item, key, options_of(data["config"], fmt), zotero_fields()))
    return render_bib(entries)


@dataclass
class Agreement:
    fields: int = 0
    entries: int = 0
    types_wrong: int = 0
    differences: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)  # expected entry types seen
    wrong_types: Counter[str] = field(default_factory=Counter)

    @property
    def field_share(self) -> float:
        wrong = len([d for d in self.differences if "." in d.split(":")[0]])
        return (self.fields - wrong) / self.fields if self.fields else 1.0


def compare(ours: list[dict[str, str]], theirs: list[dict[str, str]], into: Agreement) -> None:
    """Add the fields compared and the differences between our parsed export and Better
    BibTeX's to ``into``."""
    for expected in theirs:
        mine = next((e for e in ours if e["ID"] == expected["ID"]), None) or next(
            (e for e in ours if _loose(e.get("title")) == _loose(expected.get("title"))), None
        )
        if mine is None and len(ours) == len(theirs) == 1:
            mine = ours[0]  # one item: its key formula is not ours
        into.entries += 1
        into.types[expected["ENTRYTYPE"]] += 1
        if mine is None:
            into.differences.append(f"{expected['ID']}: missing")
            into.types_wrong += 1
            continue
        if mine["ENTRYTYPE"] != expected["ENTRYTYPE"]:
            into.types_wrong += 1
            into.wrong_types[f"{mine['ENTRYTYPE']}->{expected['ENTRYTYPE']}"] += 1
            into.differences.append(
                f"{expected['ID']}: @{mine['ENTRYTYPE']} for @{expected['ENTRYTYPE']}"
            )
        for name in sorted((set(expected) | set(mine)) - {"ID", "ENTRYTYPE"}):
            into.fields += 1
            if normal(mine.get(name)) != normal(expected.get(name)):
                into.kinds[name] += 1
                into.differences.append(
                    f"{expected['ID']}.{name}: ours {mine.get(name)!r}, BBT {expected.get(name)!r}"
                )


def measure(pairs: list[tuple[Path, Path]]) -> tuple[Agreement, list[str]]:
    """The agreement over ``pairs``, and the fixtures that could not be read or exported."""
    total = Agreement()
    failures = []
    for json_path, expected in pairs:
        try:
            theirs = parse_bib(expected.read_text())
            ours = parse_bib(export_fixture(json_path, expected.suffix[1:]))
        except Exception as error:  # a fixture we cannot read is reported, not fatal
            failures.append(f"{expected.name}: {type(error).__name__}: {error}")
            continue
        compare(ours, theirs, total)
    return total, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEV_SET)
    parser.add_argument("--show", type=int, default=20, help="differences to print")
    args = parser.parse_args(argv)
    pairs = fixtures(args.folder)
    if not pairs:
        print(f"{args.folder}: no Better BibTeX fixtures (*.json beside *.bibtex/*.biblatex)")
        return 2
    total, failures = measure(pairs)
    right_types = total.entries - total.types_wrong
    print(f"fixtures: {len(pairs)}  entries: {total.entries}  fields: {total.fields}")
    print(f"fields agreeing: {total.field_share:.1%}")
    print(f"entry types agreeing: {right_types}/{total.entries}")
    print("entry types seen: " + ", ".join(f"{t} {n}" for t, n in total.types.most_common()))
    if total.wrong_types:
        print("wrong types: " + ", ".join(f"{t} {n}" for t, n in total.wrong_types.most_common()))
    print("differences by field: " + ", ".join(f"{k} {n}" for k, n in total.kinds.most_common()))
    for failure in failures:
        print(f"not measured: {failure}")
    for difference in total.differences[: args.show]:
        print("  " + difference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
