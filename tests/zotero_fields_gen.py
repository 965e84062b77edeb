"""Builds the facts of Zotero's schema that zotsync ships, from the schema itself (which is
not shipped: its repository has no licence); tests keep both files equal to it.

- ``src/zotsync/data/zotero-fields.json``: what export needs (base fields, primary creator
  types, CSL types/variables).
- ``src/zotsync/data/sandbox-schema.json``: what the embedded sandbox needs to validate and
  template items (item types, their fields with base fields, their creator types, the
  English names), in the schema's own shape, so that it works offline from the first run.

    python tests/zotero_fields_gen.py ../shared/zotero-schema.json \
        > src/zotsync/data/zotero-fields.json
    python tests/zotero_fields_gen.py --sandbox ../shared/zotero-schema.json \
        > src/zotsync/data/sandbox-schema.json
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


def derive_sandbox(schema: dict[str, Any]) -> dict[str, Any]:
    english = schema["locales"]["en-US"]
    return {
        "version": schema["version"],
        "itemTypes": [
            {
                "itemType": t["itemType"],
                "fields": [
                    {k: f[k] for k in ("field", "baseField") if k in f} for f in t["fields"]
                ],
                "creatorTypes": [
                    {k: c[k] for k in ("creatorType", "primary") if k in c}
                    for c in t["creatorTypes"]
                ],
            }
            for t in schema["itemTypes"]
        ],
        "locales": {"en-US": {k: english[k] for k in ("itemTypes", "fields", "creatorTypes")}},
    }


def render(schema_path: Path) -> str:
    return json.dumps(derive(json.loads(schema_path.read_text())), indent=1) + "\n"


def render_sandbox(schema_path: Path) -> str:
    schema = json.loads(schema_path.read_text())
    return json.dumps(derive_sandbox(schema), separators=(",", ":"), ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "--sandbox":
        sys.stdout.write(render_sandbox(Path(sys.argv[2])))
    else:
        sys.stdout.write(render(Path(sys.argv[1])))
