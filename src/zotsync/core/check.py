"""Lint a reading list for CI (pure): each finding names a file and line.

Entry findings point at the entry in its section's YAML file (where it is fixed) and also give
the line of the rendered list; frame findings point at ``frame.md`` and the rendered line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from zotsync.core.citekeys import entry_key_item, made_by
from zotsync.core.document import ReadingList, Rendered, Verbatim
from zotsync.core.entries import (
    Entry,
    arxiv_id,
    arxiv_path,
    identity_keys,
    normalise_url,
    titles_agree,
)
from zotsync.core.keyformula import Formula
from zotsync.core.keyparts import MARKER
from zotsync.core.mapping import VenueTable

# Findings that say zotsync may have read a field wrong (or the list wrote one no library
# should get): a first sync stops on them (``sync --force`` goes ahead).  The others are
# the list's own blemishes (an empty link, an unknown venue, mojibake as written).
ERROR_CODES = frozenset(
    {"empty-title", "implausible-title", "venue-markup", "venue-is-authors", "authors-unsplit",
     "bad-url-scheme"}
)  # fmt: skip


# Findings that say what is so, not what is wrong: `check` shows them, its exit status and a
# first sync do not count them.
INFO_CODES = frozenset({"key-not-formula"})


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int | None
    code: str
    message: str
    list_line: int | None = None
    venue: str = ""  # an unknown-venue finding's venue (what `check --add-venues` adds)

    @property
    def level(self) -> str:
        if self.code in INFO_CODES:
            return "info"
        return "error" if self.code in ERROR_CODES else "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        seen = f" (list line {self.list_line})" if self.list_line is not None else ""
        return f"{where}: {self.code}: {self.message}{seen}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "list_line": self.list_line,
            "level": self.level,
        }


def mojibake_fix(text: str) -> str | None:
    """What ``text`` said before UTF-8 was misread as Windows-1252 (``Itâ€™s`` -> ``It’s``)."""
    if text.isascii():
        return None
    fixed_words = []
    changed = False
    for word in text.split(" "):
        fixed = word
        if not word.isascii():
            for codec in ("cp1252", "latin-1"):
                try:
                    candidate = word.encode(codec).decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    continue
                if candidate != word:
                    fixed, changed = candidate, True
                    break
        fixed_words.append(fixed)
    return " ".join(fixed_words) if changed else None


_PLACEHOLDER = re.compile(r"\b(PLACEHOLDER|TODO|TBD|FIXME|XXX)\b")
_EMPTY_BULLET = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/\s]")


_WEB_SCHEMES = {"http", "https", "ftp", "ftps"}
_HTTP_TYPOS = {"htp", "htps", "htttp", "htttps", "http2", "hhtp", "hhtps", "ttp", "ttps", "hxxp"}
_TAG_ONLY = re.compile(r"^[\[(]?[\w.*'-]{1,12}[\])]?$")


def implausible(entry: Entry) -> list[tuple[str, str]]:
    """Fields a reader would not cite: a title that is only a tag or a number (``[4]``,
    ``DSSD``), a venue that holds markup or a person (``<br>``, ``G. Hinton et al.``)."""
    found = []
    title = entry.title.strip()
    if title and " " not in title and (_TAG_ONLY.match(title) and not title.isalpha()):
        found.append(("implausible-title", f"title {title!r} looks like a tag or a number"))
    venue = entry.venue
    if any(mark in venue for mark in ("<", "](", "**", "`")):
        found.append(("venue-markup", f"venue {venue!r} holds markup"))
    elif re.search(r"\bet\.? ?al\b", venue):
        found.append(("venue-is-authors", f"venue {venue!r} names people, not a venue"))
    odd = next((name for name in entry.authors if _odd_name(name)), None)
    if odd is not None:
        found.append(("authors-unsplit", f"author {odd!r} does not read as one person's name"))
    return found


_NOT_IN_NAMES = re.compile(r"[\d()\[\]{}<>*_|#@/\\;:]|\band\b|\bet\.? ?al\b|^\W|,")
_RUN_TOGETHER = re.compile(r"[a-z]{3,}[A-Z][a-z]{3,}[A-Z]|[a-z]{4,}[A-Z][a-z]{4,}")


def _odd_name(name: str) -> bool:
    """An author that is no single person's name as written: empty, digits, brackets or
    markup, an "and" or a comma inside, more than five words, names run together
    (``RameshMikhail``)."""
    stripped = name.strip()
    if not stripped or len(stripped.split()) > 5:
        return True
    return bool(_NOT_IN_NAMES.search(stripped) or _RUN_TOGETHER.search(stripped))


def url_problem(url: str) -> tuple[str, str] | None:
    """(code, message) when a URL is empty, protocol-relative, malformed or a bad arXiv link."""
    if not url.strip():
        return "empty-url", "the link is empty: ()"
    if url != url.strip():
        return "malformed-url", f"URL has spaces around it: {url!r}"
    if url.startswith("//"):
        return "protocol-relative-url", f"URL has no scheme: {url} (write https:{url})"
    if not _SCHEME.match(url):
        hint = " (missing ':' after http?)" if re.match(r"^https?//", url) else ""
        return "malformed-url", f"not a URL: {url}{hint}"
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _WEB_SCHEMES:
        close = " (did you mean https://?)" if scheme in _HTTP_TYPOS else ""
        return "bad-url-scheme", f"{scheme}:// is no web address: {url}{close}"
    if normalise_url(url) is None and url.startswith("http"):
        return "malformed-url", f"not a URL: {url}"
    path = arxiv_path(url)
    if path is not None and arxiv_id(url) is None:
        return "bad-arxiv-id", f"{path!r} is not an arXiv identifier: {url}"
    return None


def check_list(
    reading_list: ReadingList,
    where: dict[str, tuple[str, int]],
    rendered: Rendered,
    venues: VenueTable,
    frame_path: str,
    formula: Formula | None = None,
) -> list[Finding]:
    """Every finding, entry by entry in list order, then the frame's lines; with a key
    ``formula``, the keys it would not make now."""
    findings: list[Finding] = []
    keys_seen: dict[str, Entry] = {}
    citation_keys: dict[str, Entry] = {}
    for _section, entry in reading_list.entries():
        found = _entry_problems(entry, venues)
        found += _clashes(entry, where, keys_seen, citation_keys)
        if formula is not None and (problem := _key_not_formula(entry, formula)):
            found.append(problem)
        path, line = where.get(entry.id, ("?", 0))
        shown = rendered.entry_lines.get(entry.id)
        for code, message in found:
            venue = entry.venue if code == "unknown-venue" else ""
            findings.append(Finding(path, line, code, message, shown, venue))
    findings.extend(_frame_findings(reading_list, rendered, frame_path))
    return findings


def _entry_problems(entry: Entry, venues: VenueTable) -> list[tuple[str, str]]:
    """(code, message) of what is wrong with one entry on its own."""
    label = f"{entry.id!r}"
    found: list[tuple[str, str]] = []
    if not entry.title.strip():
        found.append(("empty-title", f"entry {label} has no title"))
    if not entry.url:
        found.append(("empty-url", f"{label} has an empty link: () — no URL for the paper"))
    elif (problem := url_problem(entry.url)) is not None:
        found.append(problem)
    for link_label, url in entry.links:
        if (problem := url_problem(url)) is not None:
            found.append((problem[0], f"[{link_label}] {problem[1]}"))
    for field_name, value in _texts(entry):
        if (fixed := mojibake_fix(value)) is not None:
            found.append(("mojibake", f"{field_name} {value!r} looks like mojibake of {fixed!r}"))
    if entry.year is None and entry.kind == "":
        found.append(("missing-year", f"{label} has no year"))
    if entry.venue:
        if (close := venues.close_spelling(entry.venue)) is not None:
            found.append(("venue-case", f"venue {entry.venue!r} is spelled {close.key!r}"))
        elif venues.lookup(entry.venue) is None:
            found.append(("unknown-venue", f"venue {entry.venue!r} is not in the mapping"))
    return found + implausible(entry)


def _key_not_formula(entry: Entry, formula: Formula) -> tuple[str, str] | None:
    key = entry.citation_key
    if not key:
        return None
    made = formula.make(entry_key_item(entry))
    if made_by(made, key):
        return None
    now = made.text.replace(MARKER, "") or "no key"
    return (
        "key-not-formula",
        f"citation key {key!r} is not what the formula makes now ({now!r}); it stays if it "
        "was exported (`zotsync keys --rekey` remakes those never exported)",
    )


def _clashes(
    entry: Entry,
    where: dict[str, tuple[str, int]],
    keys_seen: dict[str, Entry],
    citation_keys: dict[str, Entry],
) -> list[tuple[str, str]]:
    """An entry's citation key or identity already taken by an earlier entry."""
    found: list[tuple[str, str]] = []
    if entry.citation_key:
        other = citation_keys.setdefault(entry.citation_key, entry)
        if other is not entry:
            message = f"citation key {entry.citation_key!r} is also {other.id!r}'s"
            found.append(("citation-key-collision", message))
    for key in identity_keys(entry.content()):
        other = keys_seen.setdefault(key, entry)
        if other is not entry:
            path, line = where.get(other.id, ("?", 0))
            kind = key.split(":", 1)[0]
            message = f"{entry.id!r} is listed twice: same {kind} as {other.id!r} ({path}:{line})"
            differ = [
                name
                for name in other.content().changed_fields(entry.content())
                if name not in ("links", "note", "markdown")
            ]
            if differ:  # the texts disagree: the item takes the first one's
                message += f"; they differ in {', '.join(differ)}"
            if kind != "title" and not titles_agree(other.title, entry.title):
                message += " (titles of two papers? one link may be wrong: both are one item)"
            found.append(("duplicate", message))
            break
    return found


