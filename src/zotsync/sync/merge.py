"""The one three-way rule every sync decision uses: a field, a link's URL, an item's
collections, a section's name.

Each side is compared with its own base (what it held at the last sync), as vdirsyncer keeps a
status per side: a difference that was already there at the last sync (an adopted item's own
title) is a standing difference, neither side's edit.

=============  ==============  ======================  =========================
list changed   Zotero changed  values now              outcome
=============  ==============  ======================  =========================
no             no              -                       UNCHANGED
yes            no              -                       TAKE_LIST (write to Zotero)
no             yes             -                       TAKE_ZOTERO (pull into the list)
yes            yes             equal                   AGREE (record, write nothing)
yes            yes             different               CONFLICT, or ``prefer``'s side
=============  ==============  ======================  =========================

A side with no base (``NO_BASE``: an item adopted without a record) counts as changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Final


class Prefer(str, Enum):
    """Which side wins a conflict (``sync --prefer``); ``None`` reports it instead."""

    LIST = "list"
    ZOTERO = "zotero"

    def __str__(self) -> str:
        return str(self.value)


class Outcome(Enum):
    UNCHANGED = "unchanged"
    TAKE_LIST = "take list"
    TAKE_ZOTERO = "take zotero"
    AGREE = "agree"
    CONFLICT = "conflict"


class _NoBase:
    def __repr__(self) -> str:
        return "NO_BASE"


NO_BASE: Final[Any] = _NoBase()


@dataclass(frozen=True)
class Bases:
    """The two sides' bases, when they differ (the list's and Zotero's value at the last sync)."""

    list: Any
    zotero: Any


def merge3(base: Any, list_value: Any, zotero_value: Any, prefer: Prefer | None) -> Outcome:
    """The outcome for one value: ``base`` is the common base, or :class:`Bases` of each side
    (``NO_BASE`` for a side with none)."""
    bases = base if isinstance(base, Bases) else Bases(base, base)
    list_changed = bases.list is NO_BASE or list_value != bases.list
    zotero_changed = bases.zotero is NO_BASE or zotero_value != bases.zotero
    if not list_changed and not zotero_changed:
        return Outcome.UNCHANGED
    if not zotero_changed:
        return Outcome.TAKE_LIST
    if not list_changed:
        return Outcome.TAKE_ZOTERO
    if list_value == zotero_value:
        return Outcome.AGREE
    if prefer == Prefer.LIST:
        return Outcome.TAKE_LIST
    if prefer == Prefer.ZOTERO:
        return Outcome.TAKE_ZOTERO
    return Outcome.CONFLICT
