"""The parts a citation-key formula is made of: Better BibTeX's functions and filters (pure).

Each function reads an item (its creators, fields and date) and each filter changes the
text before it, as content/key-manager/formatter.ts of zotero-better-bibtex does; the
names are those the formula language uses (``auth``, ``shorttitle``, ``.lower``…).
keyformula.py reads formulas and evaluates them with these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

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
# Letters NFKD does not split into an ASCII base and marks (fold-to-ascii's table for them).
_FOLD = str.maketrans(
    {
        "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
        "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
        "ŉ": "n", "ĸ": "q", "ſ": "s", "ƒ": "f", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    }
)  # fmt: skip
# citekeyUnsafeChars' default, and white space: what BibTeX would read as structure.
_UNSAFE = re.compile(r"[\\\"#%'(),={}~\s\ufffd]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


_transliterate_script: Callable[[str], str] = lambda char: ""  # noqa: E731


def use_transliteration(transliterate: Callable[[str], str]) -> None:
    """Letters of other scripts (Cyrillic, Greek, CJK…) in Latin letters, as Better BibTeX's
    ``transliterate`` does: the adapter (adapters/transliteration.py) installs its table
    here, so the core stays free of outside libraries; without it they are dropped."""
    global _transliterate_script
    _transliterate_script = transliterate


def fold(text: str) -> str:
    """``Vũ Ngọc`` -> ``Vu Ngoc``, ``Ландау`` -> ``Landau``: accents dropped, letters
    transliterated (fold-to-ascii's table, then the script's), anything else removed."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    if decomposed.isascii():
        return decomposed
    kept = []
    for char in decomposed:
        if char.isascii():
            kept.append(char)
        elif not unicodedata.combining(char):
            kept.append("".join(c for c in _transliterate_script(char) if c.isascii()))
    return "".join(kept)


@cache
def _is_punct(char: str) -> bool:
    """\\p{Pe}|\\p{Pf}|\\p{Pi}|\\p{Po}|\\p{Ps}: punctuation other than dashes and connectors."""
    return unicodedata.category(char) in ("Pe", "Pf", "Pi", "Po", "Ps")


@cache
def _is_dash(char: str) -> bool:
    return unicodedata.category(char) == "Pd" or char in "\u2500\uff0d\u2015"


def nopunct(text: str, dash: str = "-") -> str:
    """Punctuation removed, dashes replaced by ``dash`` (formatter.ts ``nopunct``)."""
    if text.isalnum():
        return text
    return "".join(dash if _is_dash(c) else "" if _is_punct(c) else c for c in text)


@dataclass(frozen=True, slots=True)
class KeyItem:
    """What a formula reads of an item: Zotero's creators, fields (by their Zotero names,
    ``title``, ``date``, ``publicationTitle``…) and the type's primary creator type."""

    creators: Sequence[Mapping[str, Any]] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    item_type: str = "journalArticle"
    primary: str = "author"

    def get(self, name: str) -> str:
        value = self.fields.get(name)
        return "" if value is None else str(value)


class Context:
    """An item while its key is made, with what a formula may set on the way: the
    disambiguation postfix (``postfix``/``infix``) and the template of creator names
    (``creatornames``)."""

    def __init__(self, item: KeyItem) -> None:
        self.creators = item.creators
        self.fields = item.fields
        self.item_type = item.item_type
        self.primary = item.primary
        self.postfix = "%(a)s"
        self.postfix_offset = 0
        self.name_template = "%(f)s"

    def get(self, name: str) -> str:
        value = self.fields.get(name)
        return "" if value is None else str(value)


# --------------------------------------------------------------------------- words, names

_TAGS = re.compile(r'</?(?:i|b|sc|nc|code|span[^>]*)>|"', re.IGNORECASE)


