"""zotsync: keep an awesome-list reading list and a Zotero group library in two-way sync."""

from __future__ import annotations

__version__ = "0.1.0"
