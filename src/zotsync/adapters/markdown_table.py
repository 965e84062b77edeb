"""Tables as lists of papers: one entry per row, each column's meaning read from the header.

``| [Title](url) | CVPR 2021 | [Code](url) | 752 |`` under ``| Paper | Venue | Code | Stars |``
is an entry (title and URL, venue and year, a ``Code`` link); columns zotsync has no field
for (stars, counts, a model's short name) are kept in the row's text, which an unchanged
entry writes back byte for byte, and which an edited entry keeps with only the changed cells
rewritten.  A table is read only if its header names a title column.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from zotsync.adapters.markdown_scan import Piece, plain_text, scan
from zotsync.core.dates import parse_date
from zotsync.core.entries import EntryContent, EntryStyle
from zotsync.core.escape import markdown_destination, markdown_text

TITLE = "title"
ALIAS = "alias"  # another name column: a model's or dataset's short name
VENUE = "venue"
DATE = "date"
LINKS = "links"
OTHER = "other"

# Header words, most specific first: the first column that names a title holds it; any other
# title-like column is an alias.
_TITLE_WORDS = ("title", "paper title", "paper", "method", "dataset", "benchmark", "name", "model")
_VENUE_WORDS = {"venue", "published in", "publication", "conference", "journal", "pub", "source"}
_DATE_WORDS = {"date", "year", "time", "published", "release", "released"}
_LINK_WORDS = {
    "code", "project", "code/project", "link", "links", "github", "repo", "repository",
    "website", "homepage", "demo", "page", "url", "pdf", "resources", "implementation",
}  # fmt: skip
_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_EMPTY = {"", "-", "–", "—", "n/a", "na", "none", "/"}


@dataclass(frozen=True)
class Row:
    """A table row cut into cells (raw, padding included) and its outer pipes."""

    cells: tuple[str, ...]
    lead: str  # "|" or "" (with the indent before it)
    trail: str  # "|" or ""


def is_delimiter(line: str) -> bool:
    return "-" in line and bool(_DELIMITER.match(line.rstrip("\r\n")))


def split_row(line: str) -> Row | None:
    """The cells of a table row, or None if the line is no row (no pipe)."""
    text = line.rstrip("\r\n")
    if "|" not in text:
        return None
    stripped = text.lstrip(" \t")
    lead = text[: len(text) - len(stripped)]
    if stripped.startswith("|"):
        lead += "|"
        stripped = stripped[1:]
    body = stripped.rstrip(" \t")
    trail = ""
    if body.endswith("|") and not body.endswith("\\|"):
        trail, stripped = "|" + stripped[len(body) :], body[:-1]
    return Row(tuple(_CELL_SPLIT.split(stripped)), lead, trail)


def join_row(row: Row) -> str:
    return row.lead + "|".join(row.cells) + row.trail


def _header_word(cell: str) -> str:
    return " ".join(plain_text(scan(cell.strip())).casefold().split()).strip(" :*_")


def column_roles(header: str) -> tuple[str, ...] | None:
    """Each column's role, from the header row; None if no column names a title."""
    row = split_row(header)
    if row is None:
        return None
    words = [_header_word(cell) for cell in row.cells]
    ranked = [(_TITLE_WORDS.index(w), n) for n, w in enumerate(words) if w in _TITLE_WORDS]
    if not ranked:
        return None
    title_column = min(ranked)[1]
    roles = []
    for n, word in enumerate(words):
        if n == title_column:
            roles.append(TITLE)
        elif word in _TITLE_WORDS:
            roles.append(ALIAS)
        elif word in _VENUE_WORDS or word.startswith("venue"):
            roles.append(VENUE)
        elif word in _DATE_WORDS:
            roles.append(DATE)
        elif word in _LINK_WORDS or "code" in word.split("/"):
            roles.append(LINKS)
        else:
            roles.append(OTHER)
    return tuple(roles)


def table_kind(header: str, roles: tuple[str, ...]) -> str:
    """``dataset`` for a table whose title column is headed Dataset (or Benchmark)."""
    row = split_row(header)
    if row is None or TITLE not in roles:
        return ""
    word = _header_word(row.cells[roles.index(TITLE)])
    return "dataset" if word in ("dataset", "benchmark") else ""


def table_style(header: str, roles: tuple[str, ...], rows: list[Row]) -> EntryStyle:
    """How a table writes its rows: titles in bold links, links, or plain text with the
    paper's link in a links column (``|MNIST|1998|…|[Project](url)|``: ``url_label``)."""
    cells = [c for row in rows for c in row.cells]
    titles = [row.cells[roles.index(TITLE)] for row in rows if len(row.cells) == len(roles)]
    bold = sum(cell.strip().startswith("[**") for cell in titles) * 2 > len(titles)
    plain = sum("](" not in cell for cell in titles)
    url_label = ""
    if LINKS in roles and plain * 2 > len(titles):
        column = roles.index(LINKS)
        firsts = Counter(
            found[0][0]
            for row in rows
            if len(row.cells) == len(roles)
            and "](" not in row.cells[roles.index(TITLE)]
            and (found := _links_of(scan(row.cells[column].strip())))
        )
        url_label = firsts.most_common(1)[0][0] if firsts else ""
    return EntryStyle(
        title="plain" if url_label else "bold_link" if bold else "link",
        url_label=url_label,
        blank_between=False,
        columns=roles,
        cell_pad=" " if sum(c.startswith(" ") for c in cells) * 2 > len(cells) else "",
        row_kind=table_kind(header, roles),
    )