def title_words(
    title: str, punct_free: bool = False, skip: frozenset[str] = SKIP_WORDS
) -> list[str]:
    """formatter.ts ``titleWords``: the title's words without markup, skip-words and
    single letters, hyphenated words kept whole, folded to ASCII (``citekeyFold``)."""
    text = _TAGS.sub("", title).replace("/", " ").replace(":", " ")
    words = []
    for token in text.split():
        word = token if token.isalnum() else _strip_punct(token)
        if not word or word.lower() in skip:
            continue
        if punct_free:
            word = nopunct(word, "")
        if not word or (len(word) == 1 and not word.isdigit() and not _cjk(word)):
            continue
        if word.lower() in skip:
            continue
        words.append(fold(word))
    return [w for w in words if w]


def _strip_punct(token: str) -> str:
    """The token without the punctuation before and after it (compromise's pre and post)."""
    start, end = 0, len(token)
    while start < end and _is_punct(token[start]):
        start += 1
    while end > start and _is_punct(token[end - 1]):
        end -= 1
    return token[start:end]


def _cjk(char: str) -> bool:
    return "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"


def _family(creator: Mapping[str, Any], without_particles: bool = False) -> str:
    """``%(f)s``: the last name (or the one-field name); ``%(F)s`` drops a leading
    lower-case particle ("van Gogh" -> "Gogh"), as citeproc's parseParticles does."""
    name = str(creator.get("lastName") or creator.get("name") or "").strip()
    if without_particles:
        words = name.split()
        while len(words) > 1 and words[0][:1].islower():
            words.pop(0)
        name = " ".join(words)
    return fold(name)


def _initials(creator: Mapping[str, Any]) -> str:
    first = fold(str(creator.get("firstName") or ""))
    return "".join(c for c in first if c.isupper())


_TEMPLATE = re.compile(r"%\((\w)\)(?:\.(\d+))?s")


def render_name(creator: Mapping[str, Any], template: str = "%(f)s") -> str:
    """A creator by an sprintf-js name template: ``%(f)s`` the last name, ``%(F)s`` without
    its particles, ``%(g)s`` the given name, ``%(I)s``/``%(i)s`` its initials, all folded;
    ``%(f).1s`` takes the first character."""
    given = fold(str(creator.get("firstName") or ""))
    values = {
        "f": _family(creator),
        "F": _family(creator, without_particles=True),
        "g": given,
        "I": _initials(creator),
        "i": _initials(creator)[:1],
    }

    def value(found: re.Match[str]) -> str:
        text = values.get(found.group(1), "")
        return text[: int(found.group(2))] if found.group(2) else text

    return _TEMPLATE.sub(value, template)


def _names(
    item: Context, select: str = "*", initials: bool = False, particles: bool = True
) -> list[str]:
    """formatter.ts ``creators``: the names of the authors (the primary creator type),
    else the editors, translators, then the other creators (``select`` picks one kind)."""
    template = item.name_template if particles else item.name_template.replace("(f)", "(F)")
    template += "%(I)s" if initials else ""
    kinds: dict[str, list[str]] = {"author": [], "editor": [], "translator": [], "collaborator": []}
    for creator in item.creators:
        name = render_name(creator, template)
        if not name:
            continue
        kind = str(creator.get("creatorType", "author"))
        if kind in ("editor", "translator"):
            kinds[kind].append(name)
        elif kind == item.primary:
            kinds["author"].append(name)
        else:
            kinds["collaborator"].append(name)
    for kind in ("author", "editor", "translator", "collaborator") if select == "*" else (select,):
        if kinds.get(kind):
            return kinds[kind]
    return []


_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISO_MONTH = re.compile(r"^\d{4}-(\d{1,2})")


def _year(item: Context) -> str:
    found = _YEAR.search(item.get("date"))
    return found.group(1) if found else ""


def _month(item: Context) -> str:
    date = item.get("date")
    found = _ISO_MONTH.match(date)
    if found and 1 <= int(found.group(1)) <= 12:
        return _MONTHS[int(found.group(1)) - 1]
    lowered = date.lower()
    return next((m for m in _MONTHS if re.search(rf"\b{m}", lowered)), "")


