"""The mapping's rules as values (pure).  Loaded from ``mappings/*.yaml`` by the YAML adapter.

For now it holds the venue table: canonical venue names, their aliases and Zotero item types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Venue:
    key: str
    item_type: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VenueTable:
    venues: tuple[Venue, ...] = ()
    _exact: dict[str, Venue] = field(default_factory=dict, compare=False, repr=False)
    _folded: dict[str, Venue] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for venue in self.venues:
            for spelling in (venue.key, *venue.aliases):
                self._exact[spelling] = venue
                self._folded.setdefault(spelling.casefold(), venue)

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, object]]) -> VenueTable:
        venues = []
        for key, spec in data.items():
            aliases = spec.get("aliases") or []
            if not isinstance(aliases, list):
                raise ValueError(f"venue {key!r}: aliases must be a list")
            venues.append(
                Venue(
                    key=str(key),
                    item_type=str(spec.get("type", "")),
                    name=str(spec.get("name", key)),
                    aliases=tuple(str(a) for a in aliases),
                )
            )
        return cls(tuple(venues))

    def lookup(self, venue: str) -> Venue | None:
        """The venue a list's venue text names, exactly as spelled (workshops: their host)."""
        found = self._exact.get(venue)
        if found is None and "workshop" in venue.casefold():
            found = self._exact.get(venue.split()[0])
        return found

    def close_spelling(self, venue: str) -> Venue | None:
        """A known venue spelled with other letter case (``ACl`` for ``ACL``)."""
        return self._folded.get(venue.casefold()) if venue not in self._exact else None
