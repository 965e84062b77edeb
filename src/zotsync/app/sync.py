"""The sync use case: every selected list with its library, both ways.

Lists of one library sync together (one read of the library for all of them).  Before any
list is parsed, the fast path asks each library whether anything changed since the last
clean sync (one request); if nothing did, the sync reports so and ends.  The list side of
the engine (:func:`list_writer`) saves what a plan changes in the list, with citation keys
for entries pulled from Zotero.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zotsync.adapters.config import Config, ListConfig
from zotsync.adapters.version_cache import library_unchanged, remember, unchanged_since
from zotsync.app.targets import Sandboxes, Target, resolve

if TYPE_CHECKING:  # the rest is imported past the fast path, which does without it
    from pathlib import Path

    from zotsync.core.document import ReadingList
    from zotsync.core.mapping import Mapping
    from zotsync.sync.actions import Plan
    from zotsync.sync.desired import Desired
    from zotsync.sync.engine import ListJob, SyncReport
    from zotsync.sync.merge import Prefer
    from zotsync.sync.ports import ListSide

# What the CLI gives for progress: total -> a context in which the callable advances it.
ProgressBar = Callable[[int], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True, kw_only=True)
class SyncOptions:
    list_name: str | None = None
    dry_run: bool = False
    prune: bool = False
    prefer: Prefer | None = None
    allow_empty: bool = False
    force: bool = False  # a first sync writes even fields `check` doubts


@dataclass(frozen=True)
class ListResult:
    """One list's sync: its report (None on the fast path: nothing to do)."""

    name: str
    where: str  # "the sandbox", or "group N at URL"
    report: SyncReport | None
    requests: int


@dataclass
class SyncOutcome:
    lists: list[ListResult] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)  # library -> requests sent
    quick: bool = False  # answered by the fast path
    doubts: list[str] = field(default_factory=list)  # a dry run's: a real sync would stop

    @property
    def conflicts(self) -> bool:
        return any(r.report is not None and r.report.plan.conflicts for r in self.lists)


def where(target: Target) -> str:
    return "the sandbox" if target.sandbox else f"group {target.group} at {target.endpoint}"


def sync_lists(
    config: Config,
    options: SyncOptions,
    sandboxes: Sandboxes,
    *,
    progress: ProgressBar,
    notify: Callable[[str], None] | None = None,
) -> SyncOutcome:
    if not options.prune and options.prefer is None:
        quick = nothing_to_do(config, options, sandboxes)
        if quick is not None:
            return quick
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.sync.engine import run_library

    outcome = SyncOutcome()
    for members in _jobs_by_library(config, options, sandboxes, outcome.doubts).values():
        target = members[0][1]
        library = ZoteroLibrary(target.endpoint, target.group, target.key, notify=notify)
        jobs = [job for _, _, job in members]
        total = sum(len(j.desired.items) + len(j.desired.collections) for j in jobs)
        try:
            with progress(total) as advance:
                results = run_library(
                    jobs,
                    library,
                    prune=options.prune,
                    dry_run=options.dry_run,
                    prefer=options.prefer,
                    allow_empty=options.allow_empty,
                    progress=advance,
                )
        finally:
            library.close()
        if not options.dry_run:
            _remember_clean(members, results)
        outcome.requests[where(target)] = library.requests
        outcome.lists.extend(
            ListResult(name, where(target), report, library.requests)
            for name, report in results.items()
        )
    return outcome


def _jobs_by_library(
    config: Config,
    options: SyncOptions,
    sandboxes: Sandboxes,
    doubts: list[str],
) -> dict[tuple[str, int], list[tuple[ListConfig, Target, ListJob]]]:
    from zotsync.adapters.state_file import StateFile
    from zotsync.adapters.yaml_store import load_list, load_mapping, save_list
    from zotsync.app.keys import with_keys
    from zotsync.sync.desired import desired_library
    from zotsync.sync.engine import ListJob

    by_library: dict[tuple[str, int], list[tuple[ListConfig, Target, ListJob]]] = {}
    loaded = []
    for item in config.select(options.list_name):  # every list weighed before any is written
        reading_list, located = load_list(item.entries)
        mapping = load_mapping(item.mapping)
        target = resolve(item, config.path.parent, sandboxes)
        store = StateFile(target.state_path, target.identity)
        state, fresh = store.load()
        if not state.items and not options.force:
            first = desired_library(reading_list, mapping, item.collection, item.name)
            loaded_list = (reading_list, located)
            _stop_on_doubts(item, loaded_list, first, target, doubts if options.dry_run else None)
        loaded.append((item, reading_list, mapping, target, store, state, fresh))
    for item, reading_list, mapping, target, store, state, fresh in loaded:
        reading_list, keyed = with_keys(reading_list, item.name, config.lists)
        if keyed and not options.dry_run:
            save_list(item.entries, reading_list)
        desired = desired_library(reading_list, mapping, item.collection, item.name)
        job = ListJob(item.name, desired, mapping, state, fresh, store, target.seed)
        job.apply_local = list_writer(item, reading_list, mapping, config.lists)
        by_library.setdefault((target.endpoint, target.group), []).append((item, target, job))
    return by_library


