"""Links: an entry's extra links <-> its item's linked-URL attachments, three-way like
fields.  A link the list changed is written; one Zotero changed (added, edited, removed) is
pulled into the entry."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from zotsync.core.entries import SectionPath
from zotsync.core.escape import clean_line, clean_url
from zotsync.core.mapping import attachment_fields, safe_url
from zotsync.sync.actions import Action, Change, Conflict, LinkTarget, LocalChange, Phase, Write
from zotsync.sync.desired import DesiredItem
from zotsync.sync.merge import NO_BASE, Outcome, merge3
from zotsync.sync.plan.context import PlanContext
from zotsync.sync.remote import RemoteObject
from zotsync.sync.state import LinkRecord


def plan_links(
    ctx: PlanContext, want: DesiredItem, parent: str, base_links: dict[str, LinkRecord]
) -> None:
    """Every link of the entry, then the links it lost, then those a teammate attached."""
    children = [c for c in ctx.remote.children(parent) if c.data.get("linkMode") == "linked_url"]
    pulled = dict(want.links)  # the entry's links once Zotero's changes are in
    for label, url in want.links:
        record = base_links.get(label)
        remote = ctx.remote.items.get(record.key) if record else None
        if record is not None and (remote is None or remote.trashed):
            if url == record.url:  # removed in Zotero, unchanged in the list: pull
                del pulled[label]
                ctx.plan.pulls.append((want.entry_id, f"links.{label}"))
                _write(ctx, want, record.key, record.version, {}, Action.FORGET_LINK, label, url)
                continue
        elif record is not None and remote is not None:
            _synced_link(ctx, want, record, remote, label, url, pulled)
            continue
        _new_link(ctx, want, parent, children, label, url, pulled)
    _links_gone_from_list(ctx, want, base_links, pulled)
    _links_attached_in_zotero(ctx, want, children, base_links, pulled)
    if pulled != dict(want.links) and ctx.pull and want.entry is not None:
        entry = replace(want.entry, links=tuple(pulled.items()))
        ctx.plan.local.append(LocalChange(Change.UPDATE, want.entry_id, entry=entry))
        for member, _ in want.members:  # the paper's other entries that had these links
            if member.id != want.entry_id and dict(member.links) == dict(want.links):
                copy = replace(member, links=tuple(pulled.items()))
                ctx.plan.local.append(LocalChange(Change.UPDATE, member.id, entry=copy))


def _write(
    ctx: PlanContext,
    want: DesiredItem,
    key: str,
    version: int,
    data: dict[str, Any],
    action: Action,
    label: str,
    url: str,
) -> None:
    """A link write; its base is the URL the entry will have."""
    ctx.plan.add(
        Phase.LINKS,
        Write(
            key=key,
            version=version,
            data=data,
            action=action,
            target=LinkTarget(entry_id=want.entry_id, label=label),
            base={"url": url},
            summary=f"{want.entry_id} [{label}]",
        ),
    )


def _pull(
    ctx: PlanContext, want: DesiredItem, label: str, url: str, pulled: dict[str, str]
) -> None:
    pulled[label] = url
    ctx.plan.pulls.append((want.entry_id, f"links.{label}"))


def _synced_link(
    ctx: PlanContext,
    want: DesiredItem,
    record: LinkRecord,
    remote: RemoteObject,
    label: str,
    url: str,
    pulled: dict[str, str],
) -> None:
    theirs = str(remote.data.get("url", ""))
    outcome = merge3(record.url, url, theirs, ctx.prefer_for(want.entry_id, f"links.{label}"))
    if outcome in (Outcome.UNCHANGED, Outcome.AGREE):
        title = {"title": label} if remote.data.get("title") != label else {}
        if url != record.url or title or remote.version != record.version:
            _write(ctx, want, remote.key, remote.version, title, Action.RELINK, label, url)
    elif outcome is Outcome.TAKE_LIST:
        _write(ctx, want, remote.key, remote.version, {"url": url}, Action.RELINK, label, url)
    elif outcome is Outcome.TAKE_ZOTERO:
        _pull(ctx, want, label, theirs, pulled)
        _write(ctx, want, remote.key, remote.version, {}, Action.RELINK, label, theirs)
    else:
        ctx.plan.conflicts.append(
            Conflict(want.entry_id, f"links.{label}", url, theirs, record.url)
        )


def _new_link(
    ctx: PlanContext,
    want: DesiredItem,
    parent: str,
    children: list[RemoteObject],
    label: str,
    url: str,
    pulled: dict[str, str],
) -> None:
    """A link without a (live) record: an attachment that is already it, else its own
    attachment from another copy of the list (or trashed), else a new one."""
    section = want.sections[0] if want.sections else ()
    existing = next(
        (
            c
            for c in children
            if c.data.get("url") == url
            and _labelled(ctx, c, label, section)
            and not c.trashed
            and c.key not in ctx.claimed
        ),
        None,
    )
    derived = ctx.derived("link", want.entry_id, label)
    candidate = ctx.remote.items.get(derived)
    if existing is None and candidate is not None:
        _own_attachment(ctx, want, candidate, label, url, pulled)
    elif existing is not None:
        ctx.claimed.add(existing.key)
        title = {"title": label} if existing.data.get("title") != label else {}
        _write(ctx, want, existing.key, existing.version, title, Action.RELINK, label, url)
    else:
        data = dict(attachment_fields(label, url), parentItem=parent)
        _write(ctx, want, derived, 0, data, Action.LINK, label, url)


def _labelled(ctx: PlanContext, child: RemoteObject, label: str, section: SectionPath) -> bool:
    """The attachment's title is ``label``, or is it as the list spells it (``Code``)."""
    title = str(child.data.get("title", ""))
    return (
        title == label
        or ctx.labels.spelled(title, str(child.data.get("url", "")), section) == label
    )


