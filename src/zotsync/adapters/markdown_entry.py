"""One entry's Markdown text <-> its fields and its own style.

The text of an entry is what follows the list bullet (the frame keeps the bullet), possibly on
several lines.  Reading it takes three steps:

1. :func:`~zotsync.adapters.markdown_scan.scan` cuts it into pieces (text, link, bold,
   italic), as CommonMark reads them.
2. :func:`parse_entry_text` files the pieces under fields: the title (and before it a lead,
   :func:`_read_lead`: an alias, a date, a citation's authors), then the date (venue and
   year), the extra links, the authors and any leftover note, each with the literal
   separator before it.  Those separators and forms make the entry's own
   :class:`~zotsync.core.entries.EntryStyle`.
3. :func:`render_entry` is the inverse for a style; a section's style is the own style that
   reproduces most of its entries (:func:`infer_style`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache

from zotsync.adapters.markdown_scan import Piece, plain_text, scan, unescape
from zotsync.core.dates import YEAR, parse_date
from zotsync.core.entries import DATE_FORMS, Entry, EntryContent, EntryStyle
from zotsync.core.escape import markdown_destination, markdown_line_start, markdown_text
from zotsync.core.names import (
    authors_et_al,
    et_al_at,
    first_inverted_names,
    last_first_names,
    looks_like_authors,
    without_et_al,
)

# --------------------------------------------------------------------------- reading fields

_SEP_CHARS = " \t\r\n,.;:|\\-\u2013\u2014"
_URL_LABELS = {"paper", "pdf", "arxiv", "link", "url"}
_KIND_SPLIT = re.compile(r"^([A-Za-z][A-Za-z ]{0,20})--(.+)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    content: EntryContent
    style: EntryStyle


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _split_sep(text: str) -> tuple[str, str, str]:
    """(separators before, the text, separators after); an HTML ``<br>`` is a separator."""
    stripped_left = text.lstrip(_SEP_CHARS)
    while stripped_left[:1] == "<" and (found := _BREAK.match(stripped_left)) is not None:
        stripped_left = stripped_left[found.end() :].lstrip(_SEP_CHARS)
    lead = text[: len(text) - len(stripped_left)]
    core = stripped_left.rstrip(_SEP_CHARS)
    while core.endswith(">") and (found := _BREAK.search(core, max(0, len(core) - 8))):
        if found.end() != len(core):
            break
        core = core[: found.start()].rstrip(_SEP_CHARS)
    trail = stripped_left[len(core) :]
    return lead, core, trail


_DATE_COMMA = re.compile(r"^(.*?(?:19|20)\d\d\)?)(,[ \t]+)(.+)$")
_ENDS_IN_INITIAL = re.compile(r"(?:^|[\s.])[A-Z]\Z")
_INITIALLED = re.compile(r"(?:[A-Z]\.[ \t]?){1,3}[A-Z][\w'’-]+")  # "R. Girshick", one author


def _date_then_authors(core: str) -> tuple[str, str, str] | None:
    """``(2015), K. He et al`` -> ("(2015)", ", ", "K. He et al"): a date, then its authors."""
    found = _DATE_COMMA.match(core)
    if found is None:
        return None
    if not looks_like_authors(found.group(3)) and not _INITIALLED.fullmatch(found.group(3)):
        return None
    return found.group(1), found.group(2), found.group(3)


def _label_link(piece: Piece) -> tuple[str, str, str] | None:
    """An extra link (label, url, form) if ``piece`` is one, else None."""
    if piece.kind != "link" or piece.form == "auto":
        return None
    if piece.form:
        return unescape(piece.text), piece.url, piece.form
    if piece.text.startswith("[") and piece.text.endswith("]") and len(piece.text) > 2:
        return unescape(piece.text[1:-1]), piece.url, "[[{label}]]({url})"
    return unescape(piece.text), piece.url, "[{label}]({url})"


def _merge_wrapped_links(pieces: list[Piece]) -> list[Piece]:
    """``[`` + link + ``]`` (the ``[[Paper](url)]`` form) becomes one wrapped link piece."""
    if not any(p.kind == "text" and p.text.endswith("[") for p in pieces):
        return pieces
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if (
            p.kind == "text"
            and p.text.endswith("[")
            and i + 2 < len(pieces)
            and pieces[i + 1].kind == "link"
            and pieces[i + 2].kind == "text"
            and pieces[i + 2].text.startswith("]")
        ):
            link, after = pieces[i + 1], pieces[i + 2]
            if len(p.text) > 1:
                out.append(Piece("text", p.text[:-1], p.raw[:-1]))
            out.append(
                Piece("link", link.text, "[" + link.raw + "]", link.url, "[[{label}]({url})]")
            )
            rest = after.text[1:]
            if rest:
                pieces[i + 2] = Piece("text", rest, rest)
                i += 2
            else:
                i += 3
            continue
        out.append(p)
        i += 1
    return out


def _title_piece(pieces: list[Piece]) -> tuple[str, str, str, str, int] | None:
    """(title form, title, url, kind, pieces used) for the entry's first piece, or None."""
    if not pieces:
        return None
    first = pieces[0]
    if first.kind == "link" and first.form not in ("auto", "[[{label}]({url})]"):
        label = first.text
        if label.startswith("!["):
            return None
        if label.startswith("[") and label.endswith("]") and len(label) > 2:
            split = _KIND_SPLIT.match(label[1:-1])  # on the source: ``\--`` is no separator
            if split:
                return "label", unescape(split.group(2)), first.url, split.group(1), 1
            return "label", unescape(label[1:-1]), first.url, "", 1
        return "link", unescape(label), first.url, "", 1
    if first.kind == "bold" and first.children is not None:
        kids = first.children
        if len(kids) == 1 and kids[0].kind == "link" and not kids[0].text.startswith("!["):
            return "bold_link", unescape(kids[0].text), kids[0].url, "", 1
        if any(k.kind in ("link", "image") for k in kids):
            return None
        return "bold", unescape(first.text), "", "", 1
    if first.kind == "text" and len(pieces) > 1:
        nxt = pieces[1]
        lead, core, _trail = _split_sep(first.text)
        if (
            not lead
            and nxt.kind == "link"
            and (nxt.text.startswith("[") or nxt.form == "[[{label}]({url})]")
            and len(core.split()) >= 2
            and "\n" not in core
            and "[" not in core
        ):
            return "plain", unescape(core), "", "", 1
    return None


