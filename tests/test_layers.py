"""The package's layers, read from the source with ast: core stays pure, edges never reach up, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pvs6sup"
EDGES = (
    "pvs6sup.pvs", "pvs6sup.store", "pvs6sup.sinks", "pvs6sup.alerts", "pvs6sup.report", "pvs6sup.net", "pvs6sup.sim"
)
TOP = ("pvs6sup.commands", "pvs6sup.cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The pvs6sup modules a file imports (resolving relative imports), at module level or anywhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.update(f"{module}.{alias.name}" if _is_module(f"{module}.{alias.name}") else module
                         for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` imports are for mypy only
            continue
    return {name for name in found if name.startswith("pvs6sup")}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _within(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, "pvs6sup.core")))
def test_core_imports_only_core(module: str) -> None:
    outside = {name for name in _imports(MODULES[module], top_level_only=False) if not _within(name, "pvs6sup.core")}
    assert not outside, f"{module} is pure and may import only pvs6sup.core, not {sorted(outside)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if any(_within(m, edge) for edge in EDGES)))
def test_edges_never_import_commands(module: str) -> None:
    upward = {name for name in _imports(MODULES[module], top_level_only=False) if any(_within(name, t) for t in TOP)}
    assert not upward, f"{module} is an edge and must not import {sorted(upward)}"


def test_no_import_cycles() -> None:
    graph = {module: _imports(path, top_level_only=True) & MODULES.keys() for module, path in MODULES.items()}
    for module in graph:  # a package's __init__ is not a dependency of its own modules
        graph[module] = {dep for dep in graph[module] if not module.startswith(dep + ".")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, "import cycle: " + " -> ".join([*visiting[visiting.index(module):], module])
        visiting.append(module)
        for dep in sorted(graph[module]):
            visit(dep)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_layer_test_sees_imports() -> None:
    # Guards against a test that passes because it reads nothing.
    assert "pvs6sup.core.models" in _imports(MODULES["pvs6sup.core.site"], top_level_only=True)
    assert len(MODULES) > 30
