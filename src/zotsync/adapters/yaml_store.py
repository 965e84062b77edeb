"""The canonical list on disk (the YAML adapter).

Layout of a list folder::

    list.yaml              format, newline, the entry style of each section
    frame.md               the list without its entries (see zotsync.core.document)
    sections/<slug>.yaml   one file per section: its path and its entries, in list order
    .zotsync-cache/        parsed entries keyed by file content (ignored by git;
                           zotsync.adapters.caches)

The YAML is written by our own small emitter, not ``yaml.dump``: the shapes are fixed, so a
dedicated writer gives stable key order and quoting (plain scalars where YAML reads them back
as the same string, JSON-style double quotes otherwise) and is ten times faster.  Files are
read with PyYAML's safe C loader; a cache keyed by the file's SHA-1 skips that on unchanged
files (PyYAML needs ~1 s per 10,000 entries, the cache ~50 ms).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping as AnyMapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zotsync.adapters.caches import (
    CACHE_DIR,
    JsonCache,
    content_key,
    read_cache_file,
    write_cache_file,
)
from zotsync.adapters.files import STARTED, atomic_write, inside, write_temp
from zotsync.core.citekeys import valid_citation_key
from zotsync.core.document import ReadingList, frame_from_text, frame_to_text
from zotsync.core.entries import ID_PATTERN, Entry, EntryStyle, Section
from zotsync.core.mapping import Mapping, VenueTable
from zotsync.errors import InputError

if TYPE_CHECKING:
    import yaml
    from yaml.resolver import Resolver

FORMAT = 1
_STR_TAG = "tag:yaml.org,2002:str"
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


@cache
def _needs_escape() -> re.Pattern[str]:
    """What PyYAML cannot read raw (non-printable) or reads as a line break: written \\uXXXX.

    Compiled on first need (10 ms: a render never writes YAML)."""
    return re.compile(
        r"[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
        r"|[\x85\u2028\u2029]"
    )


# --------------------------------------------------------------------------- writing

_PLAIN_FAST = re.compile(r"[A-Za-z][A-Za-z0-9 ._/:?=&%+~()-]*[A-Za-z0-9_/?=&%+~()]\Z")
_WORDS_NOT_STR = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


@cache
def _resolver() -> Resolver:
    """PyYAML, imported on first need: a render from the cache never parses YAML."""
    from yaml.resolver import Resolver

    return Resolver()


def _quote(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return _needs_escape().sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _resolves_to_str(text: str) -> bool:
    import yaml

    tag = _resolver().resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR_TAG)


def scalar(value: object) -> str:
    """One YAML scalar that loads back as ``value`` (str, int, bool or None)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN_FAST.match(text) and ": " not in text and " #" not in text:
        # Starts with a letter: YAML 1.1 could only read it as a bool or null.
        return _quote(text) if text.lower() in _WORDS_NOT_STR else text
    if (
        text
        and text[0] not in _INDICATORS
        and not text[0].isspace()
        and not text[-1].isspace()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not _needs_escape().search(text)
        and "\n" not in text
        and "\r" not in text
        and "\t" not in text
        and _resolves_to_str(text)
    ):
        return text
    return _quote(text)


def _emit_entry(entry: Entry, out: list[str]) -> None:
    out.append(f"- id: {scalar(entry.id)}\n  title: {scalar(entry.title)}\n")
    if entry.url:
        out.append(f"  url: {scalar(entry.url)}\n")
    if entry.venue:
        out.append(f"  venue: {scalar(entry.venue)}\n")
    if entry.year is not None:
        out.append(f"  year: {entry.year}\n")
    if entry.authors:
        out.append("  authors:\n")
        out.extend(f"  - {scalar(name)}\n" for name in entry.authors)
    if entry.et_al:
        out.append("  et_al: true\n")
    if entry.links:
        out.append("  links:\n")
        out.extend(f"    {scalar(label)}: {scalar(url)}\n" for label, url in entry.links)
    if entry.kind:
        out.append(f"  kind: {scalar(entry.kind)}\n")
    if entry.alias:
        out.append(f"  alias: {scalar(entry.alias)}\n")
    if entry.note:
        out.append(f"  note: {scalar(entry.note)}\n")
    if entry.tags:
        out.append("  tags:\n")
        out.extend(f"  - {scalar(tag)}\n" for tag in entry.tags)
    if entry.citation_key:
        out.append(f"  citation_key: {scalar(entry.citation_key)}\n")
    if entry.added_by:
        out.append(f"  added_by: {scalar(entry.added_by)}\n")
    if entry.markdown:
        out.append(f"  markdown: {scalar(entry.markdown)}\n")