LABELLED_URL = re.compile(
    r"^[ \t]*[-*+][ \t]+(?P<label>[^:：\n]{1,40}?)[ \t]*[:：][ \t]*(?P<value>\S*)[ \t]*\r?$"
)
_NO_LINK = {"", "none", "-", "n/a", "null", "todo", "暂无", "无"}
_PAPER_WORDS = ("paper", "pdf", "arxiv", "论文")


_ABBREVIATIONS = {
    "al", "etc", "inc", "co", "ltd", "corp", "vs", "jr", "sr", "st", "no", "vol", "pp", "ed",
    "eds", "fig", "approx", "dept", "univ", "proc", "conf", "int", "e.g", "i.e",
}  # fmt: skip


def _ends_in_period(title: str) -> bool:
    """A title's final period that is punctuation (``Title.``, ``in 3D.``), not an ellipsis
    or the dot of an abbreviation or initial (``U.S.``, ``et al.``, ``Vol.``, ``B.``)."""
    if not title.endswith(".") or title.endswith(".."):
        return False
    last = title.rsplit(None, 1)[-1][:-1]
    if not last or "." in last or last.casefold() in _ABBREVIATIONS:
        return False
    return not (len(last) == 1 and last.isalpha())


_YEAR_IN_PARENS = re.compile(r"\((?:19|20)\d\d\)")


def _title_before_year(text: str) -> int | None:
    """Where a plain title ends when a ``(2014)`` follows it after blanks, else None.  (One
    scan for the year: a pattern with the blanks in front would be quadratic on a long run
    of them.)"""
    for found in _YEAR_IN_PARENS.finditer(text):
        if found.start() > 0 and text[found.start() - 1] in " \t":
            end = len(text[: found.start()].rstrip(" \t"))
            if end > 0:
                return end
    return None


_PLAIN_BOLD = re.compile(r"\*\*([^*_`\[\]<>\\&!]+)\*\*")


def bold_title_line(line: str) -> str | None:
    """The title of a line that is only bold text (``**Title**``), else None."""
    stripped = line.strip()
    if not stripped.startswith("**"):
        return None
    plain = _PLAIN_BOLD.fullmatch(stripped)
    if plain is not None:  # no markup inside: the scan would find just this
        return " ".join(plain.group(1).split()) or None
    pieces = scan(stripped)
    if len(pieces) != 1 or pieces[0].kind != "bold" or pieces[0].children is None:
        return None
    return " ".join(plain_text(pieces[0].children).split()) or None


def parse_link_list(text: str) -> ParsedEntry | None:
    """``**Title**`` on its own line, then bullets ``- Label: URL`` (``None`` where there is
    no link): one entry, its URL the bullet labelled paper/pdf/arXiv (else the first)."""
    first, _, rest = text.partition("\n")
    title = bold_title_line(first.rstrip("\r"))
    lines = rest.split("\n")
    if title is None or not rest.strip():
        return None
    items = []
    for line in lines:
        if not line.strip():
            continue
        found = LABELLED_URL.match(line)
        if found is None:
            return None
        items.append((found.group("label"), found.group("value")))
    urls = [(label, value) for label, value in items if value.casefold() not in _NO_LINK]
    if not all(value.startswith(("http://", "https://")) for _, value in urls):
        return None
    papers = [
        n for n, (label, _) in enumerate(urls) if any(w in label.casefold() for w in _PAPER_WORDS)
    ]
    paper = papers[0] if papers else (0 if urls else None)
    url_label, url = urls.pop(paper) if paper is not None else ("", "")
    first_bullet = next(n for n, line in enumerate(lines) if line.strip())
    style = EntryStyle(
        title="bold",
        parts=("links",),
        seps=("\n" * (first_bullet + 1),),
        link_form="- {label}: {url}",
        link_sep="\n",
        url_label=url_label,
    )
    return ParsedEntry(EntryContent(title=title, url=url, links=tuple(urls)), style)


