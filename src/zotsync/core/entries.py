"""The canonical reading list: entries, sections and entry styles (pure, stdlib only).

An :class:`Entry` is everything the list says about one paper.  Its ``id`` is derived once from
the title and year when the entry first appears and is never recomputed.  Identity for matching
(re-ingest now, Zotero adoption later) is a list of keys, strongest first: arXiv id, DOI,
OpenReview id, normalised URL, normalised title + year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

SectionPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper (or post, video, page) of a list.

    ``links`` keeps the list's labels (``code``, ``blog``, ``homepage``…) in their order.
    ``kind`` is a label the list puts in front of the title (``Blog`` in ``[[Blog--Title]](url)``).
    ``note`` is text of the entry the parser could not file under another field.
    ``markdown`` is the entry's exact source, kept only when the section's style does not
    reproduce it byte for byte; it is used while it still parses to the entry's fields.
    """

    id: str
    title: str
    url: str = ""
    venue: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    kind: str = ""
    note: str = ""
    tags: tuple[str, ...] = ()
    citation_key: str = ""
    markdown: str = ""
    et_al: bool = False  # the list names the first authors only ("K. He et al.")
    alias: str = ""  # a name or tag written before the title: "Ref-Reasoning", "DSSD"
    added_by: str = ""  # the teammate who filed the paper in Zotero (meta.createdByUser)

    @classmethod
    def from_content(cls, entry_id: str, content: EntryContent, markdown: str = "") -> Entry:
        return cls(id=entry_id, markdown=markdown, **content.as_kwargs())

    def content(self) -> EntryContent:
        """The fields the Markdown carries (what a re-ingest can change)."""
        return EntryContent(**{name: getattr(self, name) for name in CONTENT_FIELDS})

    def with_content(self, content: EntryContent) -> Entry:
        return replace(self, **content.as_kwargs())


@dataclass(frozen=True, slots=True)
class EntryContent:
    """The part of an entry that the Markdown line carries."""

    title: str
    url: str = ""
    venue: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    kind: str = ""
    note: str = ""
    et_al: bool = False
    alias: str = ""

    def changed_fields(self, other: EntryContent) -> list[str]:
        return [name for name in CONTENT_FIELDS if getattr(self, name) != getattr(other, name)]

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


CONTENT_FIELDS = tuple(f.name for f in fields(EntryContent))


