"""Export a list's section (or a Zotero collection) as BibTeX, BibLaTeX or CSL-JSON.

Two sources of the same items: the canonical entries through the mapping (what a sync puts in
Zotero: no network needed), or the Zotero library itself (teammates' items not yet pulled
included).  Collection paths are a section's path below the list's root collection
(``Research Areas/Multimodal Fusion``); a path selects its sub-sections too.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

from zotsync.adapters.bibtex import (
    ExportOptions,
    ZoteroFields,
    bib_entry,
    csl_item,
    render_bib,
)
from zotsync.adapters.caches import CACHE_DIR, JsonCache, content_key
from zotsync.adapters.config import Config, ListConfig
from zotsync.adapters.key_ledger import record_exported
from zotsync.adapters.yaml_store import (
    finish_pending_save,
    load_list,
    load_mapping,
    mapping_bytes,
    save_list,
    section_files,
    section_order,
)
from zotsync.app.keys import formula_of, with_keys
from zotsync.core.citekeys import KeyAllocator, key_item, valid_citation_key
from zotsync.core.document import ReadingList
from zotsync.core.entries import SectionPath, paper_identity
from zotsync.core.keyformula import DEFAULT, Formula
from zotsync.core.mapping import Mapping, section_item_fields
from zotsync.errors import UserError
from zotsync.sync.desired import desired_library

FORMATS = ("bibtex", "biblatex", "csljson")


@cache
def zotero_fields() -> ZoteroFields:
    data = resources.files("zotsync").joinpath("data/zotero-fields.json").read_text("utf-8")
    return ZoteroFields.from_dict(json.loads(data))


@dataclass(frozen=True, slots=True)
class Keyed:
    """An item to export and its citation key."""

    key: str
    data: dict[str, Any]


def parse_path(text: str | None) -> SectionPath:
    """``"Research Areas/Multimodal Fusion"`` -> its section path; ``None`` or ``""``: root."""
    if not text:
        return ()
    return tuple(part.strip() for part in text.strip().strip("/").split("/") if part.strip())


def unknown_collection(path: SectionPath, known: Iterable[SectionPath], where: str) -> UserError:
    names = sorted({"/".join(p) for p in known if p})
    wanted = "/".join(path)
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
    if not close:
        leaf = path[-1].casefold() if path else ""
        close = [n for n in names if leaf and leaf in n.casefold()][:5]
    hint = f"; did you mean: {', '.join(repr(c) for c in close)}" if close else ""
    return UserError(f"{where}: no collection {wanted!r}{hint} (collections: {len(names)})")


def from_entries(
    reading_list: ReadingList,
    mapping: Mapping,
    list_name: str,
    root: str,
    path: SectionPath,
) -> list[Keyed]:
    """The items a sync makes of the entries of ``path`` and its sub-sections (a paper
    listed twice, with the same text or the same identifier, is one item, exported once)."""
    desired = desired_library(reading_list, mapping, root, list_name)
    chosen = []
    for item in desired.items.values():
        if any(section[: len(path)] == path for section in item.sections):
            chosen.append(Keyed(str(item.fields.get("citationKey", "")), item.fields))
    return chosen


def keyed_items(
    items: Iterable[dict[str, Any]], taken: Iterable[str] = (), formula: Formula = DEFAULT
) -> list[Keyed]:
    """Zotero items with their ``citationKey``, or a key made by the default formula when
    they have none, share one with an earlier item, or have one that is not a valid BibTeX
    key (a teammate's text must not become BibTeX structure)."""
    items = sorted(items, key=lambda i: (str(i.get("dateAdded", "")), str(i.get("key", ""))))
    allocator = KeyAllocator(taken)
    keyed: list[Keyed] = []
    missing = []
    for data in items:
        key = str(data.get("citationKey", "")).strip()
        if key and valid_citation_key(key) and allocator.claim(key):
            keyed.append(Keyed(key, data))
        else:
            missing.append(data)
    primary = zotero_fields().primary_creator
    for data in missing:
        item_type = str(data.get("itemType", ""))
        made = key_item(data.get("creators", []), data, item_type, primary.get(item_type, "author"))
        keyed.append(Keyed(allocator.allocate(formula.make(made)), data))
    return keyed


def render(items: Iterable[Keyed], fmt: str, options: ExportOptions | None = None) -> str:
    """The export file's text: deterministic, sorted by citation key (the same blocks and
    joining as the cached export of :func:`export_entries`)."""
    options = options or ExportOptions(format=fmt)
    return join_blocks([(i.key, entry_block(i.data, i.key, fmt, options)) for i in items], fmt)


def from_zotero(
    collections: list[dict[str, Any]],
    read_items: Any,
    root: str,
    path: SectionPath,
    where: str,
    root_key: str | None = None,
    formula: Formula = DEFAULT,
) -> list[Keyed]:
    """The items of the collection at ``path`` below the root collection and of its
    sub-collections.  ``read_items(key)`` reads one collection's top-level items; the root is
    ``root_key`` (from the sync state) when Zotero still has it, else the top-level
    collection named ``root``."""
    children: dict[str, list[dict[str, Any]]] = {}
    by_key = {str(c["key"]): c for c in collections}
    for collection in collections:
        parent = collection.get("parentCollection") or ""
        children.setdefault(str(parent), []).append(collection)
    if root_key not in by_key:
        tops = [c for c in children.get("", []) if c.get("name") == root]
        if not tops:
            raise UserError(f"{where}: no collection {root!r} (run `zotsync sync` first)")
        root_key = str(min(tops, key=lambda c: str(c["key"]))["key"])
    assert root_key is not None

    def paths(key: str, prefix: SectionPath) -> Iterable[tuple[SectionPath, str]]:
        for child in sorted(children.get(key, []), key=lambda c: str(c["key"])):
            child_path = (*prefix, str(child.get("name", "")))
            yield child_path, str(child["key"])
            yield from paths(str(child["key"]), child_path)

    tree = dict(paths(root_key, ()))
    tree[()] = root_key
    if path not in tree:
        raise unknown_collection(path, tree, where)
    selected = [key for p, key in tree.items() if p[: len(path)] == path]
    items: dict[str, dict[str, Any]] = {}
    for key in selected:
        for data in read_items(key):
            items.setdefault(str(data["key"]), data)
    return keyed_items(items.values(), formula=formula)


# --------------------------------------------------------------------------- cached export


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def entry_block(data: dict[str, Any], key: str, fmt: str, options: ExportOptions) -> str:
    """One item's text in the export file (no separator): a BibTeX entry, or one CSL-JSON
    object indented as ``json.dumps(items, indent=2)`` writes it inside the array."""
    fields = zotero_fields()
    if fmt == "csljson":
        text = json.dumps(csl_item(data, key, fields), indent=2, ensure_ascii=False)
        return textwrap.indent(text, "  ")
    return render_bib([bib_entry(data, key, options, fields)]).rstrip("\n")


def join_blocks(blocks: list[tuple[str, str]], fmt: str) -> str:
    """The export file from (key, block) pairs: sorted by key, as :func:`render` writes it."""
    ordered = [b for _, b in sorted(blocks, key=lambda kb: (kb[0].casefold(), kb[0]))]
    if fmt == "csljson":
        return "[\n" + ",\n".join(ordered) + "\n]\n" if ordered else "[]\n"
    return "\n\n".join(ordered) + ("\n" if ordered else "")


def export_entries(
    folder: Path,
    load: Callable[[], ReadingList],
    mapping: Mapping,
    mapping_bytes: bytes,
    list_name: str,
    root: str,
    path: SectionPath,
    fmt: str,
    options: ExportOptions,
) -> Exported:
    """The export of the entries under ``path``, as :func:`render` of :func:`from_entries`
    gives it, from cached blocks where the section file is unchanged.  ``load()`` loads
    the whole list (only when a file changed)."""
    from zotsync import __version__

    finish_pending_save(folder)  # a save a crash interrupted: complete it before reading
    salt = _digest(
        __version__, fmt, repr(options), mapping_bytes, list_name, root, "one-item-per-paper"
    )
    # Each section file's blocks, keyed by the SHA-1 of the file: an export after a small
    # edit redoes only the files that changed.
    cache = JsonCache(folder / CACHE_DIR / f"export-{fmt}.json", salt)
    meta = (folder / "list.yaml").read_bytes()
    order_key = "order:" + _digest(meta)
    order = cache.get(order_key)
    if order is None:
        order = section_order(folder, meta)
        cache.put(order_key, order)
    files = section_files(folder, order)
    records = [cache.get(content_key(data)) for _, data in files]
    if any(r is None for r in records):
        sections = {s.slug: s for s in load().sections}
        for n, (file_path, data) in enumerate(files):
            if records[n] is None:
                records[n] = _section_record(
                    sections[file_path.stem], mapping, list_name, fmt, options
                )
                cache.put(content_key(data), records[n])
    first: dict[str, tuple[str, str]] = {}
    chosen: dict[str, None] = {}  # ordered: items sharing a key keep the list's order
    paths: set[SectionPath] = {()}
    keyless = False
    papers: dict[str, str] = {}  # a paper's identity -> the first listing's content
    for record in records:
        section = tuple(record["section"])
        paths.update(section[:depth] for depth in range(1, len(section) + 1))
        for content, key, block, identity in record["entries"]:
            keyless = keyless or not key
            # one paper, one item (as desired_library makes them): the first listing's
            paper = papers.setdefault(identity, content) if identity else content
            first.setdefault(paper, (key, block))
            if section[: len(path)] == path:
                chosen[paper] = None
    cache.save()
    blocks = [first[content] for content in chosen]
    keys = tuple(key for key, _ in blocks)
    return Exported(join_blocks(blocks, fmt), len(blocks), paths, keyless, keys)


@dataclass(frozen=True, slots=True)
class Exported:
    text: str
    count: int
    paths: set[SectionPath]  # every section path of the list (and their parents)
    keyless: bool  # some entry has no citation key yet: assign and store keys first
    keys: tuple[str, ...] = ()  # the keys exported


def _section_record(
    section: Any, mapping: Mapping, list_name: str, fmt: str, options: ExportOptions
) -> dict[str, Any]:
    entries = []
    for entry in section.entries:
        content = _digest(json.dumps(entry.content().as_kwargs(), ensure_ascii=False))
        data = section_item_fields(entry, tuple(section.path), mapping, list_name)
        key = entry.citation_key
        block = entry_block(data, key, fmt, options)
        entries.append([content, key, block, paper_identity(entry.url)])
    return {"section": list(section.path), "entries": entries}


def zotero_items(
    config: Config,
    item: ListConfig,
    path: SectionPath,
    notify: Callable[[str], None] | None = None,
) -> tuple[list[Keyed], str]:
    """The items of a collection and its sub-collections, read from the list's library."""
    from zotsync.adapters.state_file import StateFile
    from zotsync.adapters.zotero_http import ZoteroLibrary
    from zotsync.app.targets import Sandboxes, resolve
    from zotsync.sync.desired import ROOT

    sandboxes = Sandboxes(config.path.parent / ".zotsync")
    try:
        target = resolve(item, config.path.parent, sandboxes)
        state, fresh = StateFile(target.state_path, target.identity).load()
        root = state.collections.get(ROOT)
        library = ZoteroLibrary(target.endpoint, target.group, target.key, notify=notify)
        where = "the sandbox" if target.sandbox else f"group {target.group}"
        try:
            chosen = from_zotero(
                library.collections(),
                library.top_items,
                item.collection,
                path,
                where,
                root.key if root is not None and not fresh else None,
                formula_of(item.name, config.lists),
            )
        finally:
            library.close()
    finally:
        sandboxes.stop()
    return chosen, where


@dataclass(frozen=True, kw_only=True)
class ExportRequest:
    """What `zotsync export` asks for."""

    collection: str | None  # a section path "A/B", or None: the whole list
    fmt: str  # bibtex, biblatex or csljson
    source: str  # "entries" or "zotero"
    list_name: str | None = None
    bibtex_url: str = "url"
    dry_run: bool = False


@dataclass(frozen=True)
class ExportResult:
    item: ListConfig
    path: SectionPath
    text: str
    count: int
    where: str  # the entries folder, or the library read
    notes: list[str]
    keys_stored: int


def export_collection(
    config: Config, request: ExportRequest, notify: Callable[[str], None] | None = None
) -> ExportResult:
    """The export of one section of one list, from its entries (new citation keys stored
    in them, unless a dry run) or from its Zotero library."""
    path = parse_path(request.collection)
    options = ExportOptions(format=request.fmt, url=request.bibtex_url)
    item, result = _list_with(config, request, path, options)
    if request.source == "zotero":
        chosen, where = zotero_items(config, item, path, notify)
        text = render(chosen, request.fmt, options)
        if not request.dry_run:
            record_exported(item.entries, (keyed.key for keyed in chosen))
        return ExportResult(item, path, text, len(chosen), where, refused_keys(chosen), 0)
    notes: list[str] = []
    keys_stored = 0
    if result.keyless:
        reading_list, keyed = with_keys(load_list(item.entries)[0], item.name, config.lists)
        keys_stored = len(keyed)
        if request.dry_run:
            notes.append(f"would store {keys_stored} new citation key(s) in {item.entries}")
            mapping = load_mapping(item.mapping)
            chosen = from_entries(reading_list, mapping, item.name, item.collection, path)
            text = render(chosen, request.fmt, options)
            result = Exported(text, len(chosen), result.paths, False, ())
        else:
            save_list(item.entries, reading_list)
            notes.append(f"stored {keys_stored} new citation key(s) in {item.entries}")
            result = _exported(item, lambda: reading_list, path, request.fmt, options)
    if not request.dry_run:
        record_exported(item.entries, result.keys)  # from now on these keys never change
    return ExportResult(
        item, path, result.text, result.count, str(item.entries), notes, keys_stored
    )


def _exported(
    item: ListConfig,
    load: Callable[[], ReadingList],
    path: SectionPath,
    fmt: str,
    options: ExportOptions,
) -> Exported:
    mapping = load_mapping(item.mapping)
    return export_entries(
        item.entries,
        load,
        mapping,
        mapping_bytes(item.mapping),
        item.name,
        item.collection,
        path,
        fmt,
        options,
    )


def _list_with(
    config: Config, request: ExportRequest, path: SectionPath, options: ExportOptions
) -> tuple[ListConfig, Exported]:
    """The one list that has the section.  Each list's export comes from its cache when its
    files are unchanged (fast), and says which section paths the list has."""
    selected = config.select(request.list_name)
    results = [
        (item, _exported(item, partial(_load, item.entries), path, request.fmt, options))
        for item in selected
    ]
    having = [(item, result) for item, result in results if path in result.paths]
    if len(selected) == 1 and request.source == "zotero":
        having = results  # a collection made in Zotero, not yet pulled, is not in the entries
    if not having:
        known = set().union(*(result.paths for _, result in results))
        raise unknown_collection(path, known, str(config.path))
    if len(having) > 1:
        names = ", ".join(item.name for item, _ in having)
        what = f"collection {request.collection!r}" if path else "the whole list"
        raise UserError(f"{what}: several lists have it ({names}): give --list NAME")
    return having[0]


def _load(folder: Path) -> ReadingList:
    return load_list(folder)[0]


def refused_keys(chosen: list[Keyed]) -> list[str]:
    """What export says of items whose ``citationKey`` (a teammate's text) it did not use."""
    notes = []
    for keyed in chosen:
        theirs = str(keyed.data.get("citationKey") or "").strip()
        if theirs and not valid_citation_key(theirs):
            notes.append(
                f"item {keyed.data.get('key')}: citationKey {theirs!r} is not a valid BibTeX "
                f"key; exported as {keyed.key}"
            )
    return notes