_LEAD_TOKEN = re.compile(
    r"(?P<date>\((?P<date_in>[^()\n]{0,80}?(?<![\d.:/])(?:1[89]|20)\d\d(?![\d.])[^()\n]{0,12})\))"
    r"|(?P<alias>\[(?P<alias_in>[^\[\]\n]{1,60})\])"
    r"|(?P<mark>[^\w\s()\[\]*_`\"“”'‘’,.:;|\\<>&-]+)"
)
_LEAD_SEP = re.compile(r"[ \t:;,|–—-]*")
_QUOTES = '"“'
_MAX_AUTHORS_TEXT = 3000


@dataclass(slots=True)
class _Lead:
    """What a list writes before an entry's title (see ``lead_parts`` of EntryStyle)."""

    parts: list[str]
    seps: list[str]
    alias: str = ""
    alias_form: str = "{alias}"
    venue: str = ""
    year: int | None = None
    date_form: str | None = None
    date_wrap: str = "{date}"
    authors: tuple[str, ...] = ()
    author_last: str | None = None
    et_al_form: str = ""
    author_order: str = "first_last"
    note: str = ""

    def add(self, name: str) -> None:
        self.parts.append(name)
        self.seps.append("")


_LINK_WORDS = {
    "pdf", "paper", "code", "arxiv", "project", "website", "link", "url", "github", "video",
    "slides", "blog", "demo", "page", "homepage", "data", "dataset", "poster", "talk",
}  # fmt: skip


def _label_word(label: str) -> bool:
    """Whether a link's label names a kind of link (``pdf``, ``Code``), not a paper."""
    return label.strip().casefold() in _LINK_WORDS


def _alias_piece(piece: Piece) -> tuple[str, str] | None:
    """(alias, form) of a bold alias (``**Ref-Reasoning**``, ``**[4]**``), or None."""
    if piece.kind != "bold" or not piece.children or len(piece.children) != 1:
        return None
    text = piece.children[0].raw if piece.children[0].kind == "text" else ""
    if not text or len(text) > 60 or "\n" in text:
        return None
    if text.startswith("[") and text.endswith("]") and len(text) > 2:
        return unescape(text[1:-1]), "**[{alias}]**"
    return unescape(text), "**{alias}**"


def _lead_authors(lead: _Lead, text: str) -> bool:
    """Read a citation's authors (the text right before its title) into ``lead``."""
    found = et_al_at(text)
    names_text = text[: found.start()] if found else text
    if found:
        lead.et_al_form = found.group(1)
    by_bibtex = last_first_names(names_text)
    if by_bibtex is not None:
        lead.authors, lead.author_last, lead.author_order = by_bibtex, " and ", "last_first"
    elif (inverted := first_inverted_names(names_text)) is not None:
        lead.authors, lead.author_last = inverted
        lead.author_order = "first_inverted"
    elif looks_like_authors(text):
        lead.authors, lead.author_last, lead.et_al_form = authors_et_al(text)
    else:
        return False
    lead.add("authors")
    return True


def _lead_text(lead: _Lead, text: str, last: bool) -> bool:
    """Read one text piece before the title into ``lead``; False if it is no lead."""
    pos = 0
    while pos < len(text):
        sep = _LEAD_SEP.match(text, pos)
        if sep is not None and sep.end() > pos:
            if not lead.parts:
                return False
            lead.seps[-1] += sep.group()
            pos = sep.end()
            continue
        token = _LEAD_TOKEN.match(text, pos)
        if token is None:
            return last and "authors" not in lead.parts and _lead_rest(lead, text[pos:])
        if token.group("date") and "date" not in lead.parts:
            lead.venue, lead.year, lead.date_form = parse_date(unescape(token.group("date_in")))
            lead.date_wrap = "({date})"
            lead.add("date")
        elif token.group("alias") and not lead.alias:
            lead.alias, lead.alias_form = unescape(token.group("alias_in")), "[{alias}]"
            lead.add("alias")
        elif token.group("mark") and not lead.parts:
            lead.note = token.group("mark")
            lead.add("note")
        else:
            return False
        pos = token.end()
    return True


