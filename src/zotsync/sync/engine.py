"""Run a sync: read what changed, plan, write in batches, record the state after each batch.

The remote side is read in full only on a first sync (for the adoption index); afterwards
``changes_since(state.version)`` costs one request when nothing changed, and otherwise fetches
only the changed objects.  Writes carry ``If-Unmodified-Since-Version``: a 412 (a teammate
wrote in between) or a per-object 412/409 (an object moved under us, or exists from an
interrupted run) leads to a re-read and a re-plan, a bounded number of times.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zotsync.core.entries import SectionPath
from zotsync.core.escape import clean_line
from zotsync.core.mapping import Mapping
from zotsync.errors import EmptySide, LibraryChanged, SyncFailed
from zotsync.sync.actions import (
    Action,
    Change,
    CollectionTarget,
    ItemTarget,
    Kind,
    LinkTarget,
    Plan,
    Write,
    assert_never,
)
from zotsync.sync.desired import ROOT, Desired
from zotsync.sync.merge import Prefer
from zotsync.sync.plan import plan_sync
from zotsync.sync.ports import ListSide, RemoteLibrary, StateStore
from zotsync.sync.remote import Changes, RemoteObject, Snapshot
from zotsync.sync.state import CollectionRecord, ItemRecord, LinkRecord, SyncState

ROUNDS = 6


EMPTY_SIDE_MINIMUM = 3  # a list of one or two papers may well be emptied on purpose


def check_empty_side(job: ListJob, plan: Plan, remote: Snapshot) -> None:
    if _root_deleted(job.state, remote):
        raise EmptySide(
            f"{job.name}: the list's root collection "
            f"{job.state.collections[ROOT].name!r} was deleted in Zotero "
            f"(with its sub-collections; {len(job.state.items)} synced items are in none of "
            "the list's collections now); nothing was changed.  To put the list back into "
            "Zotero, run `zotsync sync --allow-empty`"
        )
    known = len(job.state.items)
    if known < EMPTY_SIDE_MINIMUM:
        return
    if plan.gone_remotely and len(plan.gone_remotely) + len(plan.gone_before) >= known:
        raise EmptySide(
            f"{job.name}: Zotero no longer has any of the {known} items this list synced "
            "(deleted or trashed, or another library); nothing was changed.  If that is "
            "intended, run `zotsync sync --allow-empty`"
        )
    if not job.desired.items:
        raise EmptySide(
            f"{job.name}: the list has no entries any more, but {known} were synced; nothing "
            "was changed.  If that is intended, run `zotsync sync --allow-empty`"
        )


def _root_deleted(state: SyncState, remote: Snapshot) -> bool:
    root = state.collections.get(ROOT)
    found = remote.collections.get(root.key) if root is not None else None
    return root is not None and (found is None or bool(found.data.get("deleted")))


def _refile_after_root_deleted(state: SyncState, remote: Snapshot) -> None:
    """The user put a deleted list back (``--allow-empty``): its items were in the deleted
    collections, which is no teammate's move, so they go back into their sections."""
    if _root_deleted(state, remote):
        for record in state.items.values():
            record.collections = [key for key in record.collections if key in remote.collections]


@dataclass
class SyncReport:
    plan: Plan
    written: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    requests: int = 0
    # The same writes by what was written ("create collection", "create item"…): a count
    # says what it counts.
    kinds: dict[str, int] = field(default_factory=dict)


def _report_earlier_rounds(final: Plan, earlier: list[Plan]) -> None:
    """What earlier rounds of this sync did to the list (pulled, added, moved, adopted) goes
    in the report with the last round's plan: the user hears of it once, in order."""
    for plan in reversed(earlier):
        final.local[:0] = plan.local
        final.pulls[:0] = [p for p in plan.pulls if p not in final.pulls]
        final.adopted[:0] = [a for a in plan.adopted if a not in final.adopted]
        final.gone_remotely[:0] = [g for g in plan.gone_remotely if g not in final.gone_remotely]
        final.gone_before = [g for g in final.gone_before if g not in final.gone_remotely]
        final.refused[:0] = [r for r in plan.refused if r not in final.refused]
        final.duplicates[:0] = [d for d in plan.duplicates if d not in final.duplicates]


