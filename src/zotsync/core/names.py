"""Author names as a list writes them (``Ada Zeller, Bo Li, and Cy Wu``, ``Zeller, Ada and
Li, Bo``, a citation's ``Zeller, Ada, et al.``) <-> Zotero creators (pure, stdlib only)."""

from __future__ import annotations

import re
from functools import lru_cache
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


_LAST_JOINER = re.compile(r"^(.*?)(,? and |, & | & )([^,]+)$", re.DOTALL)


def split_authors(text: str) -> tuple[tuple[str, ...], str | None]:
    """Names in an author text, and the joiner before the last name (None if one name)."""
    if "," not in text and text.count(" and ") >= 2:  # "A and B and C" (BibTeX's joiner)
        return _people(text.split(" and ")), " and "
    match = _LAST_JOINER.match(text)
    if match:
        head, last_sep, last = match.groups()
        names = [name.strip() for name in head.split(",")] + [last.strip()]
        return _people(names), last_sep
    names = [name.strip() for name in text.split(",")]
    return _people(names), (", " if len(names) > 1 else None)


_ROLE = re.compile(r"^\([^()]{1,40}\)[ \t]+(?=\S)")  # "(primary authors) Aditya Ramesh"
_JUNCTION = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z])")


def _people(names: list[str]) -> tuple[str, ...]:
    """Names without a role label before them, and names a copy ran together (``Aditya
    RameshMikhail PavlovGabriel Goh``: two junctions or more; one is a name's own, as in
    ``VanderPlas``) split apart."""
    people: list[str] = []
    for name in names:
        if name.startswith("("):
            name = _ROLE.sub("", name)
        name = name.rstrip("*†‡§")  # "Eric Jang*": equal contribution
        if len(_JUNCTION.findall(name)) >= 2:
            people.extend(part.strip() for part in _JUNCTION.split(name) if part.strip())
        else:
            people.append(name)
    return tuple(people)


_ET_AL = re.compile(r"(,?[ \t]+et\.?[ \t]*al\.?)$", re.IGNORECASE)
_NAME_TOKEN = r"(?:[A-Z][\w'’-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|(?:van|von|de|der|da|di|du|le|la)\b)"
_NAME = re.compile(rf"{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,4}}")


def et_al_at(text: str) -> re.Match[str] | None:
    """The closing ``et al.`` of a text, looked for in its last characters only: a long run
    of blanks from a hostile list must not cost the search quadratic time."""
    return _ET_AL.search(text, max(0, len(text) - 24))


def without_et_al(text: str) -> str:
    found = et_al_at(text)
    return text[: found.start()] if found else text


@lru_cache(maxsize=1024)  # an entry's author text is looked at up to three times
def authors_et_al(text: str) -> tuple[tuple[str, ...], str | None, str]:
    """Names of an author text, the joiner before the last, and what ends the text when it
    names only the first authors (``" et al."``), else ""."""
    found = et_al_at(text)
    form = found.group(1) if found else ""
    names = last_first_names(text[: found.start()] if found else text)
    if names is not None:
        return names, " and ", form
    names, last = split_authors(text[: found.start()] if found else text)
    return names, last, form


def last_first_names(text: str) -> tuple[str, ...] | None:
    """``Larsson, Gustav and Maire, Michael`` (BibTeX's order) as ("Gustav Larsson", "Michael
    Maire"), when every name is written "Last, First"; else None."""
    chunks = text.split(" and ")
    if len(chunks) < 2 or not all(chunk.count(", ") == 1 for chunk in chunks):
        return None
    names = []
    for chunk in chunks:
        last, first = chunk.split(", ")
        if not first.strip() or not last.strip() or " " in last.strip():
            return None  # a multi-word last name would not come back the same: not this form
        names.append(f"{first.strip()} {last.strip()}")
    return tuple(names)


def first_inverted_names(text: str) -> tuple[tuple[str, ...], str | None] | None:
    """A citation's ``Yang, Sibei, Guanbin Li, and Yizhou Yu`` (MLA: only the first name
    turned round) as ("Sibei Yang", "Guanbin Li", "Yizhou Yu") and the joiner before the
    last name; None if the text is not written so."""
    last, comma, rest = text.partition(", ")
    if not comma or not rest.strip() or not _NAME.fullmatch(last.strip()):
        return None
    names, last_sep = split_authors(rest)
    if not all(name and _NAME.fullmatch(name) for name in names):
        return None
    return (f"{names[0]} {last.strip()}", *names[1:]), last_sep


_VENUE_WORDS = {
    "workshop", "conference", "symposium", "proceedings", "transactions", "journal",
    "international", "annual", "meeting", "letters", "findings", "track", "language",
    "learning", "vision", "intelligence", "processing", "systems", "review", "society",
}  # fmt: skip


_DIGIT = re.compile(r"\d")


def looks_like_authors(text: str) -> bool:
    """Whether a text is a list of people (``K. He et al.``, ``Ada Zeller, Bo Li``), not a
    venue: names of capitalised words or initials, no digits, no venue words, and either
    ``et al.`` or at least two names of two words or more (a lone venue stays a venue)."""
    if _DIGIT.search(text):  # a year, a volume: no list of people
        return False
    names, _, form = authors_et_al(text)
    if not names or not all(_NAME.fullmatch(name) for name in names):
        return False
    words = [w for name in names for w in name.split()]
    if any(w.casefold().strip(".") in _VENUE_WORDS or (len(w) > 2 and w.isupper()) for w in words):
        return False
    return bool(form) or (len(names) >= 2 and all(len(n.split()) >= 2 for n in names))