def _lead_rest(lead: _Lead, rest: str) -> bool:
    """The authors that end a lead, with the punctuation before the title (a text longer
    than any author list is none: a paragraph before a bold word)."""
    if len(rest) > _MAX_AUTHORS_TEXT:
        return False
    core = rest.rstrip(" \t" + _QUOTES)
    if _closes_sentence(core):
        core = core[:-1]  # the sentence's period, not an initial's
    if not core or not _lead_authors(lead, unescape(core)):
        return False
    lead.seps[-1] = rest[len(core) :]
    return True


def _title_follows(pieces: list[Piece], index: int) -> bool:
    """Whether the first piece after the texts from ``index`` on can be a title."""
    while index < len(pieces) and pieces[index].kind == "text":
        index += 1
    if index >= len(pieces):
        return False
    title = pieces[index]
    if title.kind == "bold":
        return True
    return (
        title.kind == "link"
        and title.form != "auto"
        and not title.text.startswith("[")
        and not _label_word(title.text)
    )


def _read_lead(pieces: list[Piece]) -> tuple[_Lead, int] | None:
    """What comes before the title of a citation or a tagged entry, and the title's index:
    ``(CVPR 2023) [💬 Tag] **Title**``, ``**Alias**: Last, First, et al. **Title.**``,
    ``Last, First et al. **Title.**``; None if the entry does not start so."""
    lead = _Lead([], [])
    index = 0
    if pieces and (alias := _alias_piece(pieces[0])) is not None:
        lead.alias, lead.alias_form = alias
        lead.add("alias")
        index = 1
    if not _title_follows(pieces, index):
        return None  # checked first: most entries have no lead, and the texts cost more
    while index < len(pieces) and pieces[index].kind == "text":
        last = index + 1 < len(pieces) and pieces[index + 1].kind != "text"
        if not _lead_text(lead, pieces[index].text, last):
            return None
        index += 1
    if not lead.parts or index >= len(pieces):
        return None
    if lead.parts == ["alias"] and lead.alias_form == "**{alias}**":
        return None  # "**Title**, **Best paper**": a bold title, then bold text
    if lead.parts == ["alias"] and lead.alias_form.startswith("**") and index == 1:
        return None  # "**A** **B**": two bold texts, no lead
    title = pieces[index]
    if title.kind not in ("bold", "link") or title.form == "auto":
        return None
    if title.kind == "link" and (title.text.startswith("[") or _label_word(title.text)):
        return None  # "**Title** (2015), K. He et al. [[pdf]](…)": that link is no title
    return lead, index


def _bold_date(piece: Piece) -> tuple[str, int | None, str | None] | None:
    """The venue and year of a bold date (``**[ICCV' 17]**``, ``**CVPR 2019**``), or None."""
    text = plain_text(piece.children or []).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if len(text) > 60 or not any(c.isdigit() for c in text):
        return None
    date = parse_date(text)
    return date if date[1] is not None and date[0] else None


def _without_period(text: str) -> str:
    """An author text without the period that ends its sentence (``Austin Myers.``), an
    initial's kept (``Geoffrey E.``)."""
    core = text.rstrip()
    return core[:-1] if _closes_sentence(core) else text


def _closes_sentence(text: str) -> bool:
    """Whether a text's final period ends its sentence, not an initial (``Geoffrey E.``)."""
    return text.endswith(".") and not _ENDS_IN_INITIAL.search(text[:-1])


