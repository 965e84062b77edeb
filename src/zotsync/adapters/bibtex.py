"""Zotero item data -> BibTeX, BibLaTeX and CSL-JSON, the way Better BibTeX writes them (pure).

The input is an item as the Zotero API gives it (``itemType``, fields, ``creators``, ``tags``,
``extra``), with its child notes (HTML) under ``notes`` when they are wanted.  Type-specific
fields are first read through their base field (``proceedingsTitle`` and ``blogTitle`` are
both a ``publicationTitle``), from the tables of :class:`ZoteroFields` (derived from Zotero's
schema).  The output is deterministic: the same items give the same bytes, entries sorted by
citation key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zotsync.adapters.latex import escape, escape_url, html_to_latex, protect
from zotsync.core.citekeys import valid_citation_key
from zotsync.core.mapping import ET_AL_LINE


@dataclass(frozen=True, slots=True)
class ZoteroFields:
    """Facts of Zotero's schema that export needs (``data/zotero-fields.json``)."""

    base_fields: dict[str, str]
    primary_creator: dict[str, str]
    csl_types: dict[str, str]
    csl_text: dict[str, str]
    csl_dates: dict[str, str]
    csl_names: dict[str, str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ZoteroFields:
        return cls(**{name: dict(data[name]) for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Better BibTeX's export preferences that change fields (its names in comments)."""

    format: str = "bibtex"  # "bibtex" or "biblatex"
    url: str = "url"  # bibtexURL: where BibTeX puts the URL: "url", "note" (\url{}) or "off"
    doi_and_url: str = "both"  # DOIandURL: "both", "doi" (URL only without DOI) or "url"
    skip_fields: frozenset[str] = frozenset()  # skipFields: output fields never written
    notes: bool = False  # exportNotes: child notes into `note`
    ascii: bool | None = None  # None: ASCII for BibTeX, Unicode for BibLaTeX (asciiBibLaTeX)
    date_order: str = "mdy"  # localeDateOrder, for dates like 2/3/2016

    @property
    def biblatex(self) -> bool:
        return self.format == "biblatex"

    @property
    def ascii_only(self) -> bool:
        return (not self.biblatex) if self.ascii is None else self.ascii


@dataclass(frozen=True, slots=True)
class BibEntry:
    type: str
    key: str
    # (name, value, bare): bare values (year = 2014, month = sep) are written unbraced.
    fields: tuple[tuple[str, str, bool], ...] = ()

    def get(self, name: str) -> str | None:
        return next((value for n, value, _ in self.fields if n == name), None)


# --------------------------------------------------------------------------- tables

# Better BibTeX's type maps (translators/bibtex/bibtex.ts and biblatex.ts, ``typeMap``):
# by Zotero item type, and by a CSL type an item's `extra` gives (``type: article``).
_BIBTEX_TYPES = {
    "book": "book", "bookSection": "incollection", "conferencePaper": "inproceedings",
    "encyclopediaArticle": "article", "journalArticle": "article", "magazineArticle": "article",
    "manuscript": "unpublished", "newspaperArticle": "article", "patent": "patent",
    "report": "techreport", "thesis": "phdthesis",
}  # fmt: skip
_BIBTEX_CSL_TYPES = {
    "article": "article", "article-journal": "article", "article-magazine": "article",
    "article-newspaper": "article", "book": "book", "chapter": "incollection",
    "entry": "incollection", "entry-dictionary": "incollection",
    "entry-encyclopedia": "incollection", "manuscript": "unpublished", "pamphlet": "booklet",
    "paper-conference": "inproceedings", "report": "techreport", "review": "article",
    "review-book": "article", "thesis": "phdthesis",
}  # fmt: skip
_BIBLATEX_TYPES = {
    "artwork": "artwork", "audioRecording": "audio", "bill": "legislation", "blogPost": "online",
    "book": "book", "bookSection": "incollection", "case": "jurisdiction",
    "computerProgram": "software", "conferencePaper": "inproceedings",
    "dictionaryEntry": "inreference", "dataset": "dataset", "email": "letter",
    "encyclopediaArticle": "inreference", "film": "video", "forumPost": "online",
    "gazette": "jurisdiction", "hearing": "jurisdiction", "journalArticle": "article",
    "letter": "letter", "magazineArticle": "article:magazine", "manuscript": "unpublished",
    "newspaperArticle": "article:newspaper", "patent": "patent", "podcast": "audio",
    "preprint": "online", "presentation": "unpublished", "radioBroadcast": "audio",
    "report": "report", "standard": "standard", "statute": "legislation", "thesis": "thesis",
    "tvBroadcast": "video", "videoRecording": "video", "webpage": "online",
}  # fmt: skip
_BIBLATEX_CSL_TYPES = {
    "article": "article", "article-journal": "article", "article-magazine": "article:magazine",
    "article-newspaper": "article:newspaper", "bill": "legislation", "book": "book",
    "broadcast": "misc:broadcast", "chapter": "incollection", "data": "dataset",
    "dataset": "dataset", "entry": "inreference", "entry-dictionary": "inreference",
    "entry-encyclopedia": "inreference", "figure": "image", "graphic": "image",
    "interview": "misc:interview", "legal_case": "jurisdiction", "legislation": "legislation",
    "manuscript": "unpublished", "map": "misc:map", "motion_picture": "movie",
    "musical_score": "audio", "pamphlet": "booklet", "paper-conference": "inproceedings",
    "patent": "patent", "personal_communication": "letter", "post": "online",
    "post-weblog": "online", "report": "report", "review": "review", "review-book": "review",
    "song": "music", "speech": "misc:speech", "thesis": "thesis", "treaty": "legal",
    "webpage": "online",
}  # fmt: skip
_CONTAINER_IS_BOOK = {
    "conferencePaper",
    "bookSection",
    "encyclopediaArticle",
    "dictionaryEntry",
}
_JOURNALS = {"journalArticle", "magazineArticle", "newspaperArticle"}
_LANGIDS = {
    "en": "english",
    "english": "english",
    "en-us": "american",
    "en-gb": "british",
    "en-ca": "canadian",
    "en-au": "australian",
    "de": "german",
    "german": "german",
    "fr": "french",
    "french": "french",
    "es": "spanish",
    "spanish": "spanish",
    "it": "italian",
    "italian": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "ru": "russian",
    "ja": "japanese",
    "zh": "chinese",
    "ko": "korean",
    "pl": "polish",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
    "cs": "czech",
    "tr": "turkish",
    "vi": "vietnamese",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Fields in the order Better BibTeX writes them; any other field follows, by name.
_ORDER = (
    "title",
    "shorttitle",
    "booktitle",
    "author",
    "bookauthor",
    "editor",
    "translator",
    "year",
    "month",
    "date",
    "journal",
    "journaltitle",
    "shortjournal",
    "volume",
    "number",
    "eprint",
    "eprinttype",
    "eprintclass",
    "primaryclass",
    "pages",
    "publisher",
    "institution",
    "school",
    "address",
    "location",
    "issn",
    "isbn",
    "doi",
    "url",
    "urldate",
)
_OWN_NAME = {"archiveID"}
_KEY_FIELDS = {"xref", "crossref", "ids", "related", "xdata", "set", "entryset", "pmid", "pmcid"}
_RANK = {name: n for n, name in enumerate(_ORDER)}

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[ T].*)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.](\d{4})$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DAY = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")
_MONTH_NAMES = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WORDS = re.compile(r"[A-Za-z]+")
_PAGE_DASH = re.compile(r"(?<=\w)\s*[-‐‑‒–—]+\s*(?=\w)")
# "arXiv: 1401.2910 [quant-ph]": a line of `extra`, or the journal title Zotero's arXiv
# translator gives an article.
_ARXIV = re.compile(r"^arxiv:\s*(\S+?)(?:\s*\[([^\]]+)\])?\s*$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#\s]+?)(?:v\d+)?(?:\.pdf)?$", re.IGNORECASE)
_EXTRA_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z .-]*?)\s*[:=]\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class Date:
    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text