def section_to_yaml(section: Section) -> str:
    out = ["section:\n"]
    out.extend(f"- {scalar(name)}\n" for name in section.path)
    if not section.path:
        out[0] = "section: []\n"
    if not section.entries:
        out.append("entries: []\n")
        return "".join(out)
    out.append("entries:\n")
    for n, entry in enumerate(section.entries):
        if n:
            out.append("\n")
        _emit_entry(entry, out)
    return "".join(out)


def _emit_mapping(mapping: AnyMapping[str, object], indent: str, out: list[str]) -> None:
    for key, value in mapping.items():
        if isinstance(value, AnyMapping) and not value:
            out.append(f"{indent}{scalar(key)}: {{}}\n")
        elif isinstance(value, AnyMapping):
            out.append(f"{indent}{scalar(key)}:\n")
            _emit_mapping(value, indent + "  ", out)
        elif isinstance(value, list):
            items = ", ".join(scalar(v) for v in value)
            out.append(f"{indent}{scalar(key)}: [{items}]\n")
        else:
            out.append(f"{indent}{scalar(key)}: {scalar(value)}\n")


def list_meta_to_yaml(reading_list: ReadingList) -> str:
    default = _default_style(reading_list)
    default_dict = default.as_dict()
    styles: dict[str, object] = {}
    for section in reading_list.sections:
        own = section.style.as_dict()
        styles[section.slug] = {k: v for k, v in own.items() if default_dict[k] != v}
    meta: dict[str, object] = {
        "format": FORMAT,
        "newline": reading_list.newline,
        "default_style": default_dict,
        "sections": styles,
    }
    out = [
        "# How this list is written: zotsync ingest infers it, zotsync render uses it.\n",
        "# Section order and the style of new entries per section (only what differs\n",
        "# from default_style).  Entries live in sections/*.yaml, the rest in frame.md.\n",
    ]
    _emit_mapping(meta, "", out)
    return "".join(out)


def _default_style(reading_list: ReadingList) -> EntryStyle:
    counts: dict[EntryStyle, int] = {}
    for section in reading_list.sections:
        counts[section.style] = counts.get(section.style, 0) + max(len(section.entries), 1)
    return max(counts, key=lambda style: counts[style]) if counts else EntryStyle()


def planned_files(reading_list: ReadingList) -> dict[str, bytes]:
    """Every file of the list folder, relative path -> bytes."""
    files = {
        "list.yaml": list_meta_to_yaml(reading_list).encode(),
        "frame.md": frame_to_text(reading_list).encode(),
    }
    for section in reading_list.sections:
        files[f"sections/{section.slug}.yaml"] = section_to_yaml(section).encode()
    return files


# An interrupted save's plan lives in the git-ignored cache (a contributor cannot commit it
# by accident) and is checked before it is carried out: it may only rename our own temp
# files onto the list's own files and delete section files, all inside the list.
PENDING = f"{CACHE_DIR}/pending-save.json"
_LIST_FILE = re.compile(
    r"(list\.yaml|frame\.md|markdown-base\.txt|sections/[^/\\.][^/\\]*\.yaml)\Z"
)


def _temp_of(name: str, tmp: str) -> bool:
    """Whether ``tmp`` is one of our temp files for the list file ``name`` (same folder)."""
    folder, _, base = name.rpartition("/")
    prefix = f"{folder}/.{base}." if folder else f".{base}."
    rest = tmp.removeprefix(prefix)
    return tmp.startswith(prefix) and bool(re.fullmatch(r"[\w-]+\.tmp", rest))


def _pending_plan(folder: Path, raw: object) -> tuple[list[tuple[str, str]], list[str]]:
    """A pending save's renames and deletions, or a clear error if it is not one of ours."""
    where = folder / PENDING
    bad = InputError(
        where,
        None,
        "not a pending save of zotsync's (it names files outside the list or not ours); "
        "nothing was done: delete the file",
    )
    if not isinstance(raw, dict) or set(raw) != {"replace", "delete"}:
        raise bad
    renames, deletions = raw["replace"], raw["delete"]
    if not isinstance(renames, list) or not isinstance(deletions, list):
        raise bad
    pairs: list[tuple[str, str]] = []
    for pair in renames:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise bad
        if not all(isinstance(part, str) for part in pair):
            raise bad
        tmp, name = pair
        if not _LIST_FILE.match(name) or not _temp_of(name, tmp):
            raise bad
        pairs.append((tmp, name))
    for name in deletions:
        if not isinstance(name, str) or not _LIST_FILE.match(name):
            raise bad
        if not name.startswith("sections/"):
            raise bad
    for name in [n for pair in pairs for n in pair] + deletions:
        inside(folder, folder / name)
    return pairs, deletions