class _Tail:
    """What follows an entry's title, read piece by piece into fields and the style's parts
    (each part with the literal text before it)."""

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self.taken = set(taken)  # parts the lead already read
        self.parts: list[str] = []
        self.seps: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.link_forms: list[str] = []
        self.link_seps: list[str] = []
        self.authors: tuple[str, ...] = ()
        self.author_last: str | None = None
        self.et_al_form = ""
        self.author_order, self.author_sep = "first_last", ", "
        self.authors_form = "{authors}"
        self.venue = ""
        self.year: int | None = None
        self.date_form: str | None = None
        self.date_italic = False
        self.notes: list[str] = []
        self.pending = ""

    def free(self, name: str) -> bool:
        return name not in self.parts and name not in self.taken

    def _part(self, name: str) -> None:
        self.parts.append(name)
        self.seps.append(self.pending)

    def read(self, tail: list[Piece]) -> None:
        for i, piece in enumerate(tail):
            link = _label_link(piece)
            if link is not None:
                self._link(*link)
            elif piece.kind == "text":
                self._text(piece, i + 1 < len(tail) and tail[i + 1].kind == "italic")
            elif piece.kind == "italic" and self.free("date") and YEAR.search(piece.text):
                self.venue, self.year, self.date_form = parse_date(plain_text(piece.children or []))
                self.date_italic = True  # "*TKDE 2021*"
                self._part("date")
                self.pending = ""
            elif piece.kind == "bold" and self.free("date") and (date := _bold_date(piece)):
                self.venue, self.year, _ = date  # "**[ICCV' 17]**": no form writes it back
                self._part("date")
                self.pending = ""
            elif piece.kind == "italic" and self.free("authors") and not YEAR.search(piece.text):
                names = authors_et_al(_without_period(plain_text(piece.children or [])))
                self.authors, self.author_last, self.et_al_form = names
                self.authors_form = "*{authors}*"
                self._part("authors")
                self.pending = ""
            else:
                self.notes.append(piece.raw)
                self._part("note")
                self.pending = ""

    def _link(self, label: str, url: str, form: str) -> None:
        if self.parts and self.parts[-1] == "links" and self.pending.strip(" ,|") == "":
            self.link_seps.append(self.pending)
        else:
            self._part("links")
        self.links.append((label, url))
        self.link_forms.append(form)
        self.pending = ""

    def _text(self, piece: Piece, next_is_italic: bool) -> None:
        lead, core, trail = _split_sep(piece.text)
        if not core or (next_is_italic and core.lower() in ("by", "by:")):
            self.pending += piece.text
            return
        self.pending += lead
        dated = _date_then_authors(core) if self.free("date") and self.free("authors") else None
        if dated is not None:  # "(2015), K. He et al.": the date, then the authors
            self.venue, self.year, self.date_form = parse_date(unescape(dated[0]))
            self._part("date")
            self.pending, core = dated[1], dated[2]
        person = dated is not None and _INITIALLED.fullmatch(unescape(core)) is not None
        if self.free("authors") and (person or looks_like_authors(unescape(core))):
            if trail.startswith(".") and _ENDS_IN_INITIAL.search(core):
                core, trail = core + ".", trail[1:]  # "Lowe, David G.": the initial's period
            self.authors, self.author_last, self.et_al_form = authors_et_al(unescape(core))
            self.authors_form = "{authors}"
            if last_first_names(without_et_al(unescape(core))) is not None:
                self.author_order, self.author_sep = "last_first", " and "
            self.parts.append("authors")
        elif self.free("date") and (YEAR.search(core) or "links" not in self.parts):
            self.venue, self.year, self.date_form = parse_date(unescape(core))
            self.parts.append("date")
        else:
            self.notes.append(unescape(core))
            self.parts.append("note")
        self.seps.append(self.pending)
        self.pending = trail


def _title_and_tail(pieces: list[Piece]) -> tuple[str, str, str, str, list[Piece]] | None:
    """(title form, title, url, kind, the pieces after the title), or None: no entry."""
    head = _title_piece(pieces)
    if head is None:
        return None
    title_form, title, url, kind, used = head
    if title_form != "plain":
        return title_form, title, url, kind, pieces[used:]
    core_len = len(pieces[0].text.rstrip(_SEP_CHARS))
    title_end = _title_before_year(pieces[0].text[:core_len])
    if title_end is not None:  # "Title (2014), C. Szegedy et al. [[pdf]](…)": the title ends
        core_len = title_end
        title = unescape(pieces[0].text[:title_end])
    rest_text = pieces[0].text[core_len:]
    tail = [Piece("text", rest_text, rest_text), *pieces[1:]] if rest_text else pieces[1:]
    return title_form, title, url, kind, tail


