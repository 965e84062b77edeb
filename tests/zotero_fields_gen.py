"""Builds ``src/zotsync/data/zotero-fields.json`` from Zotero's schema (the facts export needs:
base fields, primary creator types, CSL types/variables).  The schema itself is not shipped
(its repository has no licence); this derived table is, and a test keeps it equal.

    python tests/zotero_fields_gen.py ../shared/zotero-schema.json \
        > src/zotsync/data/zotero-fields.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def derive(schema: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, str] = {}
    primary: dict[str, str] = {}
    for item_type in schema["itemTypes"]:
        for spec in item_type["fields"]:
            if "baseField" in spec:
                base[spec["field"]] = spec["baseField"]
        for creator in item_type["creatorTypes"]:
            if creator.get("primary"):
                primary[item_type["itemType"]] = creator["creatorType"]
    csl = schema["csl"]
    csl_types = {zot: name for name, zots in csl["types"].items() for zot in zots}
    csl_text: dict[str, str] = {}
    for name, zots in csl["fields"]["text"].items():
        for zot in zots:
            # shortTitle is listed under both "shortTitle" and "title-short": CSL's is the latter.
            if zot not in csl_text or "-" in name:
                csl_text[zot] = name
    csl_dates = {zot: name for name, zot in csl["fields"]["date"].items()}
    return {
        "schema_version": schema["version"],
        "base_fields": dict(sorted(base.items())),
        "primary_creator": dict(sorted(primary.items())),
        "csl_types": dict(sorted(csl_types.items())),
        "csl_text": dict(sorted(csl_text.items())),
        "csl_dates": dict(sorted(csl_dates.items())),
        "csl_names": dict(sorted(csl["names"].items())),
    }


def render(schema_path: Path) -> str:
    return json.dumps(derive(json.loads(schema_path.read_text())), indent=1) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(Path(sys.argv[1])))