def parse_date(text: str, order: str = "mdy") -> Date | None:
    """Zotero's date strings: ISO (2014-07-25, 2015-1-29, 2014-09, with a time), 2/2016,
    2/3/2016 (``order``: mdy or dmy), month names (September 2014, 12 Dec 2014), a year."""
    text = text.strip()
    if not text:
        return None
    found = _ISO_DATE.match(text)
    if found:
        year, month, day = (int(g) if g else None for g in found.groups())
        assert year is not None
        return _valid(year, month, day)
    found = _MONTH_YEAR.match(text)
    if found:
        return _valid(int(found.group(2)), int(found.group(1)), None)
    found = _SLASH_DATE.match(text)
    if found:
        first, second, year = (int(g) for g in found.groups())
        month, day = (second, first) if order == "dmy" else (first, second)
        return _valid(year, month, day)
    year_match = _YEAR.search(text)
    if not year_match:
        return None
    month = next(
        (_MONTH_NAMES[w.lower()] for w in _WORDS.findall(text) if w.lower() in _MONTH_NAMES),
        None,
    )
    rest = text[: year_match.start()] + " " + text[year_match.end() :]
    day_match = _DAY.search(rest) if month else None
    day = int(day_match.group(1)) if day_match else None
    return _valid(int(year_match.group(1)), month, day)


