"""Citation keys: made by a Better BibTeX formula once, then kept (pure).

The formula is the project's ``citekey`` (zotsync.yaml), by default Better BibTeX's
``auth.lower + shorttitle(3,3) + year``: the first author's last name folded to ASCII and
lower-cased, the first three words of the title that are not skip-words, each capitalised,
and the year (keyformula.py reads and evaluates formulas).  ``a``, ``b``, … ``z``, ``aa``…
(or the formula's ``postfix``) tell apart keys taken in the library.
``hansenNoiseStatisticsIts2020`` for Hansen et al., "Noise statistics and its implications…"
(2020).  A key is stored in the entry once generated and never recomputed: a later change of
title or authors, or a clashing paper added later, leaves it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry, Section
from zotsync.core.keyformula import DEFAULT, Formula, Made
from zotsync.core.keyparts import MARKER, KeyItem
from zotsync.core.names import creators_of

# What BibTeX (and biber) read as one key: no space, no comma, brace, quote, parenthesis,
# '=', '#', '%', '~' or backslash, which would end it or open BibTeX structure.
_VALID_KEY = re.compile(r"[^\s,{}()=\"#%'~\\]{1,200}")
_POSTFIX_CODES = re.compile(r"%\((\w)\)s")


def valid_citation_key(key: str) -> bool:
    """Whether ``key`` can stand as a citation key in a ``.bib`` file as it is."""
    return bool(_VALID_KEY.fullmatch(key)) and key.isprintable()


def key_item(
    creators: Iterable[Mapping[str, Any]],
    fields: Mapping[str, Any],
    item_type: str = "journalArticle",
    primary: str = "author",
) -> KeyItem:
    return KeyItem(tuple(creators), dict(fields), item_type, primary)


def base_key(
    creators: Iterable[Mapping[str, Any]], title: str, date: str, formula: Formula = DEFAULT
) -> str:
    """The key before any postfix, from Zotero-style creators, title and date."""
    return formula.key(key_item(creators, {"title": title, "date": date}))


def excel_column(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (Better BibTeX's postfix letters)."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _postfix(template: str, n: int) -> str:
    letters = excel_column(n)
    values = {"a": letters.lower(), "A": letters, "n": str(n)}
    return _POSTFIX_CODES.sub(lambda found: values.get(found.group(1), ""), template)


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

    def allocate(self, made: Made | str) -> str:
        """The made key if free, else it with the formula's postfix (a, b, … by default;
        at the infix marker when the formula has one) for the first n that is free."""
        if isinstance(made, str):
            made = Made(made)
        text = made.text if MARKER in made.text else made.text + MARKER
        if text == MARKER:
            text = "item" + MARKER
        n = made.offset
        while True:
            candidate = text.replace(MARKER, _postfix(made.postfix, n) if n else "")
            if self.claim(candidate):
                return candidate
            n += 1
            if n > made.offset + 100_000:
                raise AssertionError("a postfix template that repeats itself")


def entry_key_item(entry: Entry) -> KeyItem:
    """What a formula reads of an entry: its authors, title, year and venue."""
    date = str(entry.year) if entry.year is not None else ""
    fields = {"title": entry.title, "date": date, "publicationTitle": entry.venue or ""}
    return key_item(creators_of(entry.authors), fields)


def key_for_entry(entry: Entry, allocator: KeyAllocator, formula: Formula = DEFAULT) -> str:
    return allocator.allocate(formula.make(entry_key_item(entry)))


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
_KEY_AT = _ENTRY_FIELDS.index("citation_key")


def _with_key(entry: Entry, key: str) -> Entry:
    """``replace(entry, citation_key=key)``, a quarter of the cost (10,000 at each ingest)."""
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    values[_KEY_AT] = key
    return Entry(*values)


def assign_keys(
    reading_list: ReadingList, allocator: KeyAllocator, formula: Formula = DEFAULT
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
                entry = _with_key(entry, key_for_entry(entry, allocator, formula))
                assigned.append(entry.id)
            entries.append(entry)
        sections.append(Section(section.slug, section.path, tuple(entries), section.style))
    if not assigned:
        return reading_list, assigned
    return replace(reading_list, sections=tuple(sections)), assigned


def keys_of(reading_list: ReadingList) -> list[str]:
    return [entry.citation_key for _, entry in reading_list.entries() if entry.citation_key]


_POSTFIX_PATTERNS = {"a": "[a-z]+", "A": "[A-Z]+", "n": "[0-9]+"}


def made_by(made: Made, key: str) -> bool:
    """Whether ``key`` is what the formula made, with or without a postfix (the key a
    clash gave it): case is ignored, as Better BibTeX compares keys."""
    if not made.text.replace(MARKER, ""):
        return False
    text = made.text if MARKER in made.text else made.text + MARKER
    pieces = _POSTFIX_CODES.split(made.postfix)  # literal, code, literal, code…
    postfix = "".join(
        _POSTFIX_PATTERNS.get(piece, "") if n % 2 else re.escape(piece)
        for n, piece in enumerate(pieces)
    )
    pattern = re.escape(text).replace(re.escape(MARKER), f"(?:{postfix})?")
    return re.fullmatch(pattern, key, flags=re.IGNORECASE) is not None


def rekey(
    reading_list: ReadingList, taken: Iterable[str], exported: set[str], formula: Formula
) -> tuple[ReadingList, list[tuple[str, str, str]]]:
    """The list with the formula's key for every entry whose key was never exported and
    is not the formula's; (id, old key, new key) of each.  ``taken`` are the keys that stay
    (other lists', exported ones); ``exported`` compares without case."""
    exported_folded = {key.casefold() for key in exported}
    stays = [
        entry.citation_key
        for _, entry in reading_list.entries()
        if entry.citation_key.casefold() in exported_folded
        or made_by(formula.make(entry_key_item(entry)), entry.citation_key)
    ]
    allocator = KeyAllocator([*taken, *stays])
    staying = set(stays)
    changed: list[tuple[str, str, str]] = []
    sections = []
    for section in reading_list.sections:
        entries = []
        for entry in section.entries:
            if entry.citation_key and entry.citation_key not in staying:
                new = key_for_entry(entry, allocator, formula)
                changed.append((entry.id, entry.citation_key, new))
                entry = _with_key(entry, new)
            entries.append(entry)
        sections.append(Section(section.slug, section.path, tuple(entries), section.style))
    if not changed:
        return reading_list, changed
    return replace(reading_list, sections=tuple(sections)), changed
