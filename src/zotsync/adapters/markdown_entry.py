"""One entry's Markdown text <-> its fields and its own style.

The text of an entry is what follows the list bullet (the frame keeps the bullet), possibly on
several lines.  Reading it takes three steps:

1. :func:`scan` cuts it into pieces (text, link, bold, italic) with markdown-it's own link
   helpers (``parseLinkLabel``, ``parseLinkDestination``, ``parseLinkTitle``), so nested
   brackets ``[[code]](url)``, destinations with parentheses, ``<...>`` destinations, empty
   ``()`` and escapes follow CommonMark.  A full inline parse costs four times more and gives
   nothing we use.
2. :func:`parse_entry_text` files the pieces under fields: the first piece is the title, then
   the date (venue and year), the extra links, the authors and any leftover note, each with
   the literal separator before it.  Those separators and forms make the entry's own
   :class:`~zotsync.core.entries.EntryStyle`.
3. :func:`render_entry` is the inverse for a style; a section's style is the own style that
   reproduces most of its entries (:func:`infer_style`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from zotsync.core.entries import Entry, EntryContent, EntryStyle
from zotsync.core.escape import markdown_destination, markdown_line_start, markdown_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_ENV: dict[str, object] = {}


@cache
def _markdown_it() -> MarkdownIt:
    """markdown-it, imported on first need: rendering entries from their style never needs it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


@dataclass(slots=True)
class Piece:
    """A run of entry text: ``text``, ``link``, ``bold``, ``italic`` or ``code``.

    For a link, ``text`` is the raw label and ``url`` the destination; ``form`` says how an
    extra link was written (see :data:`~zotsync.core.entries.LINK_FORMS`).  For bold and italic,
    ``text`` is the raw inner text and ``children`` its pieces.  ``raw`` is the source.
    """

    kind: str
    text: str
    raw: str
    url: str = ""
    form: str = ""
    children: list[Piece] | None = None


_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_ESCAPABLE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def unescape(text: str) -> str:
    return _ESCAPABLE.sub(r"\1", text) if "\\" in text else text


# Labels and destinations without these characters need none of the helpers' special cases
# (nested brackets, code spans, autolinks, escapes, entities, parentheses), so for them the
# plain scan below gives exactly the helpers' answer, ten times faster.
_SIMPLE_LABEL = re.compile(r"(?:[^\[\]`<\\]|\[[^\[\]`<\\]*\])*\]")
_SIMPLE_DEST = re.compile(r"[^\s()<>\\&\x00-\x1f\x7f]+(?=[)\s])")


def _try_link(src: str, start: int, end: int) -> tuple[int, str, int] | None:
    """If ``src[start]`` opens an inline link: (index after it, destination, label end)."""
    simple = _SIMPLE_LABEL.match(src, start + 1, end)
    if simple is not None:
        label_end = simple.end() - 1
    else:
        from markdown_it.helpers import parseLinkLabel
        from markdown_it.rules_inline import StateInline

        state = StateInline(src, _markdown_it(), _ENV, [])
        state.posMax = end
        label_end = parseLinkLabel(state, start, False)
    if label_end < 0 or label_end + 1 >= end or src[label_end + 1] != "(":
        return None
    pos = label_end + 2
    while pos < end and src[pos] in " \t\n":
        pos += 1
    url = ""
    if pos < end and src[pos] != ")":
        fast = _SIMPLE_DEST.match(src, pos, end)
        if fast is not None:
            url, pos = fast.group(), fast.end()
        else:
            from markdown_it.helpers import parseLinkDestination

            dest = parseLinkDestination(src, pos, end)
            if not dest.ok:
                return None
            url, pos = dest.str, dest.pos
        after_dest = pos
        while pos < end and src[pos] in " \t\n":
            pos += 1
        if pos < end and pos != after_dest and src[pos] in "\"'(":
            from markdown_it.helpers import parseLinkTitle

            title = parseLinkTitle(src, pos, end, None)
            if title.ok:
                pos = title.pos
                while pos < end and src[pos] in " \t\n":
                    pos += 1
    if pos >= end or src[pos] != ")":
        return None
    return pos + 1, url, label_end


def _find_closing(src: str, start: int, end: int, marker: str) -> int:
    """Index of the closing emphasis ``marker`` after ``start``, skipping escapes, or -1."""
    i = start
    n = len(marker)
    while i < end:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if src.startswith(marker, i) and not src[i - 1].isspace():
            after = src[i + n : i + n + 1]
            if n == 1 and after == marker:  # part of a ** run: not our closer
                i += 2
                continue
            if marker[0] == "_" and after.isalnum():
                i += 1
                continue
            return i
        i += 1
    return -1