# --------------------------------------------------------------------------- functions


class Skip(Exception):
    """This pattern does not apply to the item: try the next one (formatter.ts ``skip``)."""


def _truthy(value: Any) -> bool:
    return value not in (False, 0, "", "false", "0", None)


def _auth(item: Context, n: int = 0, m: int = 1, creator: str = "*", initials: Any = False) -> str:
    """The first ``n`` (0: all) characters of the ``m``-th author's last name."""
    template = re.sub(r"%\(([fg]\w*)\)s", rf"%(\1).{n}s", item.name_template) if n else None
    saved, item.name_template = item.name_template, template or item.name_template
    try:
        names = _names(item, creator, initials=_truthy(initials))
    finally:
        item.name_template = saved
    return names[m - 1] if 0 < m <= len(names) else ""


def _creators(
    item: Context,
    n: Any = 0,
    type: str = "",
    name: str = "",
    etal: str = "",
    sep: str = " ",
    min: int = 0,
    max: int = 0,
) -> str:
    """``authors``/``creators``: the last names of the first ``n`` creators of the first
    kind the item has (primary, editor, translator, any), joined by ``sep``."""
    present = [str(c.get("creatorType", "author")) for c in item.creators]
    wanted = type or next(
        (t for t in (item.primary, "editor", "translator") if t in present),
        present[0] if present else "",
    )
    names = [
        render_name(c, name or item.name_template)
        for c in item.creators
        if str(c.get("creatorType", "author")) == wanted
    ]
    if (min and len(names) < min) or (max and len(names) > max):
        raise Skip
    if not n or n >= len(names):
        etal = ""
    names = names[:n] if n else names
    if etal and not re.sub(r"[a-z]", "", etal, flags=re.IGNORECASE):
        etal = sep + etal
    return sep.join(names) + etal


def _authorsn(
    item: Context, n: int = 0, creator: str = "*", initials: Any = False, sep: str = " "
) -> str:
    names = _names(item, creator, initials=_truthy(initials))
    if n and n < len(names):
        names = [*names[:n], "EtAl"]
    return sep.join(names)


def _authors_alpha(item: Context, creator: str = "*", initials: Any = False, sep: str = " ") -> str:
    names = _names(item, creator, initials=_truthy(initials), particles=False)
    if len(names) == 1:
        return names[0][:3]
    if 2 <= len(names) <= 4:
        return sep.join(n[:1] for n in names)
    return sep.join(n[:1] for n in names[:3]) + "+" if names else ""


def _auth_ini(
    item: Context, n: int = 0, creator: str = "*", initials: Any = False, sep: str = "."
) -> str:
    return sep.join(name[:n] if n else name for name in _names(item, creator, _truthy(initials)))


def _author_ini(item: Context, creator: str = "*", initials: Any = False, sep: str = ".") -> str:
    names = _names(item, creator, _truthy(initials))
    if not names:
        return ""
    return sep.join([names[0][:5], sep.join(n[:1] for n in names[1:])])


def _auth_auth_ea(item: Context, creator: str = "*", initials: Any = False, sep: str = ".") -> str:
    names = _names(item, creator, _truthy(initials))
    return sep.join(names[:2] + (["ea"] if len(names) > 2 else [])) if names else ""


def _auth_et_al(
    item: Context, creator: str = "*", initials: Any = False, sep: str = " ", etal: str = "EtAl"
) -> str:
    names = _names(item, creator, _truthy(initials))
    if not names:
        return ""
    return (
        sep.join(names)
        if len(names) == 2
        else sep.join(names[:1] + ([etal] if len(names) > 1 else []))
    )