def _valid(year: int, month: int | None, day: int | None) -> Date:
    if month is not None and not 1 <= month <= 12:
        month, day = None, None
    if day is not None and not 1 <= day <= 31:
        day = None
    return Date(year, month, day)


# --------------------------------------------------------------------------- item -> fields


@dataclass
class _Item:
    """An item read through base fields, with what ``extra`` says split out."""

    item_type: str
    fields: dict[str, str]
    creators: list[dict[str, Any]]
    tags: list[str]
    notes: list[str]
    extra_fields: dict[str, str] = field(default_factory=dict)
    eprint: str = ""
    eprint_class: str = ""
    et_al: bool = False  # the list names the first authors only: "and others" ends them
    csl_type: str = ""  # a CSL type `extra` gives (``type: article``)
    annotation: str = ""  # what of `extra` no rule reads (Better BibTeX's `annotation`)
    raw_fields: set[str] = field(default_factory=set)  # `tex.name= value`: written verbatim
    archive_id: str = ""  # a preprint's id in its repository (``arXiv:2005.14017``)


def _read(item: Mapping[str, Any], zf: ZoteroFields) -> _Item:
    item_type = str(item.get("itemType", ""))
    fields: dict[str, str] = {}
    for name, value in item.items():
        if isinstance(value, str) and value.strip():
            # archiveID's base field is `number`, but an arXiv id is an eprint, not a number.
            base = name if name in _OWN_NAME else zf.base_fields.get(name, name)
            fields.setdefault(base, value.strip())
    extra = item.get("extra", "")
    lines = extra if isinstance(extra, list) else str(extra).splitlines()
    tags = sorted(
        {str(t["tag"] if isinstance(t, Mapping) else t) for t in item.get("tags", [])},
        key=_tag_order,
    )
    creators = list(item.get("creators", []))
    read = _Item(item_type, fields, creators, tags, list(item.get("notes", [])))
    read.annotation = _read_extra(lines, read, fields, zf)
    archive_id = read.archive_id = fields.pop("archiveID", "")
    if not read.eprint and archive_id.lower().startswith("arxiv:"):
        read.eprint = archive_id.split(":", 1)[1].strip()
    title = fields.get("publicationTitle", "")
    in_title = _ARXIV.match(title)
    if in_title:
        read.eprint = read.eprint or in_title.group(1)
        read.eprint_class = read.eprint_class or (in_title.group(2) or "")
    if not read.eprint and item_type == "preprint":
        in_url = _ARXIV_URL.search(fields.get("url", ""))
        if in_url:
            read.eprint = in_url.group(1)
    return read


# content/extra.ts: `{:key: value}`, `"key": value`, `tex.key: value` (`=` keeps it raw).
_EXTRA_OLD = re.compile(r"^{:(?P<key>[^:]+):\s*(?P<value>[^}]+)}$")
_EXTRA_QUOTED = re.compile(
    r'^(?:(?P<tex>(?:bib(?:la)?)?tex\.)|(?P<csl>csl\.))?"(?P<key>[^"]+)"\s*(?P<assign>[:=])\s*(?P<value>.*)',
    re.IGNORECASE,
)
_EXTRA_NEW = re.compile(
    r"^(?:(?P<tex>(?:bib(?:la)?)?tex\.)|(?P<csl>csl\.))?(?P<key>[^:=]+)\s*(?P<assign>[:=])\s*(?P<value>.*)",
    re.IGNORECASE,
)
_OTHER_TEX = ("lccn", "mr", "zbl", "arxiv", "jstor", "hdl", "googlebooksid")