def scan(src: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """Cut ``src[start:end]`` into pieces (see :class:`Piece`)."""
    end = len(src) if end is None else end
    pieces: list[Piece] = []
    text_start = i = start

    def flush(upto: int) -> None:
        if upto > text_start:
            chunk = src[text_start:upto]
            if pieces and pieces[-1].kind == "text":
                pieces[-1].text += chunk
                pieces[-1].raw += chunk
            else:
                pieces.append(Piece("text", chunk, chunk))

    while i < end:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = len(src[i:end]) - len(src[i:end].lstrip("`"))
            close = src.find("`" * run, i + run, end)
            i = close + run if close >= 0 else i + run
            continue
        if c == "[" or (c == "!" and src.startswith("[", i + 1)):
            open_at = i + 1 if c == "!" else i
            found = _try_link(src, open_at, end)
            if found is not None:
                after, url, label_end = found
                flush(i)
                kind = "image" if c == "!" else "link"
                pieces.append(Piece(kind, src[open_at + 1 : label_end], src[i:after], url))
                text_start = i = after
                continue
            i += 1
            continue
        if c == "<":
            auto = _AUTOLINK.match(src, i, end)
            if auto:
                flush(i)
                pieces.append(Piece("link", auto.group(1), auto.group(0), auto.group(1), "auto"))
                text_start = i = auto.end()
                continue
        if c in "*_" and i + 1 < end and not src[i + 1].isspace():
            if c == "_" and i > 0 and src[i - 1].isalnum():
                i += 1
                continue
            double = src.startswith(c * 2, i)
            marker = c * 2 if double else c
            inner_start = i + len(marker)
            if inner_start < end and not src[inner_start].isspace():
                close = _find_closing(src, inner_start, end, marker)
                if close > inner_start:
                    flush(i)
                    kind = "bold" if double else "italic"
                    children = scan(src, inner_start, close)
                    raw = src[i : close + len(marker)]
                    pieces.append(Piece(kind, src[inner_start:close], raw, children=children))
                    text_start = i = close + len(marker)
                    continue
            i += len(marker)
            continue
        i += 1
    flush(end)
    return pieces


# --------------------------------------------------------------------------- reading fields

_YEAR = re.compile(r"(?<![\d.:/])(1[89]\d\d|20\d\d)(?![\d.])")
_VENUE_YEAR = re.compile(r"([^\d]*[^\d\s(]) (1[89]\d\d|20\d\d)\Z")
_SEP_CHARS = " \t\r\n,.;:|\\-\u2013\u2014"
_URL_LABELS = {"paper", "pdf", "arxiv", "link", "url"}
_KIND_SPLIT = re.compile(r"^([A-Za-z][A-Za-z ]{0,20})--(.+)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    content: EntryContent
    style: EntryStyle


def _split_sep(text: str) -> tuple[str, str, str]:
    stripped_left = text.lstrip(_SEP_CHARS)
    lead = text[: len(text) - len(stripped_left)]
    core = stripped_left.rstrip(_SEP_CHARS)
    trail = stripped_left[len(core) :]
    return lead, core, trail


def parse_date(text: str) -> tuple[str, int | None, str | None]:
    """(venue, year, date form) of a date text; the form is None if no form writes it back."""
    common = _VENUE_YEAR.match(text)
    if common is not None:  # the usual "ICLR 2021": the general rules below give the same
        return common.group(1), int(common.group(2)), "{venue} {year}"
    matches = list(_YEAR.finditer(text))
    if not matches:
        return text, None, "{venue}"
    found = matches[-1]
    year = int(found.group(1))
    before, after = text[: found.start()], text[found.end() :]
    if before == "(" and after == ")":
        return "", year, "({year})"
    if not before and not after:
        return "", year, "{year}"
    if not after:
        for suffix, form in ((" (", None), (", ", "{venue}, {year}"), (" ", "{venue} {year}")):
            if before.endswith(suffix) and form and len(before) > len(suffix):
                return before[: -len(suffix)], year, form
    if after == ")" and before.endswith(" (") and len(before) > 2:
        return before[:-2], year, "{venue} ({year})"
    if not before and after.startswith(" ") and len(after) > 1:
        return after[1:], year, "{year} {venue}"
    venue = " ".join((before + " " + after).replace("()", " ").split())
    return venue, year, None


def split_authors(text: str) -> tuple[tuple[str, ...], str | None]:
    """Names in an author text, and the joiner before the last name (None if one name)."""
    match = re.match(r"^(.*?)(,? and |, & | & )([^,]+)$", text, re.DOTALL)
    if match:
        head, last_sep, last = match.groups()
        names = [name.strip() for name in head.split(",")] + [last.strip()]
        return tuple(names), last_sep
    names = [name.strip() for name in text.split(",")]
    return tuple(names), (", " if len(names) > 1 else None)


_ET_AL = re.compile(r"(,?[ \t]+et\.?[ \t]*al\.?)$", re.IGNORECASE)
_NAME_TOKEN = r"(?:[A-Z][\w'’-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|(?:van|von|de|der|da|di|du|le|la)\b)"
_NAME = re.compile(rf"{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,4}}")


def _et_al_at(text: str) -> re.Match[str] | None:
    """The closing ``et al.`` of a text, looked for in its last characters only: a long run
    of blanks from a hostile list must not cost the search quadratic time."""
    return _ET_AL.search(text, max(0, len(text) - 24))


def _without_et_al(text: str) -> str:
    found = _et_al_at(text)
    return text[: found.start()] if found else text


def authors_et_al(text: str) -> tuple[tuple[str, ...], str | None, str]:
    """Names of an author text, the joiner before the last, and what ends the text when it
    names only the first authors (``" et al."``), else ""."""
    found = _et_al_at(text)
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


_VENUE_WORDS = {
    "workshop", "conference", "symposium", "proceedings", "transactions", "journal",
    "international", "annual", "meeting", "letters", "findings", "track", "language",
    "learning", "vision", "intelligence", "processing", "systems", "review", "society",
}  # fmt: skip


def looks_like_authors(text: str) -> bool:
    """Whether a text is a list of people (``K. He et al.``, ``Ada Zeller, Bo Li``), not a
    venue: names of capitalised words or initials, no digits, no venue words, and either
    ``et al.`` or at least two names of two words or more (a lone venue stays a venue)."""
    if _YEAR.search(text) or any(c.isdigit() for c in text):
        return False
    names, _, form = authors_et_al(text)
    if not names or not all(_NAME.fullmatch(name) for name in names):
        return False
    words = [w for name in names for w in name.split()]
    if any(w.casefold().strip(".") in _VENUE_WORDS or (len(w) > 2 and w.isupper()) for w in words):
        return False
    return bool(form) or (len(names) >= 2 and all(len(n.split()) >= 2 for n in names))


def _date_then_authors(core: str) -> tuple[str, str, str] | None:
    """``(2015), K. He et al`` -> ("(2015)", ", ", "K. He et al"): a date, then its authors."""
    found = re.match(r"^(.*?(?:19|20)\d\d\)?)(,[ \t]+)(.+)$", core)
    if found is None or not looks_like_authors(found.group(3)):
        return None
    return found.group(1), found.group(2), found.group(3)


def plain_text(pieces: list[Piece]) -> str:
    """The text a reader sees: link labels, emphasis without its markers, escapes resolved."""
    out = []
    for piece in pieces:
        if piece.kind in ("bold", "italic") and piece.children is not None:
            out.append(plain_text(piece.children))
        elif piece.kind in ("link", "image"):
            out.append(unescape(piece.text))
        else:
            out.append(unescape(piece.raw))
    return "".join(out)


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


def _ends_in_period(title: str) -> bool:
    """A title's final period that is punctuation (``Title.``), not an ellipsis or the dot of
    a short abbreviation (``U.S.``, ``et al.``)."""
    if not title.endswith(".") or title.endswith(".."):
        return False
    last = title.rsplit(None, 1)[-1]
    return len(last) > 3 and "." not in last[:-1] and last.lower() != "al."


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


class _Tail:
    """What follows an entry's title, read piece by piece into fields and the style's parts
    (each part with the literal text before it)."""

    def __init__(self) -> None:
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
            elif piece.kind == "italic" and "date" not in self.parts and _YEAR.search(piece.text):
                self.venue, self.year, self.date_form = parse_date(plain_text(piece.children or []))
                self.date_italic = True  # "*TKDE 2021*"
                self._part("date")
                self.pending = ""
            elif piece.kind == "italic" and not self.authors and not _YEAR.search(piece.text):
                names = authors_et_al(plain_text(piece.children or []))
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
        dated = _date_then_authors(core) if "date" not in self.parts and not self.authors else None
        if dated is not None:  # "(2015), K. He et al.": the date, then the authors
            self.venue, self.year, self.date_form = parse_date(unescape(dated[0]))
            self._part("date")
            self.pending, core = dated[1], dated[2]
        if not self.authors and looks_like_authors(unescape(core)):
            self.authors, self.author_last, self.et_al_form = authors_et_al(unescape(core))
            self.authors_form = "{authors}"
            if last_first_names(_without_et_al(unescape(core))) is not None:
                self.author_order, self.author_sep = "last_first", " and "
            self.parts.append("authors")
        elif "date" not in self.parts and (_YEAR.search(core) or "links" not in self.parts):
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


def parse_entry_text(text: str) -> ParsedEntry | None:
    """Fields and own style of an entry's text, or None if the text is not an entry.

    An entry starts with its title (a link, bold text, a ``[[Kind--Title]](url)`` link, or a
    plain title followed by an extra link) and has at least one link, possibly empty ``()``;
    or it is a bold title over bullets of bare URLs (:func:`parse_link_list`).
    """
    if not text or text[0].isspace():
        return None
    if text.startswith("**") and "\n" in text and (listed := parse_link_list(text)):
        return listed
    found = _title_and_tail(_merge_wrapped_links(scan(text)))
    if found is None or found[2].startswith("#"):
        return None  # no title, or a table-of-contents link: not a paper
    title_form, title, url, kind, pieces = found
    # "**Title.**": the period closes the list's sentence, not the title (a reader cites it
    # without); the section's style writes it back.
    title_period = title_form in ("bold", "bold_link", "link") and _ends_in_period(title)
    if title_period:
        title = title[:-1]
    tail = _Tail()
    tail.read(pieces)
    links = tail.links
    url_label = ""
    if not url and links and title_form in ("bold", "plain") and links[0][0].lower() in _URL_LABELS:
        url_label, url = links[0]
        links = links[1:]
    if not url and not links and title_form in ("bold", "plain"):
        return None  # a bold line without any link is a group heading, not an entry
    content = EntryContent(
        title=title,
        url=url,
        venue=tail.venue,
        year=tail.year,
        authors=tail.authors,
        links=tuple(_numbered(links)),
        kind=kind,
        note=" ".join(tail.notes),
        et_al=bool(tail.et_al_form),
    )
    defaults = _DEFAULT_STYLE
    style = EntryStyle(
        title=title_form,
        parts=tuple(tail.parts),
        seps=tuple(tail.seps),
        end=tail.pending.rstrip(" \t"),  # trailing blanks are a quirk of one line, not a style
        date_form=tail.date_form or defaults.date_form,
        link_form=tail.link_forms[0] if tail.link_forms else defaults.link_form,
        link_sep=tail.link_seps[0] if tail.link_seps else defaults.link_sep,
        url_label=url_label,
        authors_form=tail.authors_form,
        author_last=tail.author_last or defaults.author_last,
        et_al_form=tail.et_al_form or defaults.et_al_form,
        author_order=tail.author_order,
        author_sep=tail.author_sep,
        date_italic=tail.date_italic,
        title_period=title_period,
    )
    return ParsedEntry(content, style)


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


def _render_authors(content: EntryContent | Entry, style: EntryStyle) -> str:
    names = [escape(name) for name in content.authors]
    if style.author_order == "last_first":
        names = [
            f"{name.rsplit(' ', 1)[1]}, {name.rsplit(' ', 1)[0]}" if " " in name else name
            for name in names
        ]
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


def render_entry(content: EntryContent | Entry, style: EntryStyle) -> str:
    """The entry's text (without the list bullet) in ``style``; inverse of the parser."""
    title = escape(content.title) + ("." if style.title_period and form_takes_period(style) else "")
    url = destination(content.url)
    links = list(content.links)
    form = style.title
    if form == "link":
        out = [f"[{title}]({url})"]
    elif form == "bold_link":
        out = [f"**[{title}]({url})**"]
    elif form == "label":
        kind = f"{escape(content.kind)}--" if content.kind else ""
        if not kind and _KIND_SPLIT.match(title):
            title = title.replace("--", "\\--", 1)  # not a "Kind--Title" label
        out = [f"[[{kind}{title}]]({url})"]
    else:
        # A plain title opens the entry's text: it must not start a heading or list there.
        out = [f"**{title}**" if form == "bold" else markdown_line_start(content.title)]
        if content.url:
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
    parts = list(zip(style.parts, style.seps, strict=True))
    for name in ("date", "links", "authors", "note"):
        if name not in style.parts:
            parts.append((name, _DEFAULT_SEPS[name]))
    for name, sep in parts:
        if rendered[name]:
            out.append(sep)
            out.append(rendered[name])
            rendered[name] = ""
    out.append(style.end)
    return "".join(out)


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
    counts = Counter(parsed.style for _, parsed in samples)
    candidates = [style for style, _ in counts.most_common(5)]
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
