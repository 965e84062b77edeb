"""Entries gone from the list: their items leave the list's collections (they stay in the
library), or with ``--prune`` go to the trash."""

from __future__ import annotations

from typing import Any

from zotsync.sync.actions import Action, Phase
from zotsync.sync.plan.context import PlanContext
from zotsync.sync.plan.items import item_write


def plan_removals(ctx: PlanContext) -> None:
    ours = set(ctx.plan.collection_keys.values()) | {r.key for r in ctx.base.collections.values()}
    wanted = set(ctx.desired.items) | {
        alias for item in ctx.desired.items.values() for alias in item.also
    }
    for entry_id, record in sorted(ctx.base.items.items()):
        if entry_id in wanted:
            continue
        remote = ctx.remote.items.get(record.key)
        if remote is None or remote.trashed:
            item_write(ctx, Phase.REMOVALS, record.key, 0, Action.FORGET, entry_id)
            continue
        data: dict[str, Any]
        if ctx.prune:
            data, action = {"deleted": 1}, Action.TRASH
        else:
            data = {"collections": [c for c in remote.data.get("collections", []) if c not in ours]}
            action = Action.RELEASE
        item_write(
            ctx,
            Phase.REMOVALS,
            record.key,
            remote.version,
            action,
            entry_id,
            data=data,
            summary=entry_id,
        )