def _authshort(item: Context, creator: str = "*", initials: Any = False, sep: str = ".") -> str:
    names = _names(item, creator, _truthy(initials))
    if len(names) <= 1:
        return names[0] if names else ""
    return sep.join(n[:1] for n in names[:3]) + ("+" if len(names) > 3 else "")


def _shorttitle(item: Context, n: int = 3, m: int = 0) -> str:
    words = title_words(item.get("title"), punct_free=True)[:n]
    return " ".join(w[:1].upper() + w[1:] if i < m else w for i, w in enumerate(words))


def _pages(item: Context, last: bool) -> str:
    pages = [p for p in re.split(r"\s*[-–—,]+\s*", item.get("pages")) if p]
    return (pages[-1] if last else pages[0]) if pages else ""


def _type(item: Context, *allowed: str) -> str:
    if not allowed:
        return item.item_type
    if item.item_type.lower() not in {a.lower() for a in allowed}:
        raise Skip
    return ""


def field_value(item: Context, name: str) -> str:
    return re.sub(r"<[^>]*>", "", item.get(name))


def _journal(item: Context, abbrev: str = "abbrev+auto") -> str:
    short = item.get("journalAbbreviation") if abbrev not in ("off", "full") else ""
    return short or item.get("publicationTitle")


MARKER = "\x1a"  # where an infix postfix goes (formatter.ts postfix.marker)


def _postfix_start(start: Any) -> int:
    if isinstance(start, int):
        return start
    n = 0
    for char in re.sub(r"[^A-Z]", "", str(start).upper()):
        n = n * 26 + (ord(char) - ord("A") + 1)
    return n


def _postfix(item: Context, format: str = "%(a)s", start: Any = 0) -> str:
    """Sets how clashing keys are told apart (``%(a)s`` a, b…; ``%(A)s``; ``%(n)s`` 1, 2…)."""
    item.postfix, item.postfix_offset = format, _postfix_start(start)
    return ""


def _infix(item: Context, format: str = "%(a)s", start: Any = 0) -> str:
    _postfix(item, format, start)
    return MARKER


def _creatornames(
    item: Context, template: str | None = None, transliterate: Any = None, space: Any = None
) -> str:
    if template is not None:
        item.name_template = str(template)
    return ""


def _extra(item: Context, variable: str) -> str:
    """A ``name: value`` line of the item's ``extra`` (``extra(original-date)``)."""
    wanted = {v.strip().lower() for v in str(variable).split("/") if v.strip()}
    for line in item.get("extra").splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower().removeprefix("tex.") in wanted and value.strip():
            return value.strip()
    return ""


_DATE_CODES = re.compile(r"%-?(o?)([YymdHMS])")


def _format_date(text: str, format: str = "%Y-%m-%d") -> str:
    """strftime-like codes of a Zotero date: ``%Y`` ``%y`` ``%m`` ``%d`` (``%oY``: the
    original date's, here the date's own); parts the date lacks are empty."""
    item = Context(KeyItem(fields={"date": text}))
    year, month = _year(item), _month(item)
    day_found = re.match(r"^\d{4}-\d{1,2}-(\d{1,2})", text)
    values = {
        "Y": year,
        "y": year[-2:],
        "m": f"{_MONTHS.index(month) + 1:02d}" if month else "",
        "d": f"{int(day_found.group(1)):02d}" if day_found else "",
    }
    return _DATE_CODES.sub(lambda found: values.get(found.group(2), ""), str(format))


# Language codes and names Better BibTeX's language() test accepts, by babel name.
_LANGUAGES = {
    "en": "english", "english": "english", "de": "german", "german": "german",
    "fr": "french", "french": "french", "ja": "japanese", "japanese": "japanese",
    "zh": "chinese", "chinese": "chinese", "ru": "russian", "russian": "russian",
    "es": "spanish", "spanish": "spanish", "it": "italian", "italian": "italian",
}  # fmt: skip


