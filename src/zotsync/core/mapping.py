"""The mapping's rules as values, and entries <-> Zotero item data (pure).

Loaded from ``mappings/*.yaml`` by the YAML adapter.  An item carries its entry id in a
``zotsync-id: ID`` line of ``extra`` (so an item created just before a crash is found again),
plus ``zotsync-kind`` / ``zotsync-note`` lines when the entry has them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.core.citekeys import valid_citation_key
from zotsync.core.entries import Entry, EntryContent, arxiv_id, doi
from zotsync.core.escape import clean_line, clean_url
from zotsync.core.names import authors_of, creators_of
from zotsync.core.stored import as_stored


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
    def from_dict(cls, data: Mapping_[str, Mapping_[str, object]]) -> VenueTable:
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

    def named(self, name: str) -> Venue | None:
        """The venue whose full name (or key, or an alias) this is, in any letter case."""
        folded = name.strip().casefold()
        found = self._folded.get(folded)
        return found or next((v for v in self.venues if v.name.casefold() == folded), None)

    def close_spelling(self, venue: str) -> Venue | None:
        """A known venue spelled with other letter case (``ACl`` for ``ACL``)."""
        return self._folded.get(venue.casefold()) if venue not in self._exact else None


# --------------------------------------------------------------------------- entries <-> items

MARKER = "zotsync-id"
_KIND_LINE = "zotsync-kind"
_NOTE_LINE = "zotsync-note"
ET_AL_LINE = "zotsync-et-al"  # "true": the list names the first authors only (BibTeX "and others")
_HEADING_LINE = "zotsync-from-heading"  # fields the section's heading gave: "year", "venue"
_ALIAS_LINE = "zotsync-alias"  # the list's name or tag before the title (not shortTitle: a
# tag such as "💬 Privacy Analysis" is no short title, and a wrong field is worse than none)
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")


@dataclass(frozen=True, slots=True)
class Mapping:
    """The rules of ``mappings/*.yaml``: venues, kinds and where each type keeps its venue."""

    venues: VenueTable
    kinds: dict[str, str]
    venue_fields: dict[str, str]
    creator_types: dict[str, str] = field(default_factory=dict)
    unknown_venue_type: str = "conferencePaper"
    no_venue_type: str = "document"

    @classmethod
    def from_dict(cls, data: Mapping_[str, Any]) -> Mapping:
        venues = VenueTable.from_dict(data.get("venues") or {})
        kinds = {str(k): str(v) for k, v in (data.get("kinds") or {}).items()}
        fields = {str(k): str(v) for k, v in (data.get("venue_fields") or {}).items()}
        return cls(
            venues=venues,
            kinds=kinds,
            venue_fields=fields,
            creator_types={str(k): str(v) for k, v in (data.get("creator_types") or {}).items()},
            unknown_venue_type=str(data.get("unknown_venue_type", "conferencePaper")),
            no_venue_type=str(data.get("no_venue_type", "document")),
        )

    def item_type(self, entry: Entry) -> str:
        if entry.kind and entry.kind in self.kinds:
            return self.kinds[entry.kind]
        if entry.venue:
            venue = self.venues.lookup(entry.venue) or self.venues.close_spelling(entry.venue)
            if venue is not None:
                return venue.item_type
            return "journalArticle" if journal_like(entry.venue) else self.unknown_venue_type
        return "preprint" if arxiv_id(entry.url) else self.no_venue_type


_JOURNAL_LIKE = re.compile(
    r"\b(?:journal|transactions|trans\.|letters|magazine|reviews?)\b|(?:^|\s)J\.\s|^(?:IEEE|ACM) T",
    re.IGNORECASE,
)


def journal_like(venue: str) -> bool:
    """Whether a venue the table does not know names a journal (``J. Chem. Inf. Model.``,
    ``IEEE Transactions on …``, ``IEEE TNN``): its papers are journal articles."""
    return bool(_JOURNAL_LIKE.search(venue))


def marker_of(list_name: str, entry_id: str) -> str:
    """The ``zotsync-id`` value tying an item to one entry of one list."""
    return f"{list_name}/{entry_id}"


def extra_lines(marker: str, entry: Entry) -> str:
    lines = [f"{MARKER}: {marker}"]
    if entry.kind:
        lines.append(f"{_KIND_LINE}: {entry.kind}")
    if entry.et_al and entry.authors:
        lines.append(f"{ET_AL_LINE}: true")
    if entry.alias:
        lines.append(f"{_ALIAS_LINE}: {' '.join(entry.alias.split())}")
    if entry.note:
        lines.append(f"{_NOTE_LINE}: {' '.join(entry.note.split())}")
    return "\n".join(lines)


_OUR_LINES = (MARKER, _KIND_LINE, ET_AL_LINE, _HEADING_LINE, _ALIAS_LINE, _NOTE_LINE)


def read_extra(extra: str) -> dict[str, str]:
    """Our ``zotsync-*`` lines of an item's ``extra`` (other lines are the user's)."""
    found: dict[str, str] = {}
    for line in extra.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() in _OUR_LINES:
            found[name.strip()] = value.strip()
    return found


def item_fields(entry: Entry, mapping: Mapping, list_name: str) -> dict[str, Any]:
    """The fields of the entry's item that zotsync manages (no key, version, collections)."""
    item_type = mapping.item_type(entry)
    data: dict[str, Any] = {
        "itemType": item_type,
        "title": entry.title,
        "creators": creators_of(entry.authors, mapping.creator_types.get(item_type, "author")),
        "date": str(entry.year) if entry.year is not None else "",
        "url": entry.url,
        "extra": extra_lines(marker_of(list_name, entry.id), entry),
        "tags": [{"tag": tag} for tag in entry.tags],
    }
    venue_field = mapping.venue_fields.get(item_type)
    if venue_field:
        data[venue_field] = entry.venue
    known = mapping.venues.lookup(entry.venue) if entry.venue else None
    if item_type == "conferencePaper":
        data["proceedingsTitle"] = known.name if known and known.item_type == item_type else ""
    if item_type == "journalArticle":
        data["publicationTitle"] = known.name if known else entry.venue
    if item_type == "preprint":
        found = arxiv_id(entry.url)
        data["archiveID"] = f"arXiv:{found}" if found else ""
    if item_type in ("conferencePaper", "journalArticle", "preprint"):
        data["DOI"] = doi(entry.url) or ""
    if entry.citation_key:
        data["citationKey"] = entry.citation_key
    return as_stored(data)


_YEAR_WORDS = {"year", "years", "papers", "paper", "from", "of", "in", "more", "published", "the"}
_ANY_YEAR = re.compile(r"(?:19|20)\d\d")
_HEADING_VENUE = re.compile(r"^(.*?\S)[\s'’_-]*((?:19|20)\d\d)$")


def heading_date(path: tuple[str, ...], venues: VenueTable) -> tuple[str, int | None]:
    """The venue and year a section's headings give its entries, the nearest heading first:
    a year (``2021``, ``Papers from 2016``) or a venue the table knows with its year
    (``CVPR 2023``, ``NeurIPS-2022``); ("", None) when none does."""
    for name in reversed(path):
        if _ANY_YEAR.search(name) is None:
            continue  # most headings: no year, nothing to give (and no venue lookup)
        text = " ".join(name.split()).strip(" :*")
        found = _HEADING_VENUE.match(text) or re.fullmatch(r"((?:19|20)\d\d)", text)
        if found is None:
            continue
        year = int(found.group(found.lastindex or 1))
        before = found.group(1) if found.lastindex == 2 else ""
        if all(word.casefold() in _YEAR_WORDS for word in before.split()):
            return "", year
        if venues.lookup(before) is not None:
            return before, year
    return "", None


def section_item_fields(
    entry: Entry, path: tuple[str, ...], mapping: Mapping, list_name: str
) -> dict[str, Any]:
    """:func:`item_fields` of an entry in the section at ``path``: a year or venue its
    heading gives fills the entry's own when it has none, and ``extra`` says so."""
    venue, year = heading_date(path, mapping.venues)
    filled = []
    if entry.year is None and year is not None:
        entry, filled = replace(entry, year=year), ["year"]
    if not entry.venue and venue:
        entry, filled = replace(entry, venue=venue), [*filled, "venue"]
    data = item_fields(entry, mapping, list_name)
    if filled:
        data["extra"] += f"\n{_HEADING_LINE}: {', '.join(filled)}"
    return data


def content_of_item(
    data: dict[str, Any], mapping: Mapping, links: tuple[tuple[str, str], ...]
) -> EntryContent:
    """What an item says about its entry (the inverse of :func:`item_fields`)."""
    extra = read_extra(str(data.get("extra", "")))
    venue_field = mapping.venue_fields.get(str(data.get("itemType")))
    year = _YEAR.search(str(data.get("date", "")))
    # An item is a teammate's (or a server's) text: one clean line per field before it can
    # reach the list (zotsync.core.escape).
    return EntryContent(
        title=clean_line(str(data.get("title", ""))),
        url=clean_url(str(data.get("url", ""))),
        venue=clean_line(str(data.get(venue_field, ""))) if venue_field else "",
        year=int(year.group(1)) if year else None,
        authors=tuple(clean_line(name) for name in authors_of(list(data.get("creators", [])))),
        links=tuple((clean_line(label), clean_url(url)) for label, url in links),
        kind=extra.get(_KIND_LINE, ""),
        note=extra.get(_NOTE_LINE, ""),
        alias=clean_line(extra.get(_ALIAS_LINE, "")),
        et_al=extra.get(ET_AL_LINE) == "true" and bool(data.get("creators")),
    )


def attachment_fields(label: str, url: str) -> dict[str, Any]:
    return {"itemType": "attachment", "linkMode": "linked_url", "title": label, "url": url}


# Item fields a teammate's edit in Zotero can change an entry through (the rest are derived).
PULLABLE = {"title", "url", "date", "creators", "tags", "itemType"}


def safe_url(url: str) -> bool:
    """Only http(s) URLs (or none) come into the list from Zotero: no javascript:, data:…"""
    return url == "" or url.lower().startswith(("http://", "https://"))


def pull_into(entry: Entry, data: dict[str, Any], names: set[str], mapping: Mapping) -> Entry:
    """``entry`` with the item fields ``names`` taken from the item ``data``."""
    theirs = content_of_item(data, mapping, entry.links)
    changes: dict[str, Any] = {}
    venue_field = mapping.venue_fields.get(str(data.get("itemType")))
    if "title" in names:
        changes["title"] = theirs.title
    if "url" in names and safe_url(theirs.url):
        changes["url"] = theirs.url
    if "date" in names:
        changes["year"] = theirs.year
    if "creators" in names:
        changes["authors"] = theirs.authors
    if "tags" in names:
        changes["tags"] = tags_of(data)
    if "itemType" in names or (venue_field is not None and venue_field in names):
        changes["venue"] = theirs.venue
    return replace(entry, **changes) if changes else entry


def entry_of_item(
    entry_id: str, data: dict[str, Any], mapping: Mapping, links: tuple[tuple[str, str], ...]
) -> Entry:
    """A new entry for an item a teammate added in Zotero."""
    content = content_of_item(
        data, mapping, tuple((label, url) for label, url in links if safe_url(url))
    )
    entry = Entry.from_content(entry_id, content)
    if not entry.venue:  # a teammate's item names its venue in full, where Zotero keeps it
        entry = replace(entry, venue=_venue_named(data, mapping))
    url = entry.url if safe_url(entry.url) else ""
    # The note is Markdown the list renders as it is: never take it from Zotero.
    return replace(
        entry,
        url=url,
        note="",
        tags=tags_of(data),
        citation_key=citation_key_of(data),
    )


_FULL_VENUE_FIELDS = ("proceedingsTitle", "publicationTitle", "conferenceName", "repository")


def _venue_named(data: dict[str, Any], mapping: Mapping) -> str:
    """The venue as the list writes it (``NeurIPS``) when the item's full venue is one the
    mapping knows, else the item's own text."""
    for name in _FULL_VENUE_FIELDS:
        text = clean_line(str(data.get(name) or "")).strip()
        if text:
            venue = mapping.venues.named(text)
            return venue.key if venue is not None else text
    return ""


def tags_of(data: dict[str, Any]) -> tuple[str, ...]:
    """An item's tags as clean lines (empty ones dropped, as Zotero ignores them)."""
    found = (clean_line(str(t.get("tag", ""))).strip() for t in data.get("tags", []))
    return tuple(tag for tag in found if tag)


def citation_key_of(data: dict[str, Any]) -> str:
    """An item's ``citationKey`` if it is a valid BibTeX key, else "" (the list then gives
    the entry a key of its own: ``citationKey`` is text a teammate typed, and it goes
    verbatim into every ``.bib`` exported)."""
    key = str(data.get("citationKey") or "").strip()
    return key if valid_citation_key(key) else ""
