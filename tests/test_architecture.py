"""The core (model, mapping, frame, merge, lint) does no I/O and imports no adapter library;
each outside library is imported by its one adapter module."""

from __future__ import annotations

import ast
import sys

import pytest

from conftest import REPO

SRC = REPO / "src" / "zotsync"
CORE = [
    "model",
    "mapping",
    "frame",
    "ingest",
    "check",
    "errors",
    "citekey",
    "latex",
    "bibliography",
    "escape",
    "resection",
    "pull",
    "summary",
    "status",
]
ADAPTER_OF = {
    "markdown_it": {"markdown_entry", "markdown_list"},
    "yaml": {"yaml_store", "config"},
    "click": {"cli"},
}
IO_NAMES = {"open", "print", "input"}


def runtime_imports(module: str) -> set[str]:
    tree = ast.parse((SRC / f"{module}.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_modules_import_only_the_standard_library(module: str) -> None:
    outside = runtime_imports(module) - set(sys.stdlib_module_names) - {"zotsync", "__future__"}
    assert outside == set()


@pytest.mark.parametrize("module", [m for m in CORE if m != "errors"])  # errors keeps a Path
def test_core_modules_do_no_io(module: str) -> None:
    tree = ast.parse((SRC / f"{module}.py").read_text())
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert calls & IO_NAMES == set()
    assert {"os", "pathlib", "subprocess", "socket"} & runtime_imports(module) == set()


def test_each_library_is_imported_by_its_adapter_only() -> None:
    for path in SRC.glob("*.py"):
        imported = runtime_imports(path.stem)
        for library, owners in ADAPTER_OF.items():
            if library in imported:
                assert path.stem in owners, f"{path.name} imports {library}"
