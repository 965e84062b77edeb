"""A sync told as Markdown (pure): the body of the pull request a scheduled job opens, or the
job's step summary on GitHub.  Who added what, what changed, and each conflict with the way to
settle it.  Every text from Zotero in it is escaped (zotsync.core.escape): the summary is rendered
on GitHub, and a teammate's title must not become a link or a heading there.
"""

from __future__ import annotations

from dataclasses import dataclass

from zotsync.core.escape import markdown_text
from zotsync.sync.actions import Change, Plan


@dataclass(frozen=True)
class ListSync:
    name: str
    library: str
    done: list[str]  # "16 collections created", "3 entries added from Zotero"…
    plan: Plan | None  # None: nothing changed on either side (the fast path)
    dry_run: bool = False


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _cell(value: object) -> str:
    return markdown_text(str(value)).replace("|", "\\|")


def _changes(plan: Plan) -> list[str]:
    out: list[str] = []
    for change in plan.local:
        section = markdown_text(" / ".join(change.section or ()))
        title = f"**{markdown_text(change.entry.title)}** " if change.entry else ""
        if change.action is Change.ADD:
            by = f", by {markdown_text(change.added_by)}" if change.added_by else ""
            out.append(f"- added {title}({_code(change.entry_id)}) to *{section}*{by}")
        elif change.action is Change.COPY:
            out.append(f"- also in *{section}*: {title}({_code(change.entry_id)})")
        elif change.action in (Change.MOVE, Change.DROP, Change.REMOVE):
            verb = {"move": "moved to", "drop": "taken out of", "remove": "removed (--prune)"}
            where = f" *{section}*" if change.action is not Change.REMOVE else ""
            out.append(f"- {_code(change.entry_id)} {verb[change.action]}{where}")
        elif change.action is Change.RESECTION:
            to = markdown_text(" / ".join(change.to or ()))
            out.append(f"- section *{section}* is now *{to}* (renamed or moved in Zotero)")
        elif change.action is Change.SECTION:
            out.append(f"- new section *{section}* (a collection made in Zotero)")
    pulled: dict[str, list[str]] = {}
    for entry_id, field_name in plan.pulls:
        pulled.setdefault(entry_id, []).append(field_name)
    out += [
        f"- {_code(e)}: {', '.join(_code(n) for n in names)} edited in Zotero"
        for e, names in pulled.items()
    ]
    out += [
        f"- {_code(e)}: deleted or trashed in Zotero (the entry is kept; `zotsync sync "
        "--prune` removes it)"
        for e in plan.gone_remotely
    ]
    out += [
        f"- {_code(d.entry_id)}: a teammate filed it again in Zotero (item {_code(d.key)}, "
        f"{markdown_text(d.why)}); not added twice, merge the two items in Zotero"
        for d in plan.duplicates
    ]
    out += [f"- {_code(e)}: {markdown_text(what)}" for e, what in plan.refused]
    return out


def _conflicts(plan: Plan) -> list[str]:
    if not plan.conflicts:
        return []
    rows = [
        f"| {_code(c.entry_id or '(section)')} | {_code(c.field)} | {_cell(c.list_value)} | "
        f"{_cell(c.zotero_value)} | {_cell(c.base_value)} |"
        for c in plan.conflicts
    ]
    return [
        "",
        f"**{len(plan.conflicts)} conflict(s), left alone on both sides** (changed differently "
        "in the list and in Zotero since the last sync):",
        "",
        "| entry | field | the list | Zotero | last synced |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Settle them with `zotsync sync --prefer list` (the list's values win) or "
        "`zotsync sync --prefer zotero` (Zotero's win), one of them with "
        "`zotsync sync --settle ENTRY.FIELD=list` (or `=zotero`), or edit one side to match "
        "the other.",
    ]


def sync_summary(lists: list[ListSync]) -> str:
    """The Markdown of a sync of ``lists``."""
    out: list[str] = []
    for item in lists:
        what = "plan" if item.dry_run else "sync"
        out.append(
            f"### zotsync {what}: {markdown_text(item.name)} ({markdown_text(item.library)})"
        )
        out.append("")
        out.append(", ".join(item.done) + "." if item.done else "Nothing to do.")
        if item.plan is not None:
            changes = _changes(item.plan)
            if changes:
                out += ["", *changes]
            out += _conflicts(item.plan)
        out.append("")
    return "\n".join(out)
