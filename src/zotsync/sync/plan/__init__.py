"""Plan a sync (pure): the list's desired library, the remote snapshot and the base -> a
:class:`~zotsync.sync.actions.Plan` of typed writes and changes to the list.

Four steps, each in its module, in this order (each reads what the earlier ones planned:
the collections' keys, the items claimed): ``collections`` (a collection per section),
``items`` (each entry's item, with ``matching`` for adoption and ``links`` for its links),
``additions`` (a teammate's items become entries), ``removals`` (entries gone from the list).
Every three-way decision is :func:`zotsync.sync.merge.merge3`.  See docs/architecture.md.
"""

from __future__ import annotations

from zotsync.core.mapping import Mapping
from zotsync.sync.actions import Plan
from zotsync.sync.desired import Desired
from zotsync.sync.merge import Prefer
from zotsync.sync.plan.additions import plan_additions
from zotsync.sync.plan.collections import plan_collections
from zotsync.sync.plan.context import PlanContext
from zotsync.sync.plan.items import plan_items
from zotsync.sync.plan.removals import plan_removals
from zotsync.sync.remote import Snapshot
from zotsync.sync.state import SyncState


def plan_sync(
    desired: Desired,
    remote: Snapshot,
    base: SyncState,
    mapping: Mapping,
    *,
    seed: tuple[str, ...],
    prune: bool = False,
    pull: bool = True,
    prefer: Prefer | None = None,
    settle: dict[str, Prefer] | None = None,
) -> Plan:
    """Everything a sync would write to Zotero and change in the list, and what it found
    (adoptions, conflicts, pulls).  ``pull=False`` only reports Zotero-side changes."""
    ctx = PlanContext(desired, remote, base, mapping, seed, prune, pull, prefer, dict(settle or {}))
    plan_collections(ctx)
    plan_items(ctx)
    plan_additions(ctx)
    plan_removals(ctx)
    return ctx.plan