def _stop_on_doubts(
    item: ListConfig,
    loaded: tuple[ReadingList, dict[str, tuple[Path, int]]],
    desired: Desired,
    target: Target,
    doubts: list[str] | None,
) -> None:
    """A first sync into a group writes nothing while `check` finds fields it may have read
    wrong: a wrong title or author in a shared group is worse than none.  (A dry run goes
    on, the message added to ``doubts``.)"""
    from zotsync.app.lint import doubtful, list_findings
    from zotsync.errors import DoubtfulFields

    if not desired.items:
        return
    message = doubtful(list_findings(item.entries, item.mapping, loaded))  # as on disk
    if message is None:
        return
    plan = f"{len(desired.collections)} collections and {len(desired.items)} items"
    text = f"list {item.name!r} ({plan} for {where(target)}): {message}"
    if doubts is None:
        raise DoubtfulFields(text)
    doubts.append(text)


def _remember_clean(
    members: list[tuple[ListConfig, Target, ListJob]], results: dict[str, SyncReport]
) -> None:
    """The fast path's record: the version of a clean sync.  Conflicts and papers deleted
    in Zotero are reported by every sync until resolved: no fast path past them."""
    for item, target, job in members:
        plan = results[item.name].plan
        clean = not plan.conflicts and not plan.gone_remotely
        remember(item, target.state_path, job.state.version if clean else None)


def nothing_to_do(config: Config, options: SyncOptions, sandboxes: Sandboxes) -> SyncOutcome | None:
    """The outcome when nothing changed on either side since the last clean sync (one
    request per library, entries not parsed), else None: the full sync runs, and the
    record of the last clean sync is forgotten until it ends clean again."""
    libraries: dict[tuple[str, int, str], list[tuple[ListConfig, Target, int | None]]] = {}
    for item in config.select(options.list_name):
        target = resolve(item, config.path.parent, sandboxes)
        version = unchanged_since(item, target.state_path)
        library = (target.endpoint, target.group, target.key)
        libraries.setdefault(library, []).append((item, target, version))
    every = [member for members in libraries.values() for member in members]
    quick = all(version is not None for _, _, version in every)
    outcome = SyncOutcome(quick=True)
    for (endpoint, group, key), members in libraries.items():
        versions = {version for _, _, version in members}
        version = versions.pop() if quick and len(versions) == 1 else None
        if version is None or not library_unchanged(endpoint, group, key, version):
            if not options.dry_run:
                for item, target, _ in every:
                    remember(item, target.state_path, None)
            return None
        outcome.requests[where(members[0][1])] = 1
        outcome.lists.extend(ListResult(item.name, where(t), None, 1) for item, t, _ in members)
    return outcome


def list_writer(
    item: ListConfig, reading_list: ReadingList, mapping: Mapping, lists: tuple[ListConfig, ...]
) -> ListSide:
    """The list side of the engine: applies a plan's changes to the list's YAML (atomically,
    file by file); entries pulled from Zotero keep the item's citation key, or get one."""
    from zotsync.adapters.yaml_store import save_list
    from zotsync.app.keys import with_keys
    from zotsync.sync.desired import desired_library
    from zotsync.sync.list_changes import apply_changes

    current = [reading_list]

    def apply(plan: Plan) -> Desired:
        current[0], _ = with_keys(apply_changes(current[0], plan.local), item.name, lists)
        save_list(item.entries, current[0])
        return desired_library(current[0], mapping, item.collection, item.name)

    return apply


def report_json(result: ListResult, dry_run: bool) -> dict[str, Any]:
    """One list's sync as `sync --json` gives it."""
    empty: dict[str, Any] = {
        "list": result.name,
        "library": result.where,
        "dry_run": dry_run,
        "planned": {},
        "written": {},
        "adopted": [],
        "conflicts": [],
        "pulled": [],
        "changes": [],
        "gone_in_zotero": [],
        "refused": [],
        "requests": result.requests,
    }
    if result.report is None:
        return empty
    plan = result.report.plan
    return {
        **empty,
        "planned": plan.counts() if dry_run else {},
        "written": dict(result.report.written),
        "adopted": [{"entry": e, "key": k} for e, k in plan.adopted],
        "conflicts": [dict(c.__dict__) for c in plan.conflicts],
        "pulled": [{"entry": e, "field": f} for e, f in plan.pulls],
        "changes": [
            {
                "action": c.action.value,
                "entry": c.entry_id,
                "section": list(c.section) if c.section else None,
                "added_by": c.added_by or None,
                "to": list(c.to) if c.to else None,
            }
            for c in plan.local
        ],
        "gone_in_zotero": plan.gone_remotely,
        "refused": [{"entry": e, "what": w} for e, w in plan.refused],
    }