def _language(item: Context, *names: str) -> str:
    """Skips to the next pattern unless the item's language is one of ``names``."""
    own = item.get("language").strip().lower()
    own = _LANGUAGES.get(own, _LANGUAGES.get(own.split("-")[0], own))
    if own not in {_LANGUAGES.get(n.lower(), n.lower()) for n in names}:
        raise Skip
    return ""


# Zotero's own BibTeX export: "%a_%t_%y" (translators/BibTeX.js buildCiteKey).
_ZOTERO_BANNED = re.compile(
    r"\b(a|an|the|some|from|on|in|to|of|do|with|der|die|das|ein|eine|einer|eines|einem|einen"
    r"|un|une|la|le|l'|les|el|las|los|al|uno|una|unos|unas|de|des|del|d')(\s+|\b)"
    r"|(</?(i|b|sup|sub|sc|span style=\"small-caps\"|span)>)"
)
_ZOTERO_CLEAN = re.compile(r"[^a-z0-9!$&*+\-./:;<>?\[\]^_`|]+")


def _zotero(item: Context) -> str:
    """The key Zotero's stock BibTeX export makes (``lastname_titleword_year``); its
    ``-1``, ``-2`` postfixes for clashes."""
    _postfix(item, "-%(n)s")
    first = item.creators[0] if item.creators else {}
    last = str(first.get("lastName") or "")
    author = last.lower().replace(" ", "_").replace(",", "") if last else "noauthor"
    title = item.get("title")
    word = _ZOTERO_BANNED.sub("", title.lower()).split()[:1] if title else []
    key = f"{author}_{word[0] if word else ('' if title else 'notitle')}_{_year(item) or 'nodate'}"
    return _ZOTERO_CLEAN.sub("", fold(key))


FUNCTIONS: dict[str, Callable[..., str]] = {
    "auth": _auth,
    "authors": _creators,
    "creators": _creators,
    "authorsn": _authorsn,
    "authorsalpha": _authors_alpha,
    "authini": _auth_ini,
    "authorini": _author_ini,
    "authauthea": _auth_auth_ea,
    "authetal": _auth_et_al,
    "authetal2": lambda item, creator="*", initials=False, sep=".": _auth_et_al(
        item, creator, initials, sep, "etal"
    ),
    "authshort": _authshort,
    "authorlast": lambda item, creator="*", initials=False: (
        _names(item, creator, _truthy(initials)) or [""]
    )[-1],
    "authforeini": lambda item, creator="*": next(
        (_initials(c)[:1] for c in _first_kind(item, creator)), ""
    ),
    "authorlastforeini": lambda item, creator="*": next(
        (_initials(c)[:1] for c in reversed(_first_kind(item, creator))), ""
    ),
    "year": lambda item: _year(item),
    "shortyear": lambda item: _year(item)[-2:],
    "month": lambda item: _month(item),
    "title": lambda item: " ".join(title_words(item.get("title"), punct_free=True)),
    "shorttitle": _shorttitle,
    "veryshorttitle": lambda item, n=1, m=0: _shorttitle(item, n, m),
    "journal": _journal,
    "firstpage": lambda item: _pages(item, last=False),
    "lastpage": lambda item: _pages(item, last=True),
    "keyword": lambda item, n=0: (
        sorted(str(t) for t in item.fields.get("tags", [])) + [""] * (n + 1)
    )[n],
    "type": _type,
    "postfix": _postfix,
    "infix": _infix,
    "creatornames": _creatornames,
    "extra": _extra,
    "origyear": lambda item: _year(item),
    "date": lambda item, format="%Y-%m-%d": _format_date(item.get("date"), format),
    "language": _language,
    "zotero": _zotero,
    "field": field_value,
    "getfield": field_value,
}


def _first_kind(item: Context, creator: str) -> list[Mapping[str, Any]]:
    """The creators of the kind ``_names`` would pick, as Zotero gives them."""
    for kind in (item.primary, "editor", "translator") if creator == "*" else (creator,):
        chosen = [c for c in item.creators if c.get("creatorType", "author") == kind]
        if chosen:
            return chosen
    return [c for c in item.creators if creator == "*"]