def _label(name: str) -> str:
    """extra.ts's key normal form: ``originalDate``, ``original-date`` -> ``original date``."""
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"(?!^)[-_]", " ", name)).lower()


_NAMES_CACHE: dict[int, dict[str, tuple[str, str]]] = {}


def _extra_names(zf: ZoteroFields) -> dict[str, tuple[str, str]]:
    """Normalised names `extra` may give -> (base field or creator type, "field"/"name"):
    Zotero's own names first, CSL variables after (Schema.labeled)."""
    cached = _NAMES_CACHE.get(id(zf))
    if cached is not None:
        return cached
    names: dict[str, tuple[str, str]] = {}
    fields = {*zf.base_fields, *zf.base_fields.values(), *zf.csl_text, *zf.csl_dates}
    for name in sorted(fields):
        names.setdefault(_label(name), (zf.base_fields.get(name, name), "field"))
    for creator_type in sorted(zf.csl_names):
        names.setdefault(_label(creator_type), (creator_type, "name"))
    for name, variable in sorted({**zf.csl_text, **zf.csl_dates}.items()):
        if _label(variable) != "type":
            names.setdefault(_label(variable), (zf.base_fields.get(name, name), "field"))
    for creator_type, variable in sorted(zf.csl_names.items()):
        names.setdefault(_label(variable), (creator_type, "name"))
    _NAMES_CACHE[id(zf)] = names
    return names


def _read_extra(lines: Iterable[str], read: _Item, fields: dict[str, str], zf: ZoteroFields) -> str:
    """Better BibTeX's reading of `extra` (content/extra.ts ``get``): fields it names fill
    the item where it has none (dates replace), `tex.` lines become BibTeX fields, names
    become creators; the lines no rule reads are returned (its `annotation`)."""
    names = _extra_names(zf)
    kept = []
    for line in lines:
        arxiv = _ARXIV.match(line)
        if arxiv:
            read.eprint, read.eprint_class = arxiv.group(1), arxiv.group(2) or ""
            continue
        if re.match(r"^(citation[ -]?key|bibtex):", line, re.IGNORECASE):
            continue
        if line.lower().startswith(_OWN_LINES) and not line.lower().startswith(ET_AL_LINE):
            continue  # zotsync's own markers (mapping.py): not the paper's
        found = _EXTRA_OLD.match(line) or _EXTRA_QUOTED.match(line) or _EXTRA_NEW.match(line)
        if not found or not _take_extra(found, read, fields, names):
            kept.append(line)
    return "\n".join(kept).strip()


def _take_extra(
    found: re.Match[str], read: _Item, fields: dict[str, str], names: dict[str, tuple[str, str]]
) -> bool:
    groups = found.groupdict()
    tex, csl = (groups.get("tex") or "").lower(), groups.get("csl")
    raw = groups.get("assign") == "="
    key, value = groups["key"].strip(), groups["value"].strip()
    if raw and not tex:
        return False
    if csl:
        return True  # CSL-only variables: nothing BibTeX writes
    if tex:
        name = key.lower()
        if " " in name:
            return False
        read.extra_fields[name] = value
        if raw:
            read.raw_fields.add(name)
        return True
    if key.lower() == ET_AL_LINE:
        read.et_al = value == "true"
        return True
    label = _label(key)
    if label == "type":
        read.csl_type = value
        return True
    if label.replace(" ", "") in _OTHER_TEX or label in ("pmid", "pmcid"):
        read.extra_fields[label.replace(" ", "")] = value
        return True
    known = names.get(label)
    if known is None:
        return False
    name, kind = known
    if kind == "name":
        last, bar, first = value.partition("||")
        person = {"lastName": last.strip(), "firstName": first.strip()} if bar else {"name": value}
        read.creators.append({"creatorType": name, **person})
    elif name in _DATE_FIELDS or not fields.get(name):
        fields[name] = value
    return True


_DATE_FIELDS = ("date", "accessDate", "originalDate", "filingDate")
_OWN_LINES = "zotsync-"


def _tag_order(tag: str) -> list[tuple[int, str]]:
    """Tags sorted as Zotero lists them: punctuation before letters, letter case ignored."""
    return [(1, c) if c.isalnum() else (0, c) for c in tag.casefold()]