def save_list(
    folder: Path,
    reading_list: ReadingList,
    *,
    dry_run: bool = False,
    extra: dict[str, bytes] | None = None,
) -> list[str]:
    """Write the list folder (and the ``extra`` files beside its own, such as the Markdown
    base); returns the relative paths written or deleted.

    All or nothing across files: the new files are written as temp files first, then a
    small pending-save file (in the cache) names the renames and deletions, then they are
    done and it is removed.  Killed before it exists, the old list stands; after, the next
    load finishes the save.  (A paper moved between two section files is never in both,
    nor in neither.)
    """
    finish_pending_save(folder)
    files = {**planned_files(reading_list), **(extra or {})}
    for name in files:
        inside(folder, folder / name)
    cache = _parse_cache(folder)
    changed: list[str] = []
    for name in sorted(files, key=lambda name: (not name.startswith("sections/"), name)):
        data = files[name]
        if name.startswith("sections/"):
            cache.put(content_key(data), _section_record(reading_list, name, data))
        try:
            same = (folder / name).read_bytes() == data
        except FileNotFoundError:
            same = False
        if not same:
            changed.append(name)
    stale = sorted(
        f"sections/{p.name}"
        for p in (folder / "sections").glob("*.yaml")
        if f"sections/{p.name}" not in files
    )
    if dry_run:
        return changed + stale
    if len(changed) + len(stale) == 1 and changed:
        atomic_write(folder / changed[0], files[changed[0]], within=folder)
    elif changed or stale:
        temps: list[Path] = []
        try:
            for name in changed:
                temps.append(write_temp(folder / name, files[name]))
        except BaseException:
            for tmp in temps:
                tmp.unlink(missing_ok=True)
            raise
        plan = {
            "replace": [
                [str(Path(name).parent / tmp.name), name]
                for tmp, name in zip(temps, changed, strict=True)
            ],
            "delete": stale,
        }
        write_cache_file(folder, Path(PENDING).name, json.dumps(plan).encode("utf-8"))
        finish_pending_save(folder)
    cache.save()
    return changed + stale


def finish_pending_save(folder: Path) -> None:
    """Complete a save that was interrupted after its temp files were all written; remove
    the temp files of one interrupted before (the old files are then intact)."""
    pending = folder / PENDING
    try:
        sealed = read_cache_file(folder, pending.name)
        raw = json.loads(sealed) if sealed is not None else "not sealed by this user"
    except FileNotFoundError:
        raw = None
    except (OSError, ValueError):
        raw = {"replace": [], "delete": []}  # cannot be: it is written atomically
    if raw is not None:
        renames, deletions = _pending_plan(folder, raw)
        for tmp, name in renames:
            with contextlib.suppress(FileNotFoundError):  # renamed before the interruption
                if not (folder / tmp).is_symlink():
                    os.replace(folder / tmp, folder / name)
        for name in deletions:
            (folder / name).unlink(missing_ok=True)
        pending.unlink(missing_ok=True)
    for where in (folder, folder / "sections", folder / CACHE_DIR):
        if where.is_symlink():
            continue
        for stale in where.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if stale.stat().st_mtime < STARTED:
                    stale.unlink()


def _section_record(reading_list: ReadingList, name: str, data: bytes) -> dict[str, Any]:
    slug = name.removeprefix("sections/").removesuffix(".yaml")
    section = next(s for s in reading_list.sections if s.slug == slug)
    records = [_entry_record(e, 0) for e in section.entries]
    return {"section": list(section.path), "entries": _with_lines(data, records)}


# --------------------------------------------------------------------------- reading

_ENTRY_KEYS = [
    "id",
    "title",
    "url",
    "venue",
    "year",
    "authors",
    "et_al",
    "links",
    "kind",
    "alias",
    "note",
    "tags",
    "citation_key",
    "added_by",
    "markdown",
]


def _entry_record(entry: Entry, line: int) -> list[Any]:
    return [
        entry.id,
        entry.title,
        entry.url,
        entry.venue,
        entry.year,
        list(entry.authors),
        [list(pair) for pair in entry.links],
        entry.kind,
        entry.note,
        list(entry.tags),
        entry.citation_key,
        entry.markdown,
        entry.et_al,
        entry.alias,
        entry.added_by,
        line,
    ]