def _own_attachment(
    ctx: PlanContext,
    want: DesiredItem,
    candidate: RemoteObject,
    label: str,
    url: str,
    pulled: dict[str, str],
) -> None:
    """This link's own attachment: made by another copy of the list, or trashed when the
    link was removed.  No base: a different URL is a conflict (or --prefer's)."""
    ctx.claimed.add(candidate.key)
    theirs = str(candidate.data.get("url", ""))
    key, version = candidate.key, candidate.version
    if candidate.trashed:  # back in the list: out of the trash, with the list's URL
        data = {"deleted": 0, **({"url": url} if theirs != url else {})}
        _write(ctx, want, key, version, data, Action.RELINK, label, url)
        return
    outcome = merge3(NO_BASE, url, theirs, ctx.prefer_for(want.entry_id, f"links.{label}"))
    if outcome is Outcome.TAKE_ZOTERO:
        _pull(ctx, want, label, theirs, pulled)
        _write(ctx, want, key, version, {}, Action.RELINK, label, theirs)
    elif outcome in (Outcome.AGREE, Outcome.TAKE_LIST):
        data = {"url": url} if theirs != url else {}
        _write(ctx, want, key, version, data, Action.RELINK, label, url)
    else:
        ctx.plan.conflicts.append(Conflict(want.entry_id, f"links.{label}", url, theirs, None))


def _links_gone_from_list(
    ctx: PlanContext,
    want: DesiredItem,
    base_links: dict[str, LinkRecord],
    pulled: dict[str, str],
) -> None:
    """Links the list removed: their attachments go to the trash (or, gone on both sides,
    their records are dropped)."""
    for label, record in base_links.items():
        if label in pulled or label in dict(want.links):
            continue
        remote = ctx.remote.items.get(record.key)
        if remote is None or remote.trashed:
            _write(ctx, want, record.key, record.version, {}, Action.FORGET_LINK, label, record.url)
        else:
            data = {"deleted": 1}
            _write(ctx, want, remote.key, remote.version, data, Action.UNLINK, label, record.url)


def _links_attached_in_zotero(
    ctx: PlanContext,
    want: DesiredItem,
    children: list[RemoteObject],
    base_links: dict[str, LinkRecord],
    pulled: dict[str, str],
) -> None:
    """Linked URLs a teammate attached to the item become links of the entry (a label and
    a URL zotsync can write: one clean line, a safe scheme)."""
    known = {r.key for r in base_links.values()}
    for child in children:
        title = clean_line(str(child.data.get("title", ""))).strip()
        url = clean_url(str(child.data.get("url", "")))
        label = ctx.labels.spelled(title, url, want.sections[0] if want.sections else ())
        label = title if label in pulled else label
        if (
            child.trashed
            or child.key in known
            or child.key in ctx.claimed
            or not label
            or label in pulled
            or not safe_url(url)
        ):
            continue
        ctx.claimed.add(child.key)
        _pull(ctx, want, label, url, pulled)
        retitle = {"title": label} if label != child.data.get("title") else {}
        _write(ctx, want, child.key, child.version, retitle, Action.RELINK, label, url)
