"""What `zotsync status` shows of a list and its library (pure): the collection tree with its
entry and item counts, what is on one side only, what teammates changed since the last sync
(who, when), the standing conflicts, and whether the README and the entries agree.

Built from the same plan a ``sync --dry-run`` makes, so it says exactly what the next sync
would do; item counts are the library's as of the last sync plus what the plan brings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zotsync.adapters.config import ListConfig
from zotsync.app.targets import Target
from zotsync.core.document import ReadingList
from zotsync.core.entries import SectionPath
from zotsync.core.escape import clean_line
from zotsync.sync.actions import Action, Change, ItemTarget, Plan
from zotsync.sync.desired import ROOT
from zotsync.sync.remote import Snapshot
from zotsync.sync.state import SyncState


def _who(remote: Snapshot, key: str | None, field: str) -> tuple[str, str]:
    obj = remote.items.get(key) if key else None
    if obj is None:
        return "", ""
    user = obj.meta.get(field, {})
    name = clean_line(str(user.get("username", ""))) if isinstance(user, dict) else ""
    return name, str(obj.data.get("dateModified") or obj.data.get("dateAdded") or "")


def collection_tree(reading_list: ReadingList, state: SyncState, root: str) -> list[dict[str, Any]]:
    """Each section (and the root), its entries in the list and its items in Zotero as of the
    last sync."""
    entries: dict[SectionPath, int] = {ROOT: 0}
    for section in reading_list.sections:
        for depth in range(1, len(section.path) + 1):
            entries.setdefault(section.path[:depth], 0)
        entries[section.path] = entries.get(section.path, 0) + len(section.entries)
    keys = {path: record.key for path, record in state.collections.items()}
    items: dict[str, int] = {}
    for record in state.items.values():
        for key in set(record.collections):
            items[key] = items.get(key, 0) + 1
    return [
        {
            "section": list(path),
            "name": path[-1] if path else root,
            "entries": entries[path],
            "items": items.get(keys[path], 0) if path in keys else None,
        }
        for path in sorted(entries)
    ]


def list_status(
    reading_list: ReadingList,
    state: SyncState,
    plan: Plan,
    remote: Snapshot,
    root: str,
    readme: str,
) -> dict[str, Any]:
    """Everything `status` says of one list (also its --json)."""
    keys = {entry_id: record.key for entry_id, record in state.items.items()}
    only_zotero = []
    for change in plan.local:
        if change.action is Change.ADD and change.entry is not None:
            only_zotero.append(
                {
                    "title": change.entry.title,
                    "section": list(change.section or ()),
                    "added_by": change.added_by or None,
                }
            )
    only_list = [
        {"entry": w.target.entry_id, "section": None}
        for w in plan.writes
        if w.action is Action.CREATE and isinstance(w.target, ItemTarget)
    ]
    changed: dict[str, list[str]] = {}
    for entry_id, field_name in plan.pulls:
        changed.setdefault(entry_id, []).append(field_name)
    teammates = []
    for entry_id, fields in changed.items():
        who, when = _who(remote, keys.get(entry_id), "lastModifiedByUser")
        teammates.append({"entry": entry_id, "fields": fields, "by": who or None, "when": when})
    return {
        "collections": collection_tree(reading_list, state, root),
        "in_zotero_only": only_zotero,
        "in_list_only": only_list,
        "changed_in_zotero": teammates,
        "conflicts": [c.__dict__ for c in plan.conflicts],
        "gone_in_zotero": [*plan.gone_remotely, *plan.gone_before],
        "last_synced_version": state.version or None,
        "readme": readme,
    }


README_WORDS = {
    "current": "up to date with the entries",
    "stale": "older than the entries: run `zotsync render`",
    "edited": "edited by hand since it was rendered: run `zotsync ingest`",
    "both": "edited by hand, and the entries changed too: `zotsync ingest --force` takes the "
    "README as it is, `zotsync render` the entries",
    "missing": "not there: run `zotsync render`",
    "unknown": "not the rendering of the entries (this clone did not render or ingest it: "
    "`zotsync render --check` shows the first difference)",
    "none": "none configured (`markdown:` in zotsync.yaml)",
}


def status_lines(name: str, where: str, status: dict[str, Any]) -> list[str]:
    """The text of one list's status."""
    version = status["last_synced_version"]
    synced = f"last synced at library version {version}" if version else "never synced"
    rows = [("  " * len(r["section"]) + r["name"][:60], r) for r in status["collections"]]
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{name} -> {where} ({synced})", f"  {'collections':<{width + 2}} entries  items"]
    for label, row in rows:
        items = "-" if row["items"] is None else str(row["items"])
        lines.append(f"    {label:<{width}} {row['entries']:>7}  {items:>5}")
    if status["in_zotero_only"]:
        lines.append(f"  in Zotero, not yet in the list: {len(status['in_zotero_only'])}")
        for added in status["in_zotero_only"]:
            by = f", added by {added['added_by']}" if added["added_by"] else ""
            lines.append(f"    {added['title']} ({' / '.join(added['section'])}{by})")
    if status["in_list_only"]:
        lines.append(f"  in the list, not yet in Zotero: {len(status['in_list_only'])}")
        lines.extend(f"    {e['entry']}" for e in status["in_list_only"])
    if status["changed_in_zotero"]:
        lines.append("  changed in Zotero since the last sync:")
        for change in status["changed_in_zotero"]:
            by = f" (by {change['by']}, {change['when']})" if change["by"] else ""
            lines.append(f"    {change['entry']}: {', '.join(change['fields'])}{by}")
    if status["conflicts"]:
        lines.append(
            f"  conflicts: {len(status['conflicts'])} (settle with `zotsync sync --prefer list` "
            "or `--prefer zotero`)"
        )
        for c in status["conflicts"]:
            lines.append(
                f"    {c['entry_id']}.{c['field']}: list {c['list_value']!r}, "
                f"Zotero {c['zotero_value']!r}"
                + (
                    f" (one alone: `--settle {c['entry_id']}.{c['field']}=list`)"
                    if c["entry_id"]
                    else ""
                )
            )
    if status["gone_in_zotero"]:
        lines.append(
            f"  gone in Zotero (deleted or trashed): {', '.join(status['gone_in_zotero'])}"
        )
    lines.append(f"  README: {README_WORDS[status['readme']]}")
    return lines