def _names(creators: Iterable[Mapping[str, Any]], ascii_only: bool) -> str:
    names = []
    for creator in creators:
        last = str(creator.get("lastName") or "").strip()
        first = str(creator.get("firstName") or "").strip()
        single = str(creator.get("name") or "").strip()
        if single or not first:
            name = single or last
            names.append("{" + escape(name, ascii_only=ascii_only, name=True) + "}")
            continue
        last_text = escape(last, ascii_only=ascii_only, name=True)
        if "," in last or " and " in f" {last} ":
            last_text = "{" + last_text + "}"
        names.append(f"{last_text}, {escape(first, ascii_only=ascii_only, name=True)}")
    return " and ".join(names)


def _creator_groups(item: _Item, zf: ZoteroFields) -> dict[str, list[Mapping[str, Any]]]:
    primary = zf.primary_creator.get(item.item_type, "author")
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for creator in item.creators:
        kind = str(creator.get("creatorType", "author"))
        if kind in (primary, "author"):
            groups.setdefault("author", []).append(creator)
        elif kind in ("editor", "seriesEditor"):
            groups.setdefault("editor", []).append(creator)
        elif kind == "bookAuthor":
            groups.setdefault("bookauthor", []).append(creator)
        elif kind == "translator":
            groups.setdefault("translator", []).append(creator)
        elif kind == "contributor":
            groups.setdefault("contributor", []).append(creator)
    if "author" not in groups and "contributor" in groups:
        groups["author"] = groups.pop("contributor")
    groups.pop("contributor", None)
    return groups


def _english(language: str) -> bool:
    lowered = language.strip().lower()
    return not lowered or lowered.startswith("en")


def _langid(language: str) -> str:
    lowered = language.strip().lower()
    if lowered in _LANGIDS:
        return _LANGIDS[lowered]
    short = lowered.split("-")[0].split("_")[0]
    if short in _LANGIDS:
        return _LANGIDS[short]
    return lowered if lowered.isalpha() else ""


def _entry_type(read: _Item, biblatex: bool) -> tuple[str, str, bool]:
    """(entry type, BibLaTeX entrysubtype, whether `extra` chose it): `tex.entrytype`
    (or the old `tex.referencetype`), else a CSL `type:` line, else the item type, as Better
    BibTeX's Entry constructor picks it; a report that says `type: article` is Better
    BibTeX's preprint workaround, @misc."""
    chosen = read.extra_fields.pop("entrytype", "") or read.extra_fields.pop("referencetype", "")
    if chosen:
        return chosen, "", True
    pseudo_preprint = not biblatex and read.item_type == "report" and read.csl_type == "article"
    csl_types = _BIBLATEX_CSL_TYPES if biblatex else _BIBTEX_CSL_TYPES
    if read.csl_type in csl_types and not pseudo_preprint:
        mapped, overridden = csl_types[read.csl_type], True
    elif pseudo_preprint:
        mapped, overridden = "misc", True
    else:
        types = _BIBLATEX_TYPES if biblatex else _BIBTEX_TYPES
        mapped, overridden = types.get(read.item_type, "misc"), False
    entry_type, _, subtype = mapped.partition(":")
    return entry_type, subtype if biblatex else "", overridden