def snapshot_from_state(state: SyncState) -> Snapshot:
    """The remote side as the state last saw it (true while the library version is unchanged)."""
    snap = Snapshot(version=state.version)
    for record in state.collections.values():
        snap.collections[record.key] = RemoteObject(
            record.key,
            record.version,
            {"name": record.name, "parentCollection": record.parent or False},
        )
    for item in state.items.values():
        snap.items[item.key] = RemoteObject(
            item.key,
            item.version,
            {**item.remote_fields(), "collections": item.collections},
            from_state=True,
        )
        for label, link in item.links.items():
            snap.items[link.key] = RemoteObject(
                link.key,
                link.version,
                {
                    "itemType": "attachment",
                    "linkMode": "linked_url",
                    "parentItem": item.key,
                    "title": label,
                    "url": link.url,
                },
            )
    return snap


def read_remote(
    library: RemoteLibrary,
    oldest: SyncState,
    fresh: bool,
    states: list[SyncState],
    refetch: dict[Kind, set[str]] | None = None,
) -> Snapshot:
    """The remote side: all of it when ``fresh``, else the states' view brought up to date
    with what changed since the oldest state's version, and the objects in ``refetch``
    (those a write ran into: an object the states forgot, say a link's attachment trashed
    in an earlier sync, that a create now meets again)."""
    if fresh:
        return library.snapshot()
    changes = library.changes_since(oldest.version)
    snap = Snapshot(version=oldest.version)
    for state in sorted(states, key=lambda s: s.version):
        known = snapshot_from_state(state)
        snap.collections.update(known.collections)
        snap.items.update(known.items)
    if changes is not None:
        _bring_up_to_date(library, snap, changes)
    for kind, keys in (refetch or {}).items():
        for obj in library.fetch(kind.value, sorted(keys)):
            snap.put(kind.value, obj)
    return snap


def _bring_up_to_date(library: RemoteLibrary, snap: Snapshot, changes: Changes) -> None:
    snap.version = changes.version
    for key in changes.deleted_items:
        snap.items.pop(key, None)
    for key in changes.deleted_collections:
        snap.collections.pop(key, None)
        for obj in snap.items.values():  # members leave without a version bump (§1.3)
            if key in obj.data.get("collections", []):
                obj.data["collections"] = [c for c in obj.data["collections"] if c != key]
    for obj in library.fetch("collection", changes.collections):
        snap.put("collection", obj)
    for obj in library.fetch("item", changes.items):
        snap.put("item", obj)