def _frame_findings(
    reading_list: ReadingList, rendered: Rendered, frame_path: str
) -> Iterable[Finding]:
    """Placeholders and mojibake in the lines around the entries."""
    for index, frame_line in enumerate(reading_list.frame):
        if not isinstance(frame_line, Verbatim):
            continue
        text = frame_line.text.rstrip("\r\n")
        shown = rendered.frame_lines.get(index)
        placeholder: str | None = None
        if _EMPTY_BULLET.match(text):
            placeholder = "an empty list item"
        elif (found := _PLACEHOLDER.search(text)) is not None:
            placeholder = f"placeholder text {found.group(1)!r}: {text.strip()!r}"
        if placeholder:
            yield Finding(frame_path, index + 1, "placeholder", placeholder, shown)
        if (fixed := mojibake_fix(text)) is not None:
            message = f"{text.strip()!r} looks like mojibake of {fixed.strip()!r}"
            yield Finding(frame_path, index + 1, "mojibake", message, shown)


def _texts(entry: Entry) -> Iterable[tuple[str, str]]:
    yield "title", entry.title
    yield "venue", entry.venue
    for name in entry.authors:
        yield "author", name
    if entry.note:
        yield "note", entry.note


_PAPER_LINK = re.compile(r"(?<!!)\[[^\][]*\]\]?\(<?https?://|(?<![(<\w])https?://")
_NOT_CONTENT = re.compile(r"^\s*(?:#|>?\s*<|\[!\[|!\[|\|?[\s:|-]*$)")


def holds_unread_link(line: str) -> bool:
    """Whether a line the reader left in the frame holds a web link (a heading, an image or
    badge line, HTML and table delimiters aside): ingest reports such lines, so a list in a
    style zotsync does not read is not taken for one with few papers.  (The label pattern
    stops at any bracket: linear on a line of thousands of them.)"""
    return not _NOT_CONTENT.match(line) and _PAPER_LINK.search(line) is not None