# --------------------------------------------------------------------------- filters


def _select(text: str, start: int = 1, n: int | None = None) -> str:
    values = text.split()
    begin = len(values) + start if start < 0 else max(start, 1) - 1
    end = len(values) if n is None else begin + max(n, 1)
    return " ".join(values[begin:end])


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression of a formula (``/[.]etal/ig``): ``every`` is JavaScript's g."""

    regex: re.Pattern[str]
    every: bool = False


def _replace(text: str, find: Any = "", replace: str = "") -> str:
    """Every case-insensitive match of a string, or a regular expression's (the first
    only without its g flag)."""
    if not find:
        return text
    if isinstance(find, Pattern):
        return find.regex.sub(lambda _: str(replace), text, count=0 if find.every else 1)
    return re.sub(re.escape(str(find)), lambda _: str(replace), text, flags=re.IGNORECASE)


_RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _length(text: str, relation: str = ">", length: int = 0) -> str:
    """The text if its length (without spaces) stands in ``relation`` to ``length``, else
    this pattern is skipped."""
    if relation not in _RELATIONS:
        raise Skip
    if not _RELATIONS[relation](len(re.sub(r"\s", "", text).replace(MARKER, "")), int(length)):
        raise Skip
    return text


def _pattern(match: Any) -> re.Pattern[str]:
    if isinstance(match, Pattern):
        return match.regex
    return re.compile(re.escape(str(match)), re.IGNORECASE)


def _match(text: str, match: Any = "", clean: Any = False) -> str:
    """The groups ``match`` finds in the text (the text itself without groups); skipped when
    it finds nothing."""
    if not match:
        return text
    found = _pattern(match).search(text)
    if not found:
        raise Skip
    return " ".join(g for g in found.groups() if g) if found.groups() else text


def _find(text: str, match: Any = "", passthrough: Any = False) -> str:
    try:
        return _match(text, match)
    except Skip:
        return text if _truthy(passthrough) else ""


def _substring(text: str, start: int = 1, n: int | None = None) -> str:
    return text[start - 1 : (start - 1) + (len(text) if n is None else n)]


FILTERS: dict[str, Callable[..., str]] = {
    "lower": lambda text: text.lower(),
    "upper": lambda text: text.upper(),
    "nopunct": lambda text, dash="-": nopunct(text, dash),
    "nopunctordash": lambda text: nopunct(text, ""),
    "condense": lambda text, sep="": re.sub(r"\s+", lambda _: sep, text),
    "select": _select,
    "substring": _substring,
    "fold": lambda text, mode="": fold(text),
    "transliterate": lambda text, mode="": fold(text),
    "ascii": lambda text: " ".join(re.sub(r"[^ -~]", "", text).split()),
    "alphanum": lambda text: " ".join(re.sub(r"[^\w\s]|_", "", text).split()),
    "abbr": lambda text, chars=1: "".join(word[: int(chars)] for word in text.split()),
    "skipwords": lambda text, nopunct=False: " ".join(title_words(text, _truthy(nopunct))),
    "capitalize": lambda text: re.sub(
        r"(?:(?<=^)|(?<=\s))[a-z]", lambda m: m.group(0).upper(), text
    ),
    "prefix": lambda text, prefix="": prefix + text if text and prefix else text,
    "postfix": lambda text, postfix="": text + postfix if text and postfix else text,
    "replace": _replace,
    "default": lambda text, value="": text or str(value),
    "clean": lambda text: _UNSAFE.sub("", fold(text)).strip(),
    "numeric": lambda text: text if re.match(r"\s*[+-]?\d", text) else "",  # parseInt
    "discard": lambda text: "",
    "len": _length,
    "formatdate": _format_date,
    "match": _match,
    "find": _find,
}
