"""Citation keys across the project's lists: an entry without one gets a key by the
project's formula (zotsync.yaml ``citekey``), postfixed past every key of every list, so
keys stay unique in the library.  Keys once stored are never recomputed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zotsync.adapters.config import Config, ListConfig
from zotsync.adapters.transliteration import install as install_transliteration
from zotsync.adapters.yaml_store import load_list
from zotsync.core.citekeys import KeyAllocator, assign_keys, keys_of
from zotsync.core.document import ReadingList
from zotsync.core.keyformula import DEFAULT, Formula, compile_formula


def with_keys(
    reading_list: ReadingList, name: str, lists: Sequence[ListConfig]
) -> tuple[ReadingList, list[str]]:
    """The list with a key for each entry that has none, and the ids of those entries;
    ``lists`` are the project's lists (the others' keys are taken)."""
    if all(entry.citation_key for _, entry in reading_list.entries()):
        return reading_list, []
    taken = keys_of(reading_list)
    for other in lists:
        if other.name != name and (other.entries / "list.yaml").exists():
            taken.extend(keys_of(load_list(other.entries)[0]))
    return assign_keys(reading_list, KeyAllocator(taken), formula_of(name, lists))


def formula_of(name: str, lists: Sequence[ListConfig]) -> Formula:
    """The project's key formula (zotsync.yaml ``citekey``), with other scripts
    transliterated as Better BibTeX does; Better BibTeX's default without a config."""
    install_transliteration()
    own = next((item for item in lists if item.name == name), None)
    return compile_formula(own.citekey) if own is not None else DEFAULT


def exported_everywhere(config: Config, item: ListConfig) -> set[str]:
    """The list's keys that have left it: its ledger (every clone's exports and syncs) and
    this clone's sync state (what it sent to Zotero before the ledger existed)."""
    from zotsync.adapters.key_ledger import exported_keys
    from zotsync.adapters.state_file import StateFile
    from zotsync.app.targets import Sandboxes, resolve

    found = exported_keys(item.entries)
    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    try:
        target = resolve(item, config.path.parent, sandboxes)
        state, fresh = StateFile(target.state_path, target.identity).load()
    finally:
        sandboxes.stop()
    if not fresh:
        found |= {str(r.fields.get("citationKey", "")) for r in state.items.values()} - {""}
    return found


@dataclass(frozen=True, slots=True)
class Rekeyed:
    item: ListConfig
    changed: list[tuple[str, str, str]]  # (entry id, old key, new key)
    kept: int  # keys that differ from the formula's but were exported


def rekey_list(config: Config, item: ListConfig, dry_run: bool) -> Rekeyed:
    """Give every entry of the list whose key was never exported the formula's key (and
    store it, unless ``dry_run``); exported keys stay, whatever the formula says now."""
    from zotsync.adapters.yaml_store import save_list
    from zotsync.core.citekeys import entry_key_item, made_by, rekey

    reading_list = load_list(item.entries)[0]
    formula = formula_of(item.name, config.lists)
    exported = exported_everywhere(config, item)
    taken = [k for o in config.lists if o.name != item.name for k in _keys_in(o)]
    rekeyed, changed = rekey(reading_list, [*taken, *exported], exported, formula)
    kept = sum(
        1
        for _, e in reading_list.entries()
        if e.citation_key and not made_by(formula.make(entry_key_item(e)), e.citation_key)
    ) - len(changed)
    if changed and not dry_run:
        save_list(item.entries, rekeyed)
    return Rekeyed(item, changed, kept)


def _keys_in(item: ListConfig) -> list[str]:
    if not (item.entries / "list.yaml").exists():
        return []
    return keys_of(load_list(item.entries)[0])
