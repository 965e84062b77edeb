"""Author names as a list writes them <-> Zotero creators."""

from __future__ import annotations

import re
from typing import Any

_PLAIN_NAME = re.compile(r"^\S+(?: \S+)+$")


def creators_of(authors: tuple[str, ...], creator_type: str = "author") -> list[dict[str, str]]:
    """'First Middle Last' -> first/last split at the last space; anything else kept whole."""
    creators = []
    for name in authors:
        if _PLAIN_NAME.match(name) and "(" not in name:
            first, last = name.rsplit(" ", 1)
            creators.append({"creatorType": creator_type, "firstName": first, "lastName": last})
        else:
            creators.append({"creatorType": creator_type, "name": name})
    return creators


def authors_of(creators: list[dict[str, Any]]) -> tuple[str, ...]:
    names = []
    for creator in creators:
        if creator.get("name"):
            names.append(str(creator["name"]))
        else:
            parts = [str(creator.get("firstName") or ""), str(creator.get("lastName") or "")]
            names.append(" ".join(p for p in parts if p))
    return tuple(names)