def bib_entry(
    item: Mapping[str, Any], key: str, options: ExportOptions, zf: ZoteroFields
) -> BibEntry:
    """One item as a BibTeX or BibLaTeX entry."""
    read = _read(item, zf)
    f = read.fields
    biblatex = options.biblatex
    ascii_only = options.ascii_only
    out: dict[str, tuple[str, bool]] = {}

    def put(name: str, value: str, bare: bool = False) -> None:
        if value and name not in out:
            out[name] = (value, bare)

    def text(value: str) -> str:
        return escape(value, ascii_only=ascii_only)

    item_type = read.item_type
    entry_type, subtype, overridden = _entry_type(read, biblatex)
    put("entrysubtype", subtype)
    book_author = any(c.get("creatorType") == "bookAuthor" for c in read.creators)
    if not biblatex and entry_type == "incollection" and book_author:
        entry_type = "inbook"  # bibtex.ts: a chapter with a book author
    container = f.get("publicationTitle", "")
    arxiv_journal = item_type in _JOURNALS and bool(_ARXIV.match(container))
    if biblatex and arxiv_journal:
        entry_type, container = "unpublished", ""
    if item_type == "thesis" and not biblatex and "master" in f.get("type", "").lower():
        entry_type = "mastersthesis"

    language = f.get("language", "")
    if f.get("title"):
        put("title", protect(f["title"], title_case=_english(language), ascii_only=ascii_only))
    if f.get("shortTitle") and f.get("shortTitle") != f.get("title"):
        put("shorttitle", protect(f["shortTitle"], ascii_only=ascii_only))

    conference = f.get("conferenceName", "")
    if overridden and entry_type == "article":
        put("journaltitle" if biblatex else "journal", text(container))
    elif item_type in _CONTAINER_IS_BOOK:
        put("booktitle", protect(container or conference, ascii_only=ascii_only))
        if biblatex and conference and conference != container:
            put("eventtitle", protect(conference, ascii_only=ascii_only))
    elif item_type in _JOURNALS:
        put("journaltitle" if biblatex else "journal", text(container))
        abbreviation = f.get("journalAbbreviation", "")
        if biblatex and abbreviation and abbreviation != container:
            put("shortjournal", text(abbreviation))
    elif container:
        put("journaltitle" if biblatex else "howpublished", text(container))

    for name, creators in _creator_groups(read, zf).items():
        if name in ("bookauthor", "translator") and not biblatex:
            continue
        others = " and others" if name == "author" and read.et_al else ""
        put(name, _names(creators, ascii_only) + others)

    date = parse_date(f.get("date", ""), options.date_order)
    if date is not None:
        if biblatex:
            put("date", date.iso())
        else:
            put("year", str(date.year), bare=True)
            if date.month:
                put("month", _MONTHS[date.month - 1], bare=True)

    put("volume", text(f.get("volume", "")))
    # A BibTeX preprint keeps its repository's id in `number` (bibtex.ts: number, publisher).
    preprint_id = read.archive_id if item_type == "preprint" and not biblatex else ""
    put("number", text(f.get("issue", "") or f.get("number", "") or preprint_id))
    if read.eprint:
        put("eprint", escape_url(read.eprint))
        if biblatex:
            put("eprinttype", "arXiv")
            put("eprintclass", text(read.eprint_class))
        else:
            put("primaryclass", text(read.eprint_class))
            put("archiveprefix", "arXiv")
    if f.get("pages"):
        put("pages", text(_PAGE_DASH.sub("--", f["pages"])))

    publisher = f.get("publisher", "")
    bibtex_preprint = item_type == "preprint" and not biblatex
    if publisher and (bibtex_preprint or not (read.eprint and publisher.lower() == "arxiv")):
        if item_type == "thesis":
            put("institution" if biblatex else "school", text(publisher))
        elif item_type == "report":
            put("institution", text(publisher))
        else:
            put("publisher", text(publisher))
    put("location" if biblatex else "address", text(f.get("place", "")))
    put("series", protect(f.get("series", ""), ascii_only=ascii_only))
    put("edition", text(f.get("edition", "")))
    put("issn", text(f.get("ISSN", "")))
    put("isbn", text(f.get("ISBN", "")))

    # Better BibTeX writes the bare DOI of one stored as a link (bibtex.ts, biblatex.ts).
    doi = re.sub(r"^https?://doi\.org/", "", f.get("DOI", ""), flags=re.IGNORECASE)
    url = f.get("url", "")
    if doi and url and options.doi_and_url == "doi":
        url = ""
    if doi and url and options.doi_and_url == "url":
        doi = ""
    put("doi", escape_url(doi))
    url_in_note = False
    if url:
        if biblatex or options.url == "url":
            put("url", escape_url(url))
        elif options.url == "note":
            put("note", f"\\url{{{escape_url(url)}}}")
            url_in_note = True
    if f.get("accessDate"):
        accessed = parse_date(f["accessDate"])
        if accessed is not None and accessed.day:
            put("urldate", accessed.iso())
    put("abstract", text(f.get("abstractNote", "")))
    put("keywords", escape(",".join(read.tags), ascii_only=ascii_only, keep="_"))
    put("langid", _langid(language))
    put("copyright", text(f.get("rights", "")))
    put("lccn", text(f.get("callNumber", "")))
    if options.notes and read.notes and not url_in_note:
        notes = [html_to_latex(n, ascii_only=ascii_only) for n in read.notes]
        put("note", "\n\\par\n".join(n for n in notes if n))
    put("annotation", text(read.annotation))
    _put_tex_fields(read, out, biblatex, text)

    ordered = sorted(
        ((name, value, bare) for name, (value, bare) in out.items()),
        key=lambda field: (_RANK.get(field[0], len(_RANK)), field[0]),
    )
    kept = tuple(f for f in ordered if f[0] not in options.skip_fields)
    return BibEntry(entry_type, key, kept)