def _entry_from_record(record: list[Any]) -> tuple[Entry, int]:
    (eid, title, url, venue, year, authors, links, kind, note, tags, key, markdown) = record[:12]
    et_al, alias, added_by, line = record[12:]
    entry = Entry(
        id=eid,
        title=title,
        url=url,
        venue=venue,
        year=year,
        authors=tuple(authors),
        links=tuple((label, link) for label, link in links),
        kind=kind,
        note=note,
        tags=tuple(tags),
        citation_key=key,
        markdown=markdown,
        et_al=bool(et_al),
        alias=alias,
        added_by=added_by,
    )
    return entry, line


def _parse_cache(folder: Path) -> JsonCache:
    """Parsed section files and ``list.yaml``, keyed by the SHA-1 of their bytes."""
    return JsonCache(folder / CACHE_DIR / "sections.json", f"sections-{FORMAT}-added-by")


def _with_lines(data: bytes, records: list[list[Any]]) -> list[list[Any]]:
    """Set each record's line to where its ``- id:`` line stands in our own emitted file."""
    lines = [n + 1 for n, line in enumerate(data.split(b"\n")) if line.startswith(b"- id: ")]
    assert len(lines) == len(records), "the emitter writes one '- id:' line per entry"
    return [[*record[:-1], line] for record, line in zip(records, lines, strict=True)]


def _fail(path: Path, node: yaml.Node | None, message: str) -> InputError:
    line = node.start_mark.line + 1 if node is not None else None
    return InputError(path, line, message)


def _str(path: Path, node: yaml.Node, value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, node, f"{what} must be text, not {type(value).__name__}")
    return value


def _str_list(path: Path, node: yaml.Node, value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, node, f"{what} must be a list of texts")
    return tuple(value)


def load_yaml_node(path: Path, text: str) -> tuple[yaml.Node | None, Any]:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        # The context mark (an opening bracket or quote) is usually the line to fix.
        mark = error.context_mark or error.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "not valid YAML"
        if error.context:
            problem = f"{error.context}: {problem}"
        if error.problem_mark is not None and error.problem_mark.line + 1 != line:
            problem += f" (at line {error.problem_mark.line + 1})"
        raise InputError(path, line, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise InputError(path, None, f"not valid YAML: {error}") from None
    return node, data


def mapping_values(node: yaml.Node) -> dict[str, yaml.Node]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value}


