"""Transliteration of other scripts for citation keys (anyascii).

Better BibTeX transliterates Cyrillic, Greek, CJK and other scripts to Latin letters before
folding a key to ASCII (``Ландау`` -> ``Landau``).  The table for the whole of Unicode is
anyascii's (ISC licence, pure Python, no dependencies); core.keyparts uses it through
:func:`install`.
"""

from __future__ import annotations

from functools import cache

from anyascii import anyascii

from zotsync.core.keyparts import use_transliteration


@cache
def _letter(char: str) -> str:
    return str(anyascii(char))


def install() -> None:
    """Make key folding transliterate other scripts (idempotent)."""
    use_transliteration(_letter)
