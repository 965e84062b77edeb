"""Citation keys across the project's lists: an entry without one gets Better BibTeX's
default key, postfixed (a, b…) past every key of every list, so keys stay unique in the
library.  Keys once stored are never recomputed."""

from __future__ import annotations

from collections.abc import Sequence

from zotsync.adapters.config import ListConfig
from zotsync.adapters.yaml_store import load_list
from zotsync.core.citekeys import KeyAllocator, assign_keys, keys_of
from zotsync.core.document import ReadingList


def with_keys(
    reading_list: ReadingList, name: str, lists: Sequence[ListConfig]
) -> tuple[ReadingList, list[str]]:
    """The list with a key for each entry that has none, and the ids of those entries;
    ``lists`` are the project's lists (the others' keys are taken)."""
    if all(entry.citation_key for _, entry in reading_list.entries()):
        return reading_list, []
    taken = keys_of(reading_list)
    for other in lists:
        if other.name != name and (other.entries / "list.yaml").exists():
            taken.extend(keys_of(load_list(other.entries)[0]))
    return assign_keys(reading_list, KeyAllocator(taken))