def parse_section_file(path: Path, data: bytes) -> dict[str, Any]:
    """Load and check one section file; returns the cache record shape."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(path, line, "not UTF-8 text") from None
    node, doc = load_yaml_node(path, text)
    if not isinstance(doc, dict):
        raise _fail(path, node, "a section file is a mapping with 'section' and 'entries'")
    assert node is not None
    nodes = mapping_values(node)
    unknown = set(doc) - {"section", "entries"}
    if unknown:
        name = sorted(map(str, unknown))[0]
        raise _fail(path, node, f"unknown key {name!r} (a section file has 'section', 'entries')")
    section = doc.get("section", [])
    if not isinstance(section, list) or not all(isinstance(s, str) and s for s in section):
        raise _fail(path, nodes.get("section", node), "'section' must be a list of heading names")
    entries = doc.get("entries") or []
    entries_node = nodes.get("entries")
    if not isinstance(entries, list):
        raise _fail(path, entries_node or node, "'entries' must be a list of entries")
    records: list[list[Any]] = []
    import yaml

    is_sequence = isinstance(entries_node, yaml.SequenceNode)
    item_nodes = entries_node.value if is_sequence and entries_node is not None else []
    for raw, item_node in zip(entries, item_nodes, strict=True):
        records.append(_entry_record(*_check_entry(path, item_node, raw)))
    return {"section": section, "entries": records}


_TEXT_KEYS = (
    "title",
    "url",
    "venue",
    "kind",
    "alias",
    "note",
    "citation_key",
    "added_by",
    "markdown",
)


def _check_entry(path: Path, node: yaml.Node, raw: object) -> tuple[Entry, int]:
    line = node.start_mark.line + 1
    if not isinstance(raw, dict):
        raise _fail(path, node, "an entry must be a mapping (id: ..., title: ...)")
    fields = mapping_values(node)
    for key in raw:
        if key not in _ENTRY_KEYS:
            known = ", ".join(_ENTRY_KEYS)
            raise _fail(path, fields.get(str(key), node), f"unknown field {key!r} (known: {known})")
    if "id" not in raw:
        raise _fail(path, node, "entry has no 'id'")
    entry_id = _str(path, fields["id"], raw["id"], "'id'")
    if not ID_PATTERN.match(entry_id):
        raise _fail(path, fields["id"], f"id {entry_id!r} must be lowercase letters, digits, '-'")
    if "title" not in raw:
        raise _fail(path, node, f"entry {entry_id!r} has no 'title'")
    year = raw.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise _fail(path, fields.get("year", node), f"'year' must be a number, not {year!r}")
    et_al = raw.get("et_al", False)
    if not isinstance(et_al, bool):
        where = fields.get("et_al", node)
        raise _fail(path, where, f"'et_al' must be true or false, not {et_al!r}")
    links_raw = raw.get("links") or {}
    if not isinstance(links_raw, dict):
        raise _fail(path, fields.get("links", node), "'links' must map labels to URLs")
    links = []
    for label, url in links_raw.items():
        if not isinstance(label, str) or not isinstance(url, str):
            raise _fail(path, fields.get("links", node), "'links' must map labels to URLs")
        links.append((label, url))
    texts = {}
    for key in _TEXT_KEYS:
        value = raw.get(key)
        texts[key] = "" if value is None else _str(path, fields.get(key, node), value, f"'{key}'")
    if texts["citation_key"] and not valid_citation_key(texts["citation_key"]):
        raise _fail(
            path,
            fields.get("citation_key", node),
            f"citation_key {texts['citation_key']!r} is not a valid BibTeX key (no spaces, "
            "commas, braces, quotes, parentheses, '=', '#', '%', '~' or backslashes)",
        )
    entry = Entry(
        id=entry_id,
        title=texts["title"],
        url=texts["url"],
        venue=texts["venue"],
        year=year,
        authors=_str_list(path, fields.get("authors", node), raw.get("authors") or [], "'authors'"),
        links=tuple(links),
        kind=texts["kind"],
        note=texts["note"],
        tags=_str_list(path, fields.get("tags", node), raw.get("tags") or [], "'tags'"),
        citation_key=texts["citation_key"],
        markdown=texts["markdown"],
        et_al=et_al,
        alias=texts["alias"],
        added_by=texts["added_by"],
    )
    return entry, line


def _parse_meta(meta_path: Path, data: bytes) -> dict[str, Any]:
    """Load and check ``list.yaml``; returns its plain (cacheable) content."""
    meta_node, meta = load_yaml_node(meta_path, data.decode("utf-8", errors="replace"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _fail(meta_path, meta_node, f"not a zotsync list.yaml (expected format: {FORMAT})")
    newline = meta.get("newline", "\n")
    if newline not in ("\n", "\r\n", "\r"):
        raise _fail(meta_path, meta_node, '\'newline\' must be "\\n", "\\r\\n" or "\\r"')
    try:
        default = EntryStyle.from_dict(meta.get("default_style") or {})
        overrides = meta.get("sections") or {}
        styles = {
            str(slug): EntryStyle.from_dict({**default.as_dict(), **(own or {})}).as_dict()
            for slug, own in overrides.items()
        }
    except (ValueError, TypeError, AttributeError) as error:
        raise _fail(meta_path, meta_node, f"bad style: {error}") from None
    return {"newline": newline, "default_style": default.as_dict(), "styles": styles}


def section_files(folder: Path, order: list[str]) -> list[tuple[Path, bytes]]:
    """The section files with their bytes, in the list's order (``order``: the slugs of
    ``list.yaml``, then new files by name): the order entries are read and exported in."""
    files = sorted((folder / "sections").glob("*.yaml"))
    known = {slug: n for n, slug in enumerate(order)}
    files.sort(key=lambda p: (known.get(p.stem, len(known)), p.stem))
    return [(path, path.read_bytes()) for path in files]


def section_order(folder: Path, meta_bytes: bytes) -> list[str]:
    """The section slugs ``list.yaml`` (its bytes) lists, in order."""
    return list(_parse_meta(folder / "list.yaml", meta_bytes)["styles"])


def load_list(
    folder: Path, *, readonly: bool = False
) -> tuple[ReadingList, dict[str, tuple[Path, int]]]:
    """Load a list folder; returns the list and, per entry id, its file and line.

    ``readonly`` (``check``) writes nothing: no interrupted save is finished, no cache kept.
    Raises :class:`InputError` (``file:line: what is wrong``) on the first broken file.
    """
    if not readonly:
        finish_pending_save(folder)
    meta_path = folder / "list.yaml"
    frame_path = folder / "frame.md"
    if not meta_path.is_file() or not frame_path.is_file():
        raise InputError(
            folder,
            None,
            "not a zotsync list folder (no list.yaml and frame.md); "
            "create it with `zotsync ingest LIST.md --entries DIR`",
        )
    if (folder / "sections").exists():
        inside(folder, folder / "sections")  # a symlinked folder: not the list's own files
    cache = _parse_cache(folder)
    meta_bytes = meta_path.read_bytes()
    meta = cache.get(content_key(meta_bytes))
    if meta is None:
        meta = _parse_meta(meta_path, meta_bytes)
        cache.put(content_key(meta_bytes), meta)
    newline = meta["newline"]
    default = EntryStyle.from_dict(meta["default_style"])
    styles = {slug: EntryStyle.from_dict(own) for slug, own in meta["styles"].items()}
    try:
        frame_text = frame_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(frame_path, None, "not UTF-8 text") from None
    frame, final_newline = frame_from_text(frame_text)

    sections: list[Section] = []
    where: dict[str, tuple[Path, int]] = {}
    for path, data in section_files(folder, list(styles)):
        record = cache.get(content_key(data))
        if record is None:
            record = parse_section_file(path, data)
            cache.put(content_key(data), record)
        entries = []
        for raw in record["entries"]:
            entry, line = _entry_from_record(raw)
            if entry.id in where:
                first, first_line = where[entry.id]
                raise InputError(
                    path, line, f"duplicate id {entry.id!r} (also {first}:{first_line})"
                )
            where[entry.id] = (path, line)
            entries.append(entry)
        sections.append(
            Section(
                slug=path.stem,
                path=tuple(record["section"]),
                entries=tuple(entries),
                style=styles.get(path.stem, default),
            )
        )
    if not readonly:
        cache.save()
    return ReadingList(frame, tuple(sections), newline, bool(final_newline)), where


def mapping_bytes(path: Path | None) -> bytes:
    """The mapping file's bytes (the built-in default's when ``path`` is None)."""
    if path is None:
        return resources.files("zotsync").joinpath("data/default-mapping.yaml").read_bytes()
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(path, None, f"cannot read mapping: {error.strerror}") from None


def load_mapping(path: Path | None) -> Mapping:
    """A mapping file (the built-in default mapping when ``path`` is None)."""
    data = mapping_bytes(path)
    if path is None:
        path = Path("<built-in default-mapping.yaml>")
    node, doc = load_yaml_node(path, data.decode("utf-8", errors="replace"))
    if not isinstance(doc, dict) or not isinstance(doc.get("venues", {}), dict):
        raise _fail(path, node, "a mapping file has `venues:` mapping names to {type, name}")
    try:
        return Mapping.from_dict(doc)
    except (ValueError, AttributeError, TypeError) as error:
        raise _fail(path, node, f"bad mapping: {error}") from None


def load_venues(path: Path | None) -> VenueTable:
    return load_mapping(path).venues


def with_venues(path: Path | None, venues: list[tuple[str, str, str]]) -> bytes:
    """The mapping file's bytes (the built-in default's for None) with ``venues`` (name,
    item type, a comment) added at the end of its ``venues:`` table, one line each, so a
    user fills in each full name in place.  Every other line stays as it is."""
    data = mapping_bytes(path)
    text = data.decode("utf-8")
    where = path or Path("<built-in default-mapping.yaml>")
    node, _ = load_yaml_node(where, text)
    import yaml

    table = None
    if isinstance(node, yaml.MappingNode):
        table = next((v for k, v in node.value if getattr(k, "value", None) == "venues"), None)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if not isinstance(table, yaml.MappingNode) or table.flow_style or not table.value:
        if table is not None:
            raise _fail(where, table, "`venues:` must be a block table to add venues to")
        lines.append("venues:\n")
        at, indent = len(lines), "  "
    else:
        at = table.end_mark.line if table.end_mark.column == 0 else table.end_mark.line + 1
        while at > 0 and not lines[at - 1].strip():
            at -= 1  # before the blank lines that end the table
        indent = " " * table.value[0][0].start_mark.column
    added = [
        f"{indent}{scalar(name)}: {{type: {item_type}}}  # {comment}\n"
        for name, item_type, comment in venues
    ]
    return "".join(lines[:at] + added + lines[at:]).encode("utf-8")