def _numbered(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Links with a label given twice numbered: ``code``, ``code (2)``."""
    if len({label for label, _ in links}) == len(links):
        return links
    seen: Counter[str] = Counter()
    unique = []
    for label, link_url in links:
        seen[label] += 1
        unique.append((label if seen[label] == 1 else f"{label} ({seen[label]})", link_url))
    return unique


_Found = tuple[str, str, str, str, list[Piece]]


def _find_title(pieces: list[Piece]) -> tuple[_Lead | None, _Found | None, Piece | None]:
    """The entry's lead (if it has one), its title and tail, and the title's piece.  An
    entry that opens with bold text may be a citation whose first bold is an alias
    (``**Ref-Reasoning**: Yang, Sibei… **Title.**``): that reading is tried first; for other
    entries, second."""

    def with_lead() -> tuple[_Lead | None, _Found | None, Piece | None]:
        read = _read_lead(pieces)
        if read is None:
            return _title_after_alias(pieces)
        found = _title_and_tail(pieces[read[1] :])
        if found is None or found[0] == "plain":
            return None, None, None
        return read[0], found, pieces[read[1]]

    bold_first = bool(pieces) and pieces[0].kind == "bold"
    if bold_first and (led := with_lead())[1] is not None:
        return led
    found = _title_and_tail(pieces)
    if found is not None or bold_first:
        return None, found, pieces[0] if pieces else None
    return with_lead()


_PLAIN_AFTER_ALIAS = re.compile(r"([ \t]+)([^|\n]*[^|\s])([ \t]*(?:\|.*)?)\Z", re.DOTALL)


def _title_after_alias(
    pieces: list[Piece],
) -> tuple[_Lead | None, _Found | None, Piece | None]:
    """``**[RetinaNet]** Focal Loss for Dense Object Detection | **[ICCV' 17]** | [pdf](…)``:
    a bracketed bold alias, then a plain title up to a ``|`` (or the next markup)."""
    alias = _alias_piece(pieces[0]) if pieces else None
    if alias is None or alias[1] != "**[{alias}]**" or len(pieces) < 3 or pieces[1].kind != "text":
        return None, None, None
    found = _PLAIN_AFTER_ALIAS.match(pieces[1].text)
    if found is None or len(found.group(2).split()) < 2:
        return None, None, None
    lead = _Lead(["alias"], [found.group(1)], alias=alias[0], alias_form=alias[1])
    rest = found.group(3)
    tail = [Piece("text", rest, rest), *pieces[2:]] if rest else pieces[2:]
    return lead, ("plain", unescape(found.group(2)), "", "", tail), pieces[1]


def _raw_title(piece: Piece | None) -> str:
    """The title's source text (escapes kept) in its piece."""
    if piece is None:
        return ""
    if piece.kind == "bold" and piece.children and piece.children[0].kind == "link":
        return piece.children[0].text
    return piece.text


def title_closes_sentence(raw: str) -> bool:
    """Whether a title's final period (in its source) closes the list's sentence
    (``**Title.**``): not an escaped ``\\.``, an ellipsis or an abbreviation's dot."""
    if not raw.endswith(".") or raw.endswith("\\."):
        return False
    return _ends_in_period(unescape(raw.replace("\\.", "x")))


def _closing_quote(lead: _Lead | None, tail: list[Piece]) -> str:
    """The ``."`` after a quoted title (``et al. "**Title**." NIPS 2012``), taken off the tail."""
    if lead is None or not lead.seps or not lead.seps[-1].endswith(tuple(_QUOTES)) or not tail:
        return ""
    first = tail[0]
    found = re.match(r"[.,]?[\"”]", first.text) if first.kind == "text" else None
    if found is None:
        return ""
    rest = first.text[found.end() :]
    if rest:
        tail[0] = Piece("text", rest, rest)
    else:
        tail.pop(0)
    return found.group()


def parse_entry_text(text: str) -> ParsedEntry | None:
    """Fields and own style of an entry's text, or None if the text is not an entry.

    An entry starts with its title (a link, bold text, a ``[[Kind--Title]](url)`` link, or a
    plain title followed by an extra link) and has at least one link, possibly empty ``()``;
    or it is a bold title over bullets of bare URLs (:func:`parse_link_list`).  A lead may
    come before the title: a date, an alias or tag, a citation's authors (:func:`_read_lead`).
    """
    if not text or text[0].isspace():
        return None
    if text.startswith("**") and "\n" in text and (listed := parse_link_list(text)):
        return listed
    lead, found, title_piece = _find_title(_merge_wrapped_links(scan(text)))
    if found is None or found[2].startswith("#"):
        return None  # no title, or a table-of-contents link: not a paper
    title_form, title, url, kind, pieces = found
    # "**Title.**": the period closes the list's sentence, not the title (a reader cites it
    # without); the section's style writes it back.
    title_period = title_form in ("bold", "bold_link", "link") and title_closes_sentence(
        _raw_title(title_piece)
    )
    if title_period:
        title = title[:-1]
    inner = _ALIAS_IN_TITLE.match(title) if title_form in ("bold", "bold_link") else None
    if lead is None and inner is not None:
        # "**(*ICCV2019_VideoBERT*) Title.**": the alias opens the title
        lead = _Lead([], [], alias=unescape(inner.group(2)).strip("*_"))
        title = inner.group(3)
    tail = _Tail(tuple(lead.parts) if lead else ())
    tail.pending = _closing_quote(lead, pieces)
    tail.read(pieces)
    links = tail.links
    url_label = ""
    if not url and links and title_form in ("bold", "plain"):
        url_label, url, links = _url_of_links(links)
    if not url and not links and title_form in ("bold", "plain"):
        return None  # a bold line without any link is a group heading, not an entry
    content = _content(lead, tail, title, url, kind, links)
    return ParsedEntry(content, _style(lead, tail, title_form, url_label, title_period))


def _url_of_links(links: list[tuple[str, str]]) -> tuple[str, str, list[tuple[str, str]]]:
    """(label, url, other links) of an entry whose title has no link: its paper is the link
    labelled paper/pdf/arXiv, else the first (``[[Website]](…)`` of a dataset)."""
    for n, (label, link_url) in enumerate(links):
        if label.lower() in _URL_LABELS or any(w in label.casefold() for w in _PAPER_WORDS):
            return label, link_url, links[:n] + links[n + 1 :]
    return links[0][0], links[0][1], links[1:]


_ALIAS_IN_TITLE = re.compile(r"^(\(|\[)([^()\[\]\n]{1,60})[)\]][ \t]+(\S.*)\Z", re.DOTALL)
_ALIAS_DATE = re.compile(r"^([A-Z][A-Za-z]{1,11})['’]?((?:19|20)\d\d)[_-]")  # ICCV2019_VideoBERT


def _content(
    lead: _Lead | None, tail: _Tail, title: str, url: str, kind: str, links: list[tuple[str, str]]
) -> EntryContent:
    source = lead if lead is not None and "date" in lead.parts else tail
    dated = _ALIAS_DATE.match(lead.alias) if lead is not None else None
    if dated is not None and source.year is None and not source.venue:  # the tag names both
        source = _Lead([], [], venue=dated.group(1), year=int(dated.group(2)))
    named = lead if lead is not None and "authors" in lead.parts else tail
    notes = [lead.note] if lead is not None and lead.note else []
    return EntryContent(
        title=title,
        url=url,
        venue=source.venue,
        year=source.year,
        authors=named.authors,
        links=tuple(_numbered(links)),
        kind=kind,
        note=" ".join(notes + tail.notes),
        et_al=bool(named.et_al_form),
        alias=lead.alias if lead is not None else "",
    )


def _style(
    lead: _Lead | None, tail: _Tail, title_form: str, url_label: str, title_period: bool
) -> EntryStyle:
    defaults = _DEFAULT_STYLE
    dated = lead if lead is not None and "date" in lead.parts else tail
    named = lead if lead is not None and "authors" in lead.parts else None
    return EntryStyle(
        title=title_form,
        parts=tuple(tail.parts),
        seps=tuple(tail.seps),
        end=tail.pending.rstrip(" \t"),  # trailing blanks are a quirk of one line, not a style
        date_form=dated.date_form or defaults.date_form,
        link_form=tail.link_forms[0] if tail.link_forms else defaults.link_form,
        link_sep=tail.link_seps[0] if tail.link_seps else defaults.link_sep,
        url_label=url_label,
        authors_form=tail.authors_form,
        author_last=(named or tail).author_last or defaults.author_last,
        et_al_form=(named or tail).et_al_form or defaults.et_al_form,
        author_order=(named or tail).author_order,
        author_sep=" and " if named and named.author_order == "last_first" else tail.author_sep,
        date_italic=tail.date_italic,
        title_period=title_period,
        lead_parts=tuple(lead.parts) if lead else (),
        lead_seps=tuple(lead.seps) if lead else (),
        alias_form=lead.alias_form if lead else defaults.alias_form,
        date_wrap=lead.date_wrap if lead else defaults.date_wrap,
    )


# --------------------------------------------------------------------------- writing

# Text from an entry is escaped by one function, shared with the headings (zotsync.core.escape).
escape = markdown_text
destination = markdown_destination


def _render_date(content: EntryContent | Entry, form: str) -> str:
    venue, year = escape(content.venue), content.year
    if venue and year is not None:
        if "{venue}" not in form or "{year}" not in form:
            form = "{venue} {year}"
        return form.format(venue=venue, year=year)
    if year is not None:
        return f"({year})" if "({year})" in form else str(year)
    return venue


def _turned(name: str) -> str:
    """``Gustav Larsson`` as ``Larsson, Gustav``."""
    if " " not in name:
        return name
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"


def _render_authors(content: EntryContent | Entry, style: EntryStyle) -> str:
    names = [escape(name) for name in content.authors]
    if style.author_order == "last_first":
        names = [_turned(name) for name in names]
    elif style.author_order == "first_inverted" and names:
        names[0] = _turned(names[0])
    if not names:
        return ""
    joined = (
        names[0]
        if len(names) == 1
        else style.author_sep.join(names[:-1]) + style.author_last + names[-1]
    )
    if content.et_al:
        joined += style.et_al_form
    return style.authors_form.format(authors=joined)


_DEFAULT_SEPS = {"date": ", ", "links": " ", "authors": ", by ", "note": " "}


def form_takes_period(style: EntryStyle) -> bool:
    return style.title in ("bold", "bold_link", "link")


def _render_title(content: EntryContent | Entry, style: EntryStyle) -> tuple[str, bool]:
    """The title in its form, and whether the URL is still to be written as a link."""
    title = escape(content.title)
    if form_takes_period(style) and title_closes_sentence(title):
        title = title[:-1] + "\\."  # the title's own period: the reader must not take it off
    title += "." if style.title_period and form_takes_period(style) else ""
    url = destination(content.url)
    form = style.title
    if form == "link":
        return f"[{title}]({url})", False
    if form == "bold_link":
        return f"**[{title}]({url})**", False
    if form == "label":
        kind = f"{escape(content.kind)}--" if content.kind else ""
        if not kind and _KIND_SPLIT.match(title):
            title = title.replace("--", "\\--", 1)  # not a "Kind--Title" label
        return f"[[{kind}{title}]]({url})", False
    # A plain title opens the entry's text: it must not start a heading or list there.
    return (f"**{title}**" if form == "bold" else markdown_line_start(content.title)), True


def _render_lead(content: EntryContent | Entry, style: EntryStyle, rendered: dict[str, str]) -> str:
    """What comes before the title; an alias the style has no place for is written in
    brackets first (``[DSSD] ``), which the reader takes back as the alias."""
    out = []
    if content.alias and "alias" not in style.lead_parts:
        out.append(f"[{escape(content.alias)}] ")
    for name, after in zip(style.lead_parts, style.lead_seps, strict=True):
        text = rendered.get(name, "")
        if name == "alias" and content.alias:
            text = style.alias_form.format(alias=escape(content.alias))
        elif name == "date" and text:
            text = style.date_wrap.format(date=text)
        if text:
            out.append(text)
            out.append(_after_et_al(text, after))
            rendered[name] = ""
    return "".join(out)


def _after_et_al(text: str, sep: str) -> str:
    """The separator after a part, without the period an ``et al.`` already wrote."""
    return sep[1:] if text.endswith(".") and sep.startswith(".") else sep


def render_entry(content: EntryContent | Entry, style: EntryStyle) -> str:
    """The entry's text (without the list bullet) in ``style``; inverse of the parser."""
    title, url_as_link = _render_title(content, style)
    links = list(content.links)
    if url_as_link and content.url:
        links.insert(0, (style.url_label or "paper", content.url))
    date = _render_date(content, style.date_form)
    rendered = {
        "date": f"*{date}*" if date and style.date_italic else date,
        "links": style.link_sep.join(
            style.link_form.format(label=escape(label), url=destination(link_url))
            for label, link_url in links
        ),
        "authors": _render_authors(content, style),
        "note": content.note,
    }
    out = [_render_lead(content, style, rendered), title]
    parts = list(zip(style.parts, style.seps, strict=True))
    # A date, a link or a note the style has no place for is still written (the README
    # must not hide them); authors are not: a list that names no authors (seed 000)
    # keeps them in the entries only.
    for name in ("date", "links", "note"):
        if name not in style.parts and name not in style.lead_parts:
            parts.append((name, _DEFAULT_SEPS[name]))
    previous = ""
    for name, sep in parts:
        if rendered[name]:
            if previous == "authors" and content.et_al:
                sep = _after_et_al(out[-1], sep)
            out.append(sep)
            out.append(rendered[name])
            rendered[name] = ""
            previous = name
    out.append(style.end)
    return "".join(out)


@cache
def _recordable(style: EntryStyle) -> EntryStyle | None:
    """The entry's own style as a section may take it: one its ``list.yaml`` can record (a
    citation's literal volume or pages in the date form give way to the plain form), or
    None."""
    if style.date_form not in DATE_FORMS:
        form = style.date_form
        plain = "{venue} ({year})" if "({year})" in form else "{venue} {year}"
        if "{venue}. " in form:
            plain = "{venue}. {year}"
        elif "{venue}, " in form:
            plain = "{venue}, {year}"
        style = replace(style, date_form=plain)
    try:
        style.validate()
    except ValueError:
        return None
    return style


_STYLE_SAMPLE = 200
_DEFAULT_STYLE = EntryStyle()


def infer_style(
    samples: list[tuple[str, ParsedEntry]], fallback: EntryStyle
) -> tuple[EntryStyle, list[bool] | None]:
    """The own style (of the five commonest) that writes back most entries exactly.

    Scored on at most 200 evenly spaced entries, so a long section costs no more than that;
    on a tie the style that says more wins.  Also returns, when every entry was scored,
    which entries the chosen style writes back (so the caller need not render them again).
    """
    if not samples:
        return fallback, []
    counts = Counter(
        recordable for _, parsed in samples if (recordable := _recordable(parsed.style))
    )
    candidates = [style for style, _ in counts.most_common(5)] or [fallback]
    candidates.sort(key=lambda style: -len(style.parts))  # stable: commonest first on a tie
    step = max(1, len(samples) // _STYLE_SAMPLE)
    scored = samples[::step]
    best, best_score, best_hits = candidates[0], (-1, -1), [False]
    for candidate in candidates:
        if best_score[0] == len(scored):
            break  # the rest say less and cannot write back more than everything
        hits = [render_entry(p.content, candidate) == text for text, p in scored]
        score = (sum(hits), len(candidate.parts))
        if score > best_score:
            best, best_score, best_hits = candidate, score, hits
    chosen = replace(best, bullet=fallback.bullet, blank_between=fallback.blank_between)
    return chosen, (best_hits if step == 1 else None)
