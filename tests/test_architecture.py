"""The house: layers you can see from the folder tree, dependencies only downward.

    zotsync.errors      every error zotsync reports (imports nothing of zotsync)
    zotsync.core        what a reading list is: pure, standard library only, no I/O
    zotsync.sync        three-way sync through ports: pure, standard library only, no I/O
    zotsync.adapters    one module per outside thing, the only importer of its library
    zotsync.sandbox     the embedded Zotero server (beside the adapters)
    zotsync.app         use cases the CLI calls
    zotsync.cli         click: parse options, call a use case, print its report (a package)

Each layer imports only layers below it (lazy imports inside functions included); there
are no import cycles between modules.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from conftest import REPO

SRC = REPO / "src"
PACKAGE = SRC / "zotsync"
RANK = {"errors": 0, "core": 1, "sync": 2, "adapters": 3, "sandbox": 4, "app": 5, "cli": 6}
TOP = {"__init__": 7, "__main__": 7}
PURE = ("core", "sync")
OWNER = {  # an outside library -> the only modules that may import it
    "markdown_it": {"zotsync.adapters.markdown_scan", "zotsync.adapters.markdown_list"},
    "yaml": {"zotsync.adapters.yaml_store", "zotsync.adapters.config"},
    "pyzotero": {"zotsync.adapters.zotero_http"},
    "httpx2": {"zotsync.adapters.zotero_http"},
    "httpx": {"zotsync.adapters.zotero_http"},
    "keyring": {"zotsync.adapters.credentials"},
    "bibtexparser": {"zotsync.adapters.bibtex"},
    "click": {"zotsync.cli"},  # the package: every command module
    "anyascii": {"zotsync.adapters.transliteration"},
}
IO_CALLS = {"open", "print", "input"}
IO_MODULES = {"os", "pathlib", "subprocess", "socket", "shutil", "tempfile", "sqlite3", "http"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module imported at run time (``if TYPE_CHECKING:`` blocks aside)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "zotsync":
                names.update(f"zotsync.{alias.name}" for alias in node.names)
    return names


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP["__init__"]
    return RANK.get(parts[1], TOP.get(parts[1], 99))


def ours(name: str, known: dict[str, Path]) -> str | None:
    """The module of ours an import names (``zotsync.core.entries.Entry`` -> its module)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


MODULES = modules()


def test_every_module_lies_in_a_layer() -> None:
    assert [m for m in MODULES if layer(m) == 99] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downward(module: str) -> None:
    upward = []
    for name in imports(MODULES[module]):
        target = ours(name, MODULES) if name.startswith("zotsync") else None
        if target is None or (target == "zotsync" and name == "zotsync"):
            continue
        same_package = target.split(".")[:2] == module.split(".")[:2]
        if not same_package and layer(target) >= layer(module) and target != "zotsync":
            upward.append(target)
    assert upward == [], f"{module} imports from its own layer or above"


@pytest.mark.parametrize(
    "module", [m for m in MODULES if m.split(".")[1:2] in (["core"], ["sync"])]
)
def test_pure_layers_use_the_standard_library_only_and_do_no_io(module: str) -> None:
    found = imports(MODULES[module])
    outside = {n.split(".")[0] for n in found} - set(sys.stdlib_module_names) - {"zotsync"}
    assert outside == set()
    assert {n.split(".")[0] for n in found} & IO_MODULES == set()
    tree = ast.parse(MODULES[module].read_text())
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert calls & IO_CALLS == set()


def test_each_outside_library_is_imported_by_its_adapter_only() -> None:
    for module, path in MODULES.items():
        for name in imports(path):
            owners = OWNER.get(name.split(".")[0])
            owned = owners is None or any(module == o or module.startswith(f"{o}.") for o in owners)
            assert owned, f"{module} imports {name}"


def test_there_are_no_import_cycles() -> None:
    graph = {
        module: {t for n in imports(path) if (t := ours(n, MODULES)) and t != module}
        for module, path in MODULES.items()
    }
    graph = {m: {t for t in targets if t != "zotsync"} for m, targets in graph.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(module) :], module]))
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_no_private_names_cross_modules() -> None:
    """A module's ``_helpers`` are its own: another module imports only public names."""
    crossing = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zotsync"):
                crossing += [
                    f"{module}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert crossing == []


def test_docs_architecture_names_every_module() -> None:
    """docs/architecture.md is where a newcomer starts: its tree names every module."""
    text = (REPO / "docs" / "architecture.md").read_text()
    missing = [
        module
        for module, path in MODULES.items()
        if path.name != "__init__.py"
        and ".sandbox." not in module
        and module != "zotsync.__main__"
        and path.name not in text
    ]
    assert missing == []
