"""The labels a list writes its links with, so that a link a teammate attached in Zotero is
written the list's way (pure).

A teammate's attachment is titled as Zotero or its connector names it (``Code``,
``GitHub``, ``Project Page``); the list may write ``[[code]]`` everywhere.  A label the list
already uses in another case takes the list's spelling; a label that names the link's site
(``GitHub`` for a github.com link) takes the label the list writes for that site's links.
The section's own usage counts first, then the whole list's.  Anything else stays as the
teammate wrote it: a label is never invented.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

from zotsync.core.entries import SectionPath

Listing = tuple[SectionPath, tuple[tuple[str, str], ...]]


def _host(url: str) -> str:
    try:
        host = (urlsplit(url.strip()).hostname or "").casefold()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _word(label: str) -> str:
    return "".join(ch for ch in label.casefold() if ch.isalnum())


class LinkLabels:
    def __init__(self, listings: Iterable[Listing]) -> None:
        self._spellings: dict[tuple[SectionPath | None, str], Counter[str]] = defaultdict(Counter)
        self._by_host: dict[tuple[SectionPath | None, str], Counter[str]] = defaultdict(Counter)
        for section, links in listings:
            for label, url in links:
                host = _host(url)
                for scope in (section, None):
                    self._spellings[(scope, label.casefold())][label] += 1
                    if host:
                        self._by_host[(scope, host)][label] += 1

    def spelled(self, label: str, url: str, section: SectionPath) -> str:
        """``label`` as the list writes it for a link to ``url`` in ``section``."""
        for scope in (section, None):
            spellings = self._spellings.get((scope, label.casefold()))
            if spellings:
                return _commonest(spellings)
        host, word = _host(url), _word(label)
        if len(word) < 3 or word not in host.replace(".", "").replace("-", ""):
            return label
        for scope in (section, None):
            labels = self._by_host.get((scope, host))
            if labels:
                return _commonest(labels)
        return label


def _commonest(counts: Counter[str]) -> str:
    """The commonest spelling; on a tie the first met (Counter keeps insertion order)."""
    return max(counts, key=lambda label: counts[label])