def _links_of(pieces: list[Piece]) -> list[tuple[str, str]]:
    """(label, url) of the links a cell holds; a badge (a link around an image) is none."""
    found = []
    for piece in pieces:
        if piece.kind == "link" and not piece.text.lstrip().startswith("!["):
            found.append((plain_text(scan(piece.text)).strip(), piece.url))
    return found


def _title_of(cell: str) -> tuple[str, str]:
    """(title, url) of the title cell: its first link's label and destination, or its
    text; badges, images and ``<br>`` lines after the title are not part of it."""
    head = re.split(r"<br\s*/?>", cell, maxsplit=1, flags=re.IGNORECASE)[0]
    pieces = scan(head.strip())
    for piece in pieces:
        if piece.kind == "link" and not piece.text.lstrip().startswith("!["):
            return plain_text(scan(piece.text)).strip(), piece.url
    text = plain_text([p for p in pieces if p.kind not in ("image", "link")])
    return " ".join(text.split()), ""


def _cell_text(cell: str) -> str:
    return " ".join(plain_text(scan(cell.strip())).split())


def parse_row(line: str, style: EntryStyle) -> EntryContent | None:
    """The entry a row of a table in ``style`` holds, or None (no title, or other columns)."""
    row = split_row(line)
    roles = style.columns
    if row is None or len(row.cells) != len(roles):
        return None
    title, url = _title_of(row.cells[roles.index(TITLE)])
    if not title:
        return None
    venue, year, links = "", None, []
    kept = []  # links zotsync has no field for (badges, links in other columns): the note
    for role, cell in zip(roles, row.cells, strict=True):
        text = _cell_text(cell)
        pieces = scan(cell.strip())
        if role != LINKS:
            skip_title = role == TITLE
            for piece in pieces:
                if piece.kind in ("link", "image") and not (skip_title and piece.url == url):
                    kept.append(piece.raw)
                skip_title = skip_title and not (piece.kind == "link" and piece.url == url)
        if role == VENUE and text.casefold() not in _EMPTY:
            venue, found_year, _ = parse_date(text)
            year = found_year if found_year is not None else year
        elif role == DATE and year is None and (match := _YEAR.search(text)):
            year = int(match.group(1))
        elif role == LINKS:
            links.extend(_links_of(scan(cell.strip())))
    if not url and links:
        url = links.pop(0)[1]
    return EntryContent(
        title=title,
        url=url,
        venue=venue,
        year=year,
        links=tuple(links),
        kind=style.row_kind,
        note=" ".join(kept),
    )


def render_row(content: EntryContent, style: EntryStyle, old: str = "") -> str:
    """The row of ``content``: the cells of ``old`` (the entry's row as written) kept where
    they still say the same, the others written in the table's style."""
    roles = style.columns
    row = split_row(old) if old else None
    if row is None or len(row.cells) != len(roles):
        row = Row(("",) * len(roles), "|", "|")
    before = parse_row(join_row(row), style) if old else None
    cells = list(row.cells)
    for n, role in enumerate(roles):
        if before is not None and _same_for(role, before, content):
            continue
        cells[n] = _pad(_cell(role, content, style), cells[n] if old else style.cell_pad)
    return join_row(replace(row, cells=tuple(cells)))


def _same_for(role: str, before: EntryContent, after: EntryContent) -> bool:
    if role == TITLE:
        return before.title == after.title and before.url == after.url
    if role == VENUE:
        return (before.venue, before.year) == (after.venue, after.year)
    if role == DATE:
        return before.year == after.year
    if role == LINKS:
        return before.links == after.links and before.url == after.url
    return True


def _pad(text: str, old: str) -> str:
    """``text`` with the blanks the cell had around it (a new cell: the table's padding)."""
    if not old.strip():
        pad = old[:1]
        return f"{pad}{text}{pad}"
    left = old[: len(old) - len(old.lstrip(" "))]
    right = old[len(old.rstrip(" ")) :]
    return f"{left}{text}{right}"


def _text(text: str) -> str:
    """Text for a cell: shown literally, and a pipe cannot end the cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", markdown_text(text))


def _cell(role: str, content: EntryContent, style: EntryStyle) -> str:
    if role == TITLE:
        title = _text(content.title)
        if not content.url or (style.title == "plain" and LINKS in style.columns):
            return title
        label = f"**{title}**" if style.title == "bold_link" else title
        return f"[{label}]({markdown_destination(content.url)})"
    if role == VENUE:
        if content.venue and content.year is not None and DATE not in style.columns:
            return f"{_text(content.venue)} {content.year}"
        return _text(content.venue) or (str(content.year) if content.year else "-")
    if role == DATE:
        return str(content.year) if content.year is not None else "-"
    if role == LINKS:
        written = list(content.links)
        if style.title == "plain" and content.url:
            written.insert(0, (style.url_label or "link", content.url))
        links = " ".join(f"[{_text(label)}]({markdown_destination(url)})" for label, url in written)
        return links or "-"
    return ""