_TEX_NAMES = {"mr": "mrnumber", "zbl": "zmnumber"}
_EPRINT_TYPES = {"arxiv": "arXiv", "pmid": "pmid", "jstor": "jstor", "hdl": "hdl"}


def _put_tex_fields(
    read: _Item, out: dict[str, tuple[str, bool]], biblatex: bool, text: Any
) -> None:
    """`tex.name: value` lines of `extra` replace what the item gave (entry.ts ``complete``):
    `tex.name= value` raw, keys (xref, ids…) verbatim, an arXiv/PMID/JSTOR/handle id as
    BibLaTeX's eprint when it has none."""
    for name, value in read.extra_fields.items():
        if biblatex and name in _EPRINT_TYPES and "eprinttype" not in out:
            out["eprinttype"] = (_EPRINT_TYPES[name], False)
            out["eprint"] = (escape_url(value), False)
            continue
        if name == "googlebooksid":
            name = "googlebooks"
        if name in read.raw_fields:
            written = value
        elif name in _KEY_FIELDS:
            written = escape_url(value)
        else:
            written = text(value)
        if written:
            out[_TEX_NAMES.get(name, name)] = (written, False)


def render_bib(entries: Iterable[BibEntry]) -> str:
    """The ``.bib`` text: entries sorted by key, fields one per line, a blank line between."""
    blocks = []
    for entry in sorted(entries, key=lambda e: (e.key.casefold(), e.key)):
        if entry.key and not valid_citation_key(entry.key):  # the sources refuse such keys
            raise ValueError(f"not a valid citation key: {entry.key!r}")
        lines = [f"@{entry.type}{{{entry.key},"]
        for n, (name, value, bare) in enumerate(entry.fields):
            comma = "," if n < len(entry.fields) - 1 else ""
            lines.append(f"  {name} = {value if bare else '{' + value + '}'}{comma}")
        lines.append("}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# --------------------------------------------------------------------------- CSL-JSON


def csl_item(item: Mapping[str, Any], key: str, zf: ZoteroFields) -> dict[str, Any]:
    """One item as CSL-JSON (Zotero's own mapping of types, variables, names and dates)."""
    item_type = str(item.get("itemType", ""))
    out: dict[str, Any] = {"id": key, "type": zf.csl_types.get(item_type, "document")}
    for name, value in item.items():
        if not isinstance(value, str) or not value.strip() or name in ("itemType", "extra"):
            continue
        if name in zf.csl_dates or zf.base_fields.get(name) in zf.csl_dates:
            variable = zf.csl_dates.get(name) or zf.csl_dates[zf.base_fields[name]]
            date = parse_date(value)
            if date is not None:
                parts = [date.year, date.month, date.day]
                out[variable] = {"date-parts": [[p for p in parts if p is not None]]}
            continue
        variable_name = zf.csl_text.get(name) or zf.csl_text.get(zf.base_fields.get(name, ""))
        if variable_name and variable_name not in out:
            out[variable_name] = value.strip()
    out["citation-key"] = key
    for creator in item.get("creators", []):
        role = zf.csl_names.get(str(creator.get("creatorType", "author")), "author")
        if creator.get("name"):
            person: dict[str, str] = {"literal": str(creator["name"])}
        else:
            last, first = creator.get("lastName", ""), creator.get("firstName", "")
            person = {"family": str(last), "given": str(first)}
        out.setdefault(role, []).append(person)
    tags = sorted({str(t["tag"]) for t in item.get("tags", [])}, key=_tag_order)
    if tags:
        out["keyword"] = ", ".join(tags)
    read = _read(item, zf)
    if read.eprint and item_type == "preprint":
        out.setdefault("number", f"arXiv:{read.eprint}")
    return dict(sorted(out.items()))
