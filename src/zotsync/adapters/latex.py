"""Text -> LaTeX for BibTeX fields, the way Better BibTeX writes them (pure, stdlib only).

* :func:`escape` turns the ten LaTeX special characters into commands and, for BibTeX (ASCII
  output), accented letters into accent commands: ``é`` -> ``\\'e``, ``č`` -> ``{\\v c}``,
  ``ø`` -> ``{\\o}``; in names every accent is braced (``Ara{\\'u}jo``) so that BibTeX's
  name parser treats it as one letter.
* :func:`protect` braces (``{{…}}``) the words a title capitalises on purpose (acronyms,
  names, mixed case), so that a bibliography style that changes case leaves them alone.
* :func:`title_case` is citeproc's English title case, applied to the words left unprotected.
* :func:`html_to_latex` turns a Zotero note (HTML) into paragraphs and lists.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser
from typing import ClassVar

# Combining marks -> accent commands.  Symbol commands (\' \` …) need no space before the
# letter; letter commands (\v, \c …) do, and are always braced: {\v c}.
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}
_LETTERS = {
    "ø": "{\\o}",
    "Ø": "{\\O}",
    "ß": "{\\ss}",
    "æ": "{\\ae}",
    "Æ": "{\\AE}",
    "œ": "{\\oe}",
    "Œ": "{\\OE}",
    "å": "{\\aa}",
    "Å": "{\\AA}",
    "ł": "{\\l}",
    "Ł": "{\\L}",
    "ı": "{\\i}",
    "đ": "{\\dj}",
    "Đ": "{\\DJ}",
    "þ": "{\\th}",
    "Þ": "{\\TH}",
    "ð": "{\\dh}",
    "Ð": "{\\DH}",
}
_SYMBOLS = {
    "–": "--",
    "—": "---",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "„": ",,",
    "«": "{\\guillemotleft}",
    "»": "{\\guillemotright}",
    "…": "{\\ldots}",
    "\u00a0": "~",
    "°": "{\\textdegree}",
    "§": "{\\S}",
    "¶": "{\\P}",
    "©": "{\\textcopyright}",
    "®": "{\\textregistered}",
    "™": "{\\texttrademark}",
    "€": "{\\texteuro}",
    "£": "{\\pounds}",
    "×": "{\\texttimes}",
    "±": "{\\textpm}",
    "·": "{\\textperiodcentered}",
    "¿": "{\\textquestiondown}",
    "¡": "{\\textexclamdown}",
}
_SPECIAL = {
    "\\": "\\textbackslash{}",
    # Not \{ and \}: BibTeX counts every brace, escaped or not, so they must stay balanced.
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "%": "\\%",
    "&": "\\&",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
}
_NEEDS_WORK = re.compile(r"[\\{}%&$#_~^]|[^\x00-\x7f]")
_URL_SPECIAL = re.compile(r"[\\{}%#]")
_URL_ESCAPES = {"\\": "%5C", "{": "%7B", "}": "%7D", "%": "\\%", "#": "\\#"}


def _accented(char: str, *, braced: bool) -> str | None:
    """``é`` -> ``\\'e`` (``{\\'e}`` when ``braced``), or None if ``char`` is not an accented
    ASCII letter (a base letter and combining marks we know)."""
    parts = unicodedata.normalize("NFD", char)
    base, marks = parts[0], parts[1:]
    if not marks or not base.isascii() or any(m not in _ACCENTS for m in marks):
        return None
    if base in "ij" and marks[0] not in ("\u0327", "\u0323", "\u0328", "\u0331"):
        base = "\\" + base  # dotless i/j under an accent above
    text = base
    for mark in marks:
        command = _ACCENTS[mark]
        if command.isalpha():
            text = f"{{\\{command} {text}}}"
        elif braced or text.startswith("\\"):
            text = f"{{\\{command}{text}}}"
        else:
            text = f"\\{command}{text}"
    return text


def escape(text: str, *, ascii_only: bool = True, name: bool = False, keep: str = "") -> str:
    """``text`` as the value of a BibTeX field: LaTeX specials escaped, and for ASCII output
    the letters and punctuation outside ASCII as LaTeX commands (others kept as UTF-8).
    Characters in ``keep`` stay as they are (``_`` in keywords, which are never typeset)."""
    if not _NEEDS_WORK.search(text):
        return text
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            out.append(char if char in keep else _SPECIAL.get(char, char))
        elif not ascii_only:
            out.append(char)
        elif char in _LETTERS:
            out.append(_LETTERS[char])
        elif char in _SYMBOLS:
            out.append(_SYMBOLS[char])
        else:
            out.append(_accented(char, braced=name) or char)
    return "".join(out)


def escape_url(url: str) -> str:
    """A URL or DOI as a field value: verbatim (``_`` and ``~`` stay, as \\url needs them);
    ``%`` and ``#`` escaped for \\url, braces and backslashes percent-encoded (BibTeX
    counts every brace, so an escaped one would still unbalance the field)."""
    return _URL_SPECIAL.sub(lambda m: _URL_ESCAPES[m.group(0)], url)


# --------------------------------------------------------------------------- case

# citeproc-js's English words that title case leaves in lower case (after the first word).
_SMALL_WORDS = frozenset(
    """a about above across afore after against al along alongside amid amidst among amongst
    an and anenst apropos apud around as aside astride at athwart atop barring before behind
    below beneath beside besides between beyond but by c ca circa d' de despite down during
    et except for forenenst from given in inside into lest like modulo near next nor
    notwithstanding of off on onto or out over per plus pro qua sans since so than the
    through thru throughout thruout till to toward towards under underneath until unto up
    upon v v. van versus via vis-à-vis von vs vs. with within without yet""".split()
)
# A word: its leading punctuation, its core (letters, digits and inner - ' / . ·), the rest.
_NUMBER_PREFIX = re.compile(r"\d+-(?=\w)")
_TOKEN = re.compile(r"(\s+)|([^\w\s]*)([\w](?:[\w'’./-]*[\w])?)?([^\w\s]*)")


def _has_upper(core: str, first: bool) -> bool:
    """Whether a word is capitalised on purpose: any capital, except the capital initial of
    the first word (that is only sentence case)."""
    rest = core[1:] if first else core
    return rest != rest.lower()


@lru_cache(maxsize=65536)  # a list's titles share most of their words
def _capitalise(core: str, first: bool) -> str:
    """Title case of one lower-case word: each hyphenated part capitalised but small words."""
    if not first and core.casefold() in _SMALL_WORDS:
        return core
    if len(core) > 1 and core[1] in "'’" and core[0].islower():
        return core  # an elided article or preposition: d'un, l'application
    parts = core.split("-")
    out = []
    for n, part in enumerate(parts):
        if part and ((n == 0 and first) or part.casefold() not in _SMALL_WORDS):
            part = part[0].upper() + part[1:]
        out.append(part)
    return "-".join(out)


@lru_cache(maxsize=4096)  # venues and series repeat across a list's entries
def protect(text: str, *, title_case: bool = False, ascii_only: bool = True) -> str:
    """A title as a BibTeX value: words capitalised on purpose in ``{{…}}`` (neighbours
    grouped), the other words title-cased when ``title_case``, and everything escaped."""
    out: list[str] = []
    group: list[str] = []  # the words (and spaces between them) of the open {{…}} group
    first = True
    after_colon = False
    pending_space = ""

    def close() -> None:
        if group:
            out.append("{{" + "".join(group) + "}}")
            group.clear()

    for match in _TOKEN.finditer(text):
        space, lead, core, trail = match.groups()
        if space is not None:
            pending_space = space
            continue
        if not (lead or core or trail):
            continue
        number = _NUMBER_PREFIX.match(core or "")
        if number and core and _has_upper(core, False):
            lead, core = (lead or "") + number.group(0), core[number.end() :]
        if core and _has_upper(core, first):
            if group and not lead:
                group.append(pending_space)
            else:
                close()
                out.append(pending_space + escape(lead or "", ascii_only=ascii_only))
            group.append(escape(core, ascii_only=ascii_only))
            if trail:
                close()
                out.append(escape(trail, ascii_only=ascii_only))
        else:
            close()
            word = core or ""
            if title_case and word:
                word = _capitalise(word, first or after_colon)
            plain = (lead or "") + word + (trail or "")
            out.append(pending_space + escape(plain, ascii_only=ascii_only))
        pending_space = ""
        if core:
            first = False
            after_colon = bool(trail) and trail[-1] in ":?!"
        elif trail and trail[-1] in ":?!":
            after_colon = True
    close()
    return "".join(out)


# --------------------------------------------------------------------------- notes


class _NoteParser(HTMLParser):
    """Zotero's note HTML -> LaTeX blocks: paragraphs, itemize/enumerate, emphasis, links."""

    _INLINE: ClassVar[dict[str, str]] = {
        "b": "\\textbf{",
        "strong": "\\textbf{",
        "i": "\\emph{",
        "em": "\\emph{",
    }

    def __init__(self, ascii_only: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.ascii_only = ascii_only
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.lists: list[list[str]] = []
        self.list_kinds: list[str] = []
        self.href: list[str | None] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if not text:
            return
        if self.lists:
            self.lists[-1].append(text)
        else:
            self.blocks.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"):
            self._flush()
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([])
            self.list_kinds.append("enumerate" if tag == "ol" else "itemize")
        elif tag == "li":
            self._flush()
        elif tag == "br":
            self.current.append(" ")
        elif tag in self._INLINE:
            self.current.append(self._INLINE[tag])
        elif tag == "a":
            href = dict(attrs).get("href")
            self.href.append(href)
            if href:
                self.current.append(f"\\href{{{escape_url(href)}}}{{")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "li"):
            self._flush()
        elif tag in ("ul", "ol") and self.lists:
            self._flush()
            items = self.lists.pop()
            kind = self.list_kinds.pop()
            body = "\n".join(f"\\item {item}" for item in items)
            block = f"\\begin{{{kind}}}\n\n{body}\n\n\\end{{{kind}}}"
            if self.lists:
                self.lists[-1].append(block)
            else:
                self.blocks.append(block)
        elif tag in self._INLINE or (tag == "a" and self.href and self.href.pop()):
            self.current.append("}")

    def handle_data(self, data: str) -> None:
        self.current.append(escape(data, ascii_only=self.ascii_only))

    def result(self) -> str:
        self._flush()
        while self.lists:
            self.handle_endtag("ol" if self.list_kinds[-1] == "enumerate" else "ul")
        return "\n\\par\n".join(self.blocks)


def html_to_latex(note: str, *, ascii_only: bool = True) -> str:
    """A note as LaTeX: HTML notes by their structure, plain-text notes line by line."""
    if "<" not in note:
        lines = [escape(line.strip(), ascii_only=ascii_only) for line in note.splitlines()]
        return "\n\\par\n".join(line for line in lines if line)
    parser = _NoteParser(ascii_only)
    parser.feed(note)
    parser.close()
    return parser.result()