@dataclass(frozen=True, slots=True)
class EntryStyle:
    """How a section writes its entries, inferred from them at ingest and recorded.

    The entry text (after the list bullet, which the frame keeps) is::

        (lead-part after)*  TITLE  (sep part)*  end

    ``title``: ``link`` ``[T](url)``, ``bold`` ``**T**``, ``bold_link`` ``**[T](url)**``,
    ``label`` ``[[Kind--T]](url)``, ``plain`` ``T``.  ``parts`` orders ``date``, ``links``,
    ``authors`` and ``note``; ``seps`` holds the literal text before each part.
    ``date_form`` is one of :data:`DATE_FORMS`; ``link_form`` one of :data:`LINK_FORMS`.
    ``url_label`` is set when the paper's URL is written as the first extra link
    (``[[paper]](url)``) because the title is not a link.

    Parts may also come before the title (``lead_parts``, each followed by its text in
    ``lead_seps``): an alias or tag (``**Ref-Reasoning**: ``, ``[DSSD] ``) written in
    ``alias_form``, a date in ``date_wrap`` (``(CVPR 2023) ``), the authors of a citation
    (``Yang, Sibei, and Yizhou Yu. **Title.**``).
    """

    bullet: str = ""
    title: str = "link"
    parts: tuple[str, ...] = ("date", "links")
    seps: tuple[str, ...] = (", ", " ")
    end: str = ""
    date_form: str = "{venue} {year}"
    link_form: str = "[[{label}]]({url})"
    link_sep: str = " "
    url_label: str = ""
    authors_form: str = "{authors}"
    author_sep: str = ", "
    author_last: str = ", and "
    et_al_form: str = " et al."  # what follows the names of an entry with et_al
    author_order: str = "first_last"  # or "last_first": "Larsson, Gustav and Maire, Michael"
    date_italic: bool = False  # the date part in italics: "*ECCV 2016*"
    title_period: bool = False  # the title ends in a period inside its markup: "**Title.**"
    blank_between: bool = True
    # A table's rows (see zotsync.adapters.markdown_table): each column's role, the blank
    # inside a new cell, and the kind the table's header gives its rows ("dataset").
    columns: tuple[str, ...] = ()
    cell_pad: str = ""
    row_kind: str = ""
    lead_parts: tuple[str, ...] = ()
    lead_seps: tuple[str, ...] = ()
    alias_form: str = "{alias}"
    date_wrap: str = "{date}"

    def as_dict(self) -> dict[str, object]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EntryStyle:
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, object] = {}
        for key, value in data.items():
            if key not in known:
                raise ValueError(f"unknown style key {key!r}")
            kwargs[key] = tuple(value) if isinstance(value, list) else value
        style = cls(**kwargs)  # type: ignore[arg-type]
        style.validate()
        return style

    def validate(self) -> None:
        """Refuse a style the renderer cannot write (a hand-edited ``list.yaml``)."""
        texts = (
            self.bullet,
            self.end,
            self.link_sep,
            self.url_label,
            self.author_sep,
            self.author_last,
            self.et_al_form,
            *self.seps,
            *self.lead_seps,
        )
        if not all(isinstance(text, str) for text in texts):
            raise ValueError("separators and bullets must be text")
        if self.title not in TITLE_FORMS:
            raise ValueError(f"title must be one of {', '.join(TITLE_FORMS)}")
        if not set(self.columns) <= set(COLUMN_ROLES) or (
            self.columns and self.columns.count("title") != 1
        ):
            raise ValueError(f"columns must be {', '.join(COLUMN_ROLES)}, one of them title")
        if self.author_order not in AUTHOR_ORDERS:
            raise ValueError(f"author_order is one of {', '.join(AUTHOR_ORDERS)}")
        if not isinstance(self.date_italic, bool) or not isinstance(self.title_period, bool):
            raise ValueError("date_italic and title_period are true or false")
        if self.cell_pad not in ("", " ") or not isinstance(self.row_kind, str):
            raise ValueError("cell_pad is one blank or none; row_kind is text")
        if not set(self.parts) <= set(PARTS):
            raise ValueError(f"parts must be names among {', '.join(PARTS)}")
        if len(self.seps) != len(self.parts):
            raise ValueError("seps must have one separator per part")
        if not set(self.lead_parts) <= set(LEAD_PARTS) or set(self.lead_parts) & set(self.parts):
            raise ValueError(f"lead_parts are names among {', '.join(LEAD_PARTS)}, not in parts")
        if len(self.lead_seps) != len(self.lead_parts):
            raise ValueError("lead_seps must have one separator per lead part")
        if self.alias_form not in ALIAS_FORMS or self.date_wrap not in DATE_WRAPS:
            forms = f"{', '.join(ALIAS_FORMS)}; date_wrap of {', '.join(DATE_WRAPS)}"
            raise ValueError(f"alias_form is one of {forms}")
        if self.date_form not in DATE_FORMS:
            raise ValueError(f"date_form must be one of {', '.join(DATE_FORMS)}")
        if self.link_form not in LINK_FORMS:
            raise ValueError(f"link_form must be one of {', '.join(LINK_FORMS)}")
        if self.authors_form not in AUTHORS_FORMS:
            raise ValueError(f"authors_form must be one of {', '.join(AUTHORS_FORMS)}")


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


DATE_FORMS = (
    "{venue} {year}",
    "{venue}, {year}",
    "{venue}. {year}",  # a citation's "Proc. IJCAI. 2017"
    "{venue}-{year}",
    "{venue} ({year})",
    "{year} {venue}",
    "({year})",
    "{year}",
    "{venue}",
)
LINK_FORMS = (
    "[[{label}]]({url})",
    "[[{label}]({url})]",
    "[{label}]({url})",
    "- {label}: {url}",  # a bullet under a bold title: "- Paper: https://…"
)
COLUMN_ROLES = ("title", "alias", "venue", "date", "links", "other")
TITLE_FORMS = ("link", "bold", "bold_link", "label", "plain")
PARTS = ("date", "links", "authors", "note")
LEAD_PARTS = ("alias", "date", "authors", "note")
ALIAS_FORMS = ("{alias}", "**{alias}**", "[{alias}]", "**[{alias}]**", "({alias})", "(*{alias}*)")
DATE_WRAPS = ("{date}", "({date})", "[{date}]")
# "Ada Zeller", "Zeller, Ada" (BibTeX's order), or a citation's "Zeller, Ada, Bo Li, and Cy Wu"
# (MLA: the first author's name turned round, the others not).
AUTHOR_ORDERS = ("first_last", "last_first", "first_inverted")
AUTHORS_FORMS = ("{authors}", "*{authors}*")


@dataclass(frozen=True, slots=True)
class Section:
    """A section of the list (a heading, or a bold group bullet with nested entries)."""

    slug: str
    path: SectionPath
    entries: tuple[Entry, ...] = ()
    style: EntryStyle = field(default_factory=EntryStyle)


# --------------------------------------------------------------------------- identity

_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^?#\s]+)", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s?#]+)", re.IGNORECASE)
_OPENREVIEW = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:.*&)?id=([A-Za-z0-9_-]+)", re.I)
_TRAILING_PDF = re.compile(r"(\.pdf)?/?$", re.IGNORECASE)