class _Applier:
    def __init__(
        self,
        library: RemoteLibrary,
        state: SyncState,
        store: StateStore,
        progress: Callable[[int], None],
        remote: Snapshot,
    ) -> None:
        self.remote = remote  # kept current, so that the next list plans against it
        self.library = library
        self.state = state
        self.store = store
        self.dirty_items: set[str] = set()
        self.dirty_collections: set[SectionPath] = set()
        self.progress = progress
        self.written: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        self.replan = False
        self.refetch: dict[Kind, set[str]] = {}  # objects a write ran into: read them again
        self.failures: list[str] = []
        # While a conflict stands, the state's version is held where the sync started, in
        # the journal and in every save: a run killed half-way must not resume after the
        # Zotero edit in the conflict (it would then see no edit and push the list's value).
        self.hold: int | None = None

    def _advance(self, version: int) -> None:
        self.state.version = version if self.hold is None else self.hold

    def run(self, plan: Plan, version: int) -> None:
        for phase in plan.phases:
            for write in phase:
                if not write.sends:
                    self._record(write, write.version, None)
            sending = [w for w in phase if w.sends]
            if not sending:
                continue
            for kind in Kind:
                batch_all = [w for w in sending if w.kind == kind]
                for start in range(0, len(batch_all), 50):
                    batch = batch_all[start : start + 50]
                    version = self._post(kind, batch, version)
                    self.progress(len(batch))
            if self.replan:
                return
        self._advance(version)
        self.store.save(self.state)

    def _post(self, kind: Kind, batch: list[Write], version: int) -> int:
        objects = [{"key": w.key, "version": w.version, **w.data} for w in batch]
        new_version, report = self.library.post(kind.value, objects, version)
        for index, write in enumerate(batch):
            slot = str(index)
            if slot in report["successful"]:
                obj = report["successful"][slot]
                self._record(write, obj["version"], obj["data"])
                self.remote.put(kind.value, RemoteObject(obj["key"], obj["version"], obj["data"]))
                action = write.action.value
                self.written[action] = self.written.get(action, 0) + 1
                what = f"{action} {kind.value}"
                self.kinds[what] = self.kinds.get(what, 0) + 1
            elif slot in report["unchanged"]:
                self._record(write, write.version, None)
            else:
                failure = report["failed"].get(slot, {})
                code = failure.get("code")
                if code in (404, 409, 412):  # moved under us, exists already, parent missing
                    self.replan = True
                    self.refetch.setdefault(write.kind, set()).add(write.key)
                else:
                    # Zotero HTML-escapes the message; it is a server's text, shown as one line.
                    message = clean_line(html.unescape(str(failure.get("message", ""))))
                    self.failures.append(f"{write.summary or write.key}: {code} {message}")
        if not self.replan:
            # After a per-object 404/409/412 the version stays where it was before this batch,
            # so that the re-read covers whatever the batch ran into.
            self._advance(new_version)
        self.remote.version = new_version
        self.store.journal(self.state, self.dirty_items, self.dirty_collections)
        self.dirty_items.clear()
        self.dirty_collections.clear()
        return new_version

    def _record(self, write: Write, version: int, data: dict[str, Any] | None) -> None:
        """The state after a write: the record of its target made, updated or dropped."""
        match write.target:
            case CollectionTarget(path=path):
                self._record_collection(write, path, version)
            case ItemTarget(entry_id=entry_id):
                self._record_item(write, entry_id, version, data)
            case LinkTarget(entry_id=entry_id, label=label):
                self._record_link(write, entry_id, label, version)
            case _:
                assert_never(write.target)

    def _record_collection(self, write: Write, path: SectionPath, version: int) -> None:
        self.dirty_collections.add(path)
        if write.action is Action.FORGET:  # followed to a new path (renamed or moved in Zotero)
            self.state.collections.pop(path, None)
            return
        parent = write.base.get("parentCollection") or None
        self.state.collections[path] = CollectionRecord(
            write.key, version, str(write.base["name"]), parent
        )

    def _record_item(
        self, write: Write, entry_id: str, version: int, data: dict[str, Any] | None
    ) -> None:
        self.dirty_items.add(entry_id)
        if write.action in (Action.RELEASE, Action.TRASH, Action.FORGET):
            self.state.items.pop(entry_id, None)
            return
        old = self.state.items.get(entry_id)
        seen = self.remote.items.get(write.key)
        if data is not None:
            collections = list(data.get("collections", []))
        elif "collections" in write.data:
            collections = list(write.data["collections"])
        else:  # nothing sent: the item is in Zotero as the snapshot shows it
            collections = list(seen.data.get("collections", [])) if seen else []
        self.state.items[entry_id] = ItemRecord(
            key=write.key,
            version=version,
            fields=dict(write.base),
            collections=collections,
            links=old.links if old and old.key == write.key else {},
            remote=dict(write.remote),
        )

    def _record_link(self, write: Write, entry_id: str, label: str, version: int) -> None:
        self.dirty_items.add(entry_id)
        item = self.state.items.get(entry_id)
        if item is None:
            return
        if write.action in (Action.UNLINK, Action.FORGET_LINK):
            item.links.pop(label, None)
        else:
            item.links[label] = LinkRecord(write.key, version, str(write.base.get("url", "")))


@dataclass
class ListJob:
    """One list to sync into the library: what it wants, its state and how to save it."""

    name: str
    desired: Desired
    mapping: Mapping
    state: SyncState
    fresh: bool
    store: StateStore
    seed: tuple[str, ...]
    # Applies the plan's changes to the list (entries pulled, moved, added, removed) and
    # returns what the list then asks for; runs before the state records anything of them.
    apply_local: ListSide | None = None


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    prune: bool = False
    dry_run: bool = False
    prefer: Prefer | None = None
    settle: dict[str, Prefer] = field(default_factory=dict)  # per entry or field
    allow_empty: bool = False


