"""``zotsync.yaml``: the lists a project serves and where their files are.

Paths in the file are relative to the file's folder.  Every error names ``file:line``.
Keys for the sync (mapping, collection, library) are read and checked here so that a typo
fails early; the commands that use them come with the sync.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from zotsync.adapters.yaml_store import load_yaml_node, mapping_values
from zotsync.core.keyformula import DEFAULT_FORMULA, Formula, FormulaError, compile_formula
from zotsync.errors import InputError, UserError

CONFIG_NAME = "zotsync.yaml"
_LIST_KEYS = {"markdown", "entries", "mapping", "collection", "library"}


@dataclass(frozen=True, slots=True)
class LibraryConfig:
    """Where a list syncs to: the embedded sandbox (``group`` None), or a group at an
    endpoint (None: api.zotero.org)."""

    group: int | None = None
    endpoint: str | None = None

    @property
    def sandbox(self) -> bool:
        return self.group is None

    def __str__(self) -> str:
        if self.group is None:
            return "sandbox"
        return f"group {self.group}" + (f" at {self.endpoint}" if self.endpoint else "")


@dataclass(frozen=True, slots=True)
class ListConfig:
    name: str
    entries: Path
    markdown: Path | None
    mapping: Path | None
    collection: str
    library: LibraryConfig
    citekey: str = DEFAULT_FORMULA  # the project's key formula (zotsync.yaml `citekey`)


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    lists: tuple[ListConfig, ...]
    citekey: str = DEFAULT_FORMULA  # Better BibTeX's citekeyFormat, for every list

    @property
    def formula(self) -> Formula:
        return compile_formula(self.citekey)  # checked when the file was read

    def select(self, name: str | None) -> tuple[ListConfig, ...]:
        if name is None:
            return self.lists
        for item in self.lists:
            if item.name == name:
                return (item,)
        known = ", ".join(item.name for item in self.lists) or "none"
        raise UserError(f"{self.path}: no list named {name!r} (lists: {known})")


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def load_config(path: Path) -> Config:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file") from None
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read: {error.strerror}") from None
    node, data = load_yaml_node(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("lists"), dict) or not data["lists"]:
        raise InputError(path, _line(node), "expected `lists:` mapping list names to settings")
    assert node is not None
    lists_node = mapping_values(node)["lists"]
    list_nodes = mapping_values(lists_node)
    base = path.parent
    citekey = _citekey(path, data, mapping_values(node))
    lists = []
    for name, settings in data["lists"].items():
        list_node = list_nodes.get(str(name))
        if not isinstance(settings, dict):
            raise InputError(path, _line(list_node), f"list {name!r}: expected a mapping")
        fields = mapping_values(list_node) if list_node is not None else {}
        for key in settings:
            if key not in _LIST_KEYS:
                known = ", ".join(sorted(_LIST_KEYS))
                raise InputError(
                    path,
                    _line(fields.get(str(key))),
                    f"list {name!r}: unknown key {key!r} (known: {known})",
                )
        found = _list_config(path, base, str(name), settings, fields, list_node)
        lists.append(replace(found, citekey=citekey))
    return Config(path, tuple(lists), citekey)


def _citekey(path: Path, data: dict[str, Any], nodes: dict[str, yaml.Node]) -> str:
    """The project's ``citekey`` formula (Better BibTeX's language), checked here so a
    typo fails with its line before any key is made."""
    formula = data.get("citekey", DEFAULT_FORMULA)
    if not isinstance(formula, str) or not formula.strip():
        raise InputError(path, _line(nodes.get("citekey")), "`citekey` must be a formula")
    try:
        compile_formula(formula)
    except FormulaError as error:
        raise InputError(
            path,
            _line(nodes.get("citekey")),
            f"`citekey`: {error} (Better BibTeX's formula language, e.g. {DEFAULT_FORMULA!r})",
        ) from None
    return formula


def _list_config(
    path: Path,
    base: Path,
    name: str,
    settings: dict[str, Any],
    fields: dict[str, yaml.Node],
    node: yaml.Node | None,
) -> ListConfig:
    def text(key: str, required: bool) -> str | None:
        value = settings.get(key)
        if value is None:
            if required:
                raise InputError(path, _line(node), f"list {name!r}: `{key}` is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, _line(fields.get(key)), f"list {name!r}: `{key}` must be text")
        return value

    def own_path(key: str, required: bool) -> str | None:
        value = text(key, required)
        if value is not None and not (base / value).resolve().is_relative_to(base.resolve()):
            raise InputError(
                path,
                _line(fields.get(key)),
                f"list {name!r}: `{key}` must be a path inside {base.resolve()} "
                "(zotsync writes only inside its project)",
            )
        return value

    entries = own_path("entries", True)
    assert entries is not None
    markdown = own_path("markdown", False)
    mapping = own_path("mapping", False)
    library = settings.get("library", "sandbox")
    if library != "sandbox" and not (
        isinstance(library, dict)
        and isinstance(library.get("group"), int)
        and set(library) <= {"group", "endpoint"}
    ):
        raise InputError(
            path,
            _line(fields.get("library")),
            f"list {name!r}: `library` is `sandbox` or {{group: 123456}} "
            "(optionally with endpoint: URL)",
        )
    return ListConfig(
        name=name,
        entries=base / entries,
        markdown=base / markdown if markdown else None,
        mapping=base / mapping if mapping else None,
        collection=text("collection", False) or name,
        library=(
            LibraryConfig()
            if library == "sandbox"
            else LibraryConfig(int(library["group"]), library.get("endpoint"))
        ),
    )


STARTER = """\
# zotsync configuration: the reading lists this project serves.
# Paths are relative to this file.  See README.md for every key.
lists:
  my-reading-list:
    markdown: README.md                           # the awesome list, as GitHub shows it
    entries: entries/my-reading-list              # canonical YAML entries (commit them)
    mapping: mappings/default.yaml                # venue -> item type, link labels...
    collection: My Reading List                   # root collection in Zotero
    library: sandbox                              # or {group: 123456}
"""
