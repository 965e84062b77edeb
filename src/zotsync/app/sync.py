"""The sync use case: every selected list with its library, both ways.

Lists of one library sync together (one read of the library for all of them).  Before any
list is parsed, the fast path asks each library whether anything changed since the last
clean sync (one request); if nothing did, the sync reports so and ends.  The list side of
the engine (:class:`ListWriter`) saves what a plan changes in the list, with citation keys
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

# What the CLI gives for progress: total -> a context in which the callable advances it.
ProgressBar = Callable[[int], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True, kw_only=True)
class SyncOptions:
    list_name: str | None = None
    dry_run: bool = False
    prune: bool = False
    prefer: Prefer | None = None
    settle: dict[str, Prefer] = field(default_factory=dict)  # "ENTRY" or "ENTRY.FIELD" -> way
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
    readme: list[str] = field(default_factory=list)  # README edits taken in, READMEs rendered

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
    if not options.prune and options.prefer is None and not options.settle:
        quick = nothing_to_do(config, options, sandboxes)
        if quick is not None:
            return quick
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.sync.engine import run_library

    outcome = SyncOutcome()
    jobs_by_library = _jobs_by_library(config, options, sandboxes, outcome.doubts, outcome.readme)
    for members in jobs_by_library.values():
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
                    settle=options.settle,
                    allow_empty=options.allow_empty,
                    progress=advance,
                )
        finally:
            library.close()
        if not options.dry_run:
            for _, _, job in members:  # what the sync took from the README, once it went through
                if isinstance(job.apply_local, ListWriter) and job.apply_local.renders:
                    job.apply_local.finish()
            _remember_clean(members, results)
            _record_sent_keys(members)
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
    readme: list[str],
) -> dict[tuple[str, int], list[tuple[ListConfig, Target, ListJob]]]:
    from zotsync.adapters.state_file import StateFile
    from zotsync.adapters.yaml_store import load_list, load_mapping, save_list
    from zotsync.app.keys import with_keys
    from zotsync.sync.desired import desired_library
    from zotsync.sync.engine import ListJob

    by_library: dict[tuple[str, int], list[tuple[ListConfig, Target, ListJob]]] = {}
    loaded = []
    took: set[str] = set()  # lists whose README's edits the sync writes once it went through
    for item in config.select(options.list_name):  # every list weighed before any is written
        taken = _take_readme_edits(item, options.dry_run, config.lists, readme)
        if taken is not None:
            took.add(item.name)
        reading_list, located = load_list(item.entries)
        reading_list = taken if taken is not None else reading_list
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
        job.apply_local = ListWriter(item, reading_list, mapping, config.lists, readme)
        job.apply_local.dirty = item.name in took
        by_library.setdefault((target.endpoint, target.group), []).append((item, target, job))
    return by_library


def _take_readme_edits(
    item: ListConfig, dry_run: bool, lists: tuple[ListConfig, ...], notes: list[str]
) -> ReadingList | None:
    """The list with its README's edits taken in (the reconciliation of `render`), before
    the sync plans: a pull request's hand edit reaches Zotero in the same run.  None for a
    list whose README or Markdown base is missing (it syncs its entries as they are), or
    whose README is as zotsync last wrote or read it in this clone (nothing to take in: the
    reconciliation costs a rendering of every entry; a fresh clone, with no such record,
    reconciles)."""
    from zotsync.app.ingest import ingest_markdown

    if item.markdown is None or not _renders(item) or _readme_as_left(item):
        return None
    text = item.markdown.read_text(encoding="utf-8")
    # In memory: the files change only once the sync has gone through (see ListWriter).
    done = ingest_markdown(
        item.name,
        item.entries,
        item.markdown,
        text,
        dry_run=True,
        lists=lists,
        direction="render",
    )
    taken = done.report.edited
    if taken:
        verb = "would take" if dry_run else "took"  # once the sync goes through
        notes.append(f"{item.markdown}: {verb} {len(taken)} README edit(s) into {item.entries}")
    if done.readme_written and dry_run:  # a real sync says so once it has written it
        notes.append(f"{item.markdown}: would render the entries' edits")
    return done.reading_list


def _renders(item: ListConfig) -> bool:
    """Whether a sync reconciles and renders the list's README: it has one, and a Markdown
    base to reconcile it against."""
    from zotsync.adapters.markdown_base import BASE_FILE

    return (
        item.markdown is not None and item.markdown.exists() and (item.entries / BASE_FILE).exists()
    )


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


def _record_sent_keys(members: list[tuple[ListConfig, Target, ListJob]]) -> None:
    """The keys the sync sent to Zotero, in each list's ledger: exported, they never change."""
    from zotsync.adapters.key_ledger import record_exported

    for item, _, job in members:
        keys = (str(d.fields.get("citationKey", "")) for d in job.desired.items.values())
        record_exported(item.entries, keys)