class _Run:
    """One sync of the lists of one library: its rounds and what they wrote, per list."""

    def __init__(
        self,
        jobs: list[ListJob],
        library: RemoteLibrary,
        options: RunOptions,
        progress: Callable[[int], None],
    ) -> None:
        self.jobs, self.library, self.options, self.progress = jobs, library, options, progress
        self.written: dict[str, dict[str, int]] = {job.name: {} for job in jobs}
        self.kinds: dict[str, dict[str, int]] = {job.name: {} for job in jobs}
        self.applied: dict[str, list[Plan]] = {job.name: [] for job in jobs}  # every round's
        # Where each state stood before this sync: while a conflict stands the state stays
        # there (not at the start of a later round), so the Zotero edit in it is read again.
        self.started = {job.name: job.state.version for job in jobs}
        self.refetch: dict[Kind, set[str]] = {}  # objects the last round's writes ran into

    def read(self, fresh: bool) -> Snapshot:
        base_state = min(self.jobs, key=lambda job: job.state.version).state
        states = [job.state for job in self.jobs]
        remote = read_remote(self.library, base_state, fresh, states, self.refetch)
        self.refetch = {}
        if self.options.allow_empty:
            for job in self.jobs:
                _refile_after_root_deleted(job.state, remote)
        return remote

    def round(self, number: int, remote: Snapshot) -> tuple[dict[str, SyncReport], bool]:
        """Plan (and, unless a dry run, apply) each list; whether another round is needed."""
        reports: dict[str, SyncReport] = {}
        for job in self.jobs:
            plan = plan_sync(
                job.desired,
                remote,
                job.state,
                job.mapping,
                seed=job.seed,
                prune=self.options.prune,
                pull=job.apply_local is not None,
                prefer=self.options.prefer,
                settle=self.options.settle,
            )
            name = job.name
            reports[name] = SyncReport(plan, self.written[name], number, kinds=self.kinds[name])
            self.applied[name].append(plan)
            if not self.options.allow_empty:
                check_empty_side(job, plan, remote)
            if not self.options.dry_run and self._apply(job, plan, remote):
                return reports, True
        return reports, False

    def _apply(self, job: ListJob, plan: Plan, remote: Snapshot) -> bool:
        """The plan's changes to the list, then its writes; whether to plan again."""
        written = self.written[job.name]
        if plan.local and job.apply_local is not None:
            # The list first, then the state: interrupted in between, the next sync finds
            # both sides equal, never an old list value to push over a teammate's edit.
            job.desired = job.apply_local(plan)
            for change in plan.local:
                key = f"{change.action.value} in the list"
                written[key] = written.get(key, 0) + 1
        applier = _Applier(self.library, job.state, job.store, self.progress, remote)
        self.refetch = applier.refetch
        if plan.conflicts or (plan.pulls and job.apply_local is None):
            applier.hold = self.started[job.name]
        try:
            applier.run(plan, remote.version)
        except LibraryChanged:
            applier.replan = True
        for action, count in applier.written.items():
            written[action] = written.get(action, 0) + count
        for kind, count in applier.kinds.items():
            self.kinds[job.name][kind] = self.kinds[job.name].get(kind, 0) + count
        if applier.failures:
            raise SyncFailed(f"{job.name}: Zotero refused: " + "; ".join(applier.failures[:5]))
        # Entries just added from Zotero got a citation key in the list: one more round
        # writes it to their items now, rather than leaving it to the next sync.
        added = any(change.action is Change.ADD for change in plan.local)
        return applier.replan or (added and job.apply_local is not None)

    def finish(self, reports: dict[str, SyncReport], remote: Snapshot) -> None:
        """Every state left at the final library version (or, while a conflict stands,
        before the Zotero edit in it, so that the next sync reads that edit again)."""
        for name, report in reports.items():
            _report_earlier_rounds(report.plan, self.applied[name][:-1])
        for job in self.jobs:
            plan = reports[job.name].plan
            unresolved = plan.conflicts or (plan.pulls and job.apply_local is None)
            version = self.started[job.name] if unresolved else remote.version
            if job.state.version != version:
                job.state.version = version
                job.store.save(job.state)


def run_library(
    jobs: list[ListJob],
    library: RemoteLibrary,
    *,
    prune: bool = False,
    dry_run: bool = False,
    prefer: Prefer | None = None,
    settle: dict[str, Prefer] | None = None,
    allow_empty: bool = False,
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, SyncReport]:
    """Sync every list of one library in one pass: read the library once (all of it on a
    first sync, else what changed since the oldest list state), plan and apply each list in
    turn against that snapshot, then leave every state at the final library version, so that
    the next sync with nothing to do costs one request whatever the number of lists."""
    options = RunOptions(
        prune=prune,
        dry_run=dry_run,
        prefer=prefer,
        settle=dict(settle or {}),
        allow_empty=allow_empty,
    )
    run = _Run(jobs, library, options, progress)
    fresh = any(job.fresh for job in jobs)
    for number in range(1, ROUNDS + 1):
        remote = run.read(fresh)
        fresh = False
        reports, replan = run.round(number, remote)
        for report in reports.values():
            report.requests = library.requests
        if dry_run:
            return reports
        if not replan:
            run.finish(reports, remote)
            return reports
    raise SyncFailed(
        f"the library kept changing during the sync ({ROUNDS} rounds); try again later"
    )