def arxiv_id(url: str) -> str | None:
    """The arXiv id in an arxiv.org URL (version and ``.pdf`` dropped), if it is well formed."""
    path = arxiv_path(url)
    match = _ARXIV_ID.fullmatch(path) if path is not None else None
    return match.group(1) if match else None


def arxiv_path(url: str) -> str | None:
    """What follows ``arxiv.org/abs/`` (well formed or not), for the linter."""
    match = _ARXIV_URL.search(url)
    return _TRAILING_PDF.sub("", match.group(1)) if match else None


def doi(url: str) -> str | None:
    match = _DOI.search(url)
    if not match:
        return None
    return _TRAILING_PDF.sub("", match.group(1)).lower()


def openreview_id(url: str) -> str | None:
    match = _OPENREVIEW.search(url)
    return match.group(1) if match else None


def normalise_url(url: str) -> str | None:
    """Scheme-, ``www.``- and trailing-slash-insensitive form of a URL, or None if not a URL."""
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits, one space between words (for titles and slugs)."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_only))


def identity_keys(content: EntryContent) -> list[str]:
    """Identity keys of an entry, strongest first (see the module docstring)."""
    keys: list[str] = []
    url = content.url
    if url:
        if (found := arxiv_id(url)) is not None:
            keys.append(f"arxiv:{found}")
        if (found := doi(url)) is not None:
            keys.append(f"doi:{found}")
        if (found := openreview_id(url)) is not None:
            keys.append(f"openreview:{found}")
        if (found := normalise_url(url)) is not None:
            keys.append(f"url:{found}")
    title = fold(content.title)
    if title:
        keys.append(f"title:{title}|{content.year or ''}")
    return keys


def paper_identity(url: str) -> str | None:
    """The strongest identity key of a paper's URL (arXiv id, DOI, OpenReview id, the URL),
    which names one paper whatever the text says of it; None for no URL or a site's front
    page (``github.com``).  Every key comes from the URL alone, so two URLs with one key in
    common share their strongest one too."""
    if not url:
        return None
    if (found := arxiv_id(url)) is not None:
        return f"arxiv:{found}"
    if (found := doi(url)) is not None:
        return f"doi:{found}"
    if (found := openreview_id(url)) is not None:
        return f"openreview:{found}"
    found = normalise_url(url)
    return f"url:{found}" if found is not None and "/" in found else None


def titles_agree(first: str, second: str) -> bool:
    """Whether two titles can name one paper: the same words, one a short name of the
    other (``CLIP`` and ``CLIP: Learning Transferable…``), or three quarters of the shorter
    title's words in the longer.  Two entries with one arXiv id and unrelated titles are a wrong
    link in the list (``check`` says so), not one paper to merge."""
    a, b = fold(first), fold(second)
    if not a or not b:
        return True  # no title to disagree with
    if a.replace(" ", "").startswith(b.replace(" ", "")) or b.replace(" ", "").startswith(
        a.replace(" ", "")
    ):
        return True
    words_a = {w for w in a.split() if w not in _STOP_WORDS}
    words_b = {w for w in b.split() if w not in _STOP_WORDS}
    shorter = min(len(words_a), len(words_b))
    return shorter > 0 and len(words_a & words_b) * 4 >= shorter * 3


# --------------------------------------------------------------------------- ids and slugs

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "for",
        "in",
        "on",
        "at",
        "to",
        "with",
        "from",
        "by",
        "via",
        "as",
        "is",
        "are",
        "be",
        "its",
        "it",
        "do",
        "does",
        "what",
        "how",
        "why",
        "when",
        "which",
        "towards",
        "toward",
        "into",
        "over",
        "under",
        "than",
        "more",
        "not",
    ]
)


def slugify(text: str, *, max_words: int = 8) -> str:
    words = fold(text).split()
    return "-".join(words[:max_words])


def section_slug(path: tuple[str, ...], taken: Container[str]) -> str:
    """A section's file name (``research-areas--multimodal-fusion``), derived from its path
    as a reading of the Markdown derives it, with ``-2``, ``-3``… past ``taken``."""
    base = "--".join(slugify(name, max_words=6) or "section" for name in path) or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class IdAllocator:
    """Hands out short, readable entry ids: up to five significant title words and the year,
    with ``-2``, ``-3``… for repeats.  Remembers the next suffix per base, so a list with many
    repeated titles costs linear time."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)
        self._next: dict[str, int] = {}

    def allocate(self, title: str, year: int | None) -> str:
        folded = fold(title).split()
        words = [w for w in folded if w not in _STOP_WORDS] or folded
        base = "-".join(words[:5])[:100].rstrip("-") or "entry"
        if year is not None:
            base = f"{base}-{year}"
        candidate, n = base, self._next.get(base, 2)
        while candidate in self.taken:
            candidate, n = f"{base}-{n}", n + 1
        self._next[base] = n
        self.taken.add(candidate)
        return candidate


ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
