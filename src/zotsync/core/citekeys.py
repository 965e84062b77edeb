"""Citation keys: Better BibTeX's default formula, generated once and then kept (pure).

``auth.lower + shorttitle(3,3) + year``: the first author's last name folded to ASCII and
lower-cased, the first three words of the title that are not skip-words, each capitalised,
and the year; ``a``, ``b``, … ``z``, ``aa``… appended when the key is taken in the library.
``hansenNoiseStatisticsIts2020`` for Hansen et al., "Noise statistics and its implications…"
(2020).  A key is stored in the entry once generated and never recomputed: a later change of
title or authors, or a clashing paper added later, leaves it as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import fields, replace
from typing import Any

from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry, Section
from zotsync.core.names import creators_of

# Better BibTeX's default skipWords preference.
SKIP_WORDS = frozenset(
    """a ab aboard about above across after against al along amid among an and anti around
    as at before behind below beneath beside besides between beyond but by d da das de del
    dell dello dei degli della delle dem den der des despite die do down du during ein eine
    einem einen einer eines el en et except for from gli i il in inside into is l la las le
    les like lo los near nor of off on onto or over past per plus round save since so some
    sur than the through to toward towards un una unas uno unos under underneath une unlike
    until up upon versus via von while with within without yet zu zum""".split()
)
# Letters NFKD does not split into an ASCII base and marks.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)
_WORD = re.compile(r"[A-Za-z0-9]+")
# What BibTeX (and biber) read as one key: no space, no comma, brace, quote, parenthesis,
# '=', '#', '%', '~' or backslash, which would end it or open BibTeX structure.
_VALID_KEY = re.compile(r"[^\s,{}()=\"#%'~\\]{1,200}")
_APOSTROPHES = re.compile(r"['’]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def valid_citation_key(key: str) -> bool:
    """Whether ``key`` can stand as a citation key in a ``.bib`` file as it is."""
    return bool(_VALID_KEY.fullmatch(key)) and key.isprintable()


def fold(text: str) -> str:
    """``Vũ Ngọc`` -> ``Vu Ngoc``: accents dropped, letters transliterated, the rest removed."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _auth(creators: Iterable[dict[str, Any]]) -> str:
    for creator in creators:
        name = creator.get("lastName") or creator.get("name") or ""
        if name:
            return "".join(_WORD.findall(fold(str(name)))).lower()
    return ""


def _shorttitle(title: str) -> str:
    kept: list[str] = []
    for word in _WORD.findall(fold(_APOSTROPHES.sub("", title))):
        if word.lower() not in SKIP_WORDS:
            kept.append(word[0].upper() + word[1:])
            if len(kept) == 3:
                break
    return "".join(kept)


def base_key(creators: Iterable[dict[str, Any]], title: str, date: str) -> str:
    """The key before any postfix, from Zotero-style creators, title and date."""
    year = _YEAR.search(date)
    return _auth(creators) + _shorttitle(title) + (year.group(1) if year else "")


def _postfixes() -> Iterator[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second
    n = 0
    while True:  # beyond zz (702 clashes of one key): numbers
        n += 1
        yield f"zz{n}"


class KeyAllocator:
    """Hands out keys not yet taken in the library: the base key, else base + a, b, …"""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = {key.casefold() for key in taken if key}

    def claim(self, key: str) -> bool:
        """Take ``key`` as it is (a key Zotero already has); False if another item has it."""
        if not key or key.casefold() in self.taken:
            return False
        self.taken.add(key.casefold())
        return True

    def allocate(self, base: str) -> str:
        base = base or "item"
        if self.claim(base):
            return base
        for postfix in _postfixes():
            if self.claim(base + postfix):
                return base + postfix
        raise AssertionError("unreachable: the postfixes never run out")


def key_for_entry(entry: Entry, allocator: KeyAllocator) -> str:

    date = str(entry.year) if entry.year is not None else ""
    return allocator.allocate(base_key(creators_of(entry.authors), entry.title, date))


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
_KEY_AT = _ENTRY_FIELDS.index("citation_key")


def _with_key(entry: Entry, key: str) -> Entry:
    """``replace(entry, citation_key=key)``, a quarter of the cost (10,000 at each ingest)."""
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    values[_KEY_AT] = key
    return Entry(*values)


def assign_keys(
    reading_list: ReadingList, allocator: KeyAllocator
) -> tuple[ReadingList, list[str]]:
    """The list with a key for every entry that has none (in list order), and their ids.

    Entries that have a key keep it; ``allocator`` must already hold every key of the
    library (all lists syncing to it), so a new key never clashes with an old one."""
    assigned: list[str] = []
    sections = []
    for section in reading_list.sections:
        if all(entry.citation_key for entry in section.entries):
            sections.append(section)
            continue
        entries = []
        for entry in section.entries:
            if not entry.citation_key:
                entry = _with_key(entry, key_for_entry(entry, allocator))
                assigned.append(entry.id)
            entries.append(entry)
        sections.append(Section(section.slug, section.path, tuple(entries), section.style))
    if not assigned:
        return reading_list, assigned
    return replace(reading_list, sections=tuple(sections)), assigned


def keys_of(reading_list: ReadingList) -> list[str]:
    return [entry.citation_key for _, entry in reading_list.entries() if entry.citation_key]