def status_of(
    item: ListConfig, target: Target, notify: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """One list's status: the plan a dry run would make, against the library as read now
    (or, when no byte changed since a clean sync and Zotero answers 304, as the state has it)."""
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.state_file import StateFile
    from zotsync.adapters.version_cache import unchanged_since
    from zotsync.adapters.yaml_store import load_list, load_mapping
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.sync.desired import desired_library
    from zotsync.sync.engine import read_remote, snapshot_from_state
    from zotsync.sync.plan import plan_sync

    reading_list, _ = load_list(item.entries, readonly=True)
    mapping = load_mapping(item.mapping)
    state, fresh = StateFile(target.state_path, target.identity).load()
    library = ZoteroLibrary(target.endpoint, target.group, target.key, notify=notify)
    try:
        version = unchanged_since(item, target.state_path)
        if not fresh and version == state.version and library.unchanged_since(version):
            remote = snapshot_from_state(state)
        else:
            remote = read_remote(library, state, fresh, [state])
        requests = library.requests
    finally:
        library.close()
    desired = desired_library(reading_list, mapping, item.collection, item.name)
    plan = plan_sync(desired, remote, state, mapping, seed=target.seed, pull=True)
    readme = readme_state(item, render_list(reading_list).text)
    report = list_status(reading_list, state, plan, remote, item.collection, readme)
    where = "the sandbox" if target.sandbox else f"group {target.group} at {target.endpoint}"
    return {"list": item.name, "library": where, **report, "requests": requests}


def readme_state(item: ListConfig, rendered: str) -> str:
    """current, stale (edited by hand since the last render or ingest), unknown, missing
    or none (the list has no README)."""
    from zotsync.adapters.caches import last_markdown, markdown_digest

    if item.markdown is None:
        return "none"
    try:
        text = item.markdown.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return "missing"
    if text == rendered:
        return "current"
    last = last_markdown(item.entries)
    if last is None:
        return "unknown"
    if last == markdown_digest(text):
        return "stale"
    if last == markdown_digest(rendered):
        return "edited"
    return "both"