def _remember_clean(
    members: list[tuple[ListConfig, Target, ListJob]], results: dict[str, SyncReport]
) -> None:
    """The fast path's record: the version of a clean sync.  Conflicts, and papers found
    deleted in Zotero by this sync, are read again by the next: no fast path past them (a
    deletion once recorded is not news: `status` shows it)."""
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
        version = unchanged_since(item, target.state_path) if _readme_as_left(item) else None
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


def _readme_as_left(item: ListConfig) -> bool:
    """Whether the list's README and its entries are as zotsync last wrote or read them
    here (else the README holds edits a sync takes in, or lacks the entries' edits it is to
    show: no fast path, and the sync reconciles them)."""
    from zotsync.adapters.caches import entries_as_left, last_markdown, markdown_digest

    if not _renders(item) or item.markdown is None:
        return True
    try:
        text = item.markdown.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the full sync says what is wrong with it
    return last_markdown(item.entries) == markdown_digest(text) and entries_as_left(item.entries)


class ListWriter:
    """The list side of the engine: applies a plan's changes to the list's YAML (atomically,
    file by file); entries pulled from Zotero keep the item's citation key, or get one.  A
    list with a Markdown base gets its README rendered too (first: see app.ingest), so a
    scheduled sync leaves README, entries and Zotero in step; :meth:`finish` writes what
    the sync took from the README when no pull wrote the list."""

    def __init__(
        self,
        item: ListConfig,
        reading_list: ReadingList,
        mapping: Mapping,
        lists: tuple[ListConfig, ...],
        notes: list[str] | None = None,
    ) -> None:
        self.item, self.mapping, self.lists, self.notes = item, mapping, lists, notes
        self.current = reading_list
        self.renders = _renders(item)
        self.dirty = False  # the list differs from its files (README edits taken, a pull)

    def __call__(self, plan: Plan) -> Desired:
        from zotsync.app.keys import with_keys
        from zotsync.sync.desired import desired_library
        from zotsync.sync.list_changes import apply_changes

        item = self.item
        self.current, _ = with_keys(apply_changes(self.current, plan.local), item.name, self.lists)
        self.dirty = True
        self.finish("rendered what the sync brought from Zotero")
        return desired_library(self.current, self.mapping, item.collection, item.name)

    def finish(self, note: str = "rendered the entries' edits") -> None:
        from zotsync.adapters.caches import remember_markdown
        from zotsync.adapters.files import atomic_write
        from zotsync.adapters.markdown_base import BASE_FILE, base_bytes
        from zotsync.adapters.markdown_list import entry_markdown, render_list
        from zotsync.adapters.yaml_store import save_list
        from zotsync.core.reconcile import base_of

        markdown = self.item.markdown
        if not self.dirty:
            return
        if not self.renders or markdown is None:
            save_list(self.item.entries, self.current)
            return
        text = render_list(self.current).text
        if atomic_write(markdown, text.encode("utf-8")) and self.notes is not None:
            self.notes.append(f"{markdown}: {note}")
        extra = {BASE_FILE: base_bytes(base_of(self.current, entry_markdown))}
        save_list(self.item.entries, self.current, extra=extra)
        remember_markdown(self.item.entries, text)


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
        "gone_earlier": [],
        "refused": [],
        "duplicates": [],
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
        "gone_earlier": plan.gone_before,
        "refused": [{"entry": e, "what": w} for e, w in plan.refused],
        "duplicates": [
            {"entry": d.entry_id, "key": d.key, "why": d.why, "added_by": d.added_by or None}
            for d in plan.duplicates
        ],
    }
