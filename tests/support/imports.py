"""The program's import graph read from its source with ast, and the layer rules checked on it.

Every import counts: at module level, inside functions, and under `if TYPE_CHECKING:` (mypy follows those,
and a newcomer reading the file does too). The layer order is ARCHITECTURE.md's, read from its `layers`
block: one line per layer, top first, each naming the areas (a subpackage or a top-level module) in it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pvs6sup"
LAYERS_BLOCK = re.compile(r"^```layers\n(.*?)^```", re.MULTILINE | re.DOTALL)

Graph = dict[str, set[str]]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def imports_of(path: Path, known: Iterable[str], package: Path = PACKAGE) -> set[str]:
    """The package's modules a file imports anywhere in it, relative imports resolved; `from a import b`
    counts as importing a.b when b is a module, else a."""
    known = set(known)
    here = module_name(path, package).split(".")
    base_package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = base_package[: len(base_package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in known}


def import_graph(package: Path = PACKAGE) -> Graph:
    found = modules(package)
    return {name: imports_of(path, found, package) - {name} for name, path in found.items()}


def area(module: str) -> str:
    """The area a module belongs to: its subpackage, or itself for a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def declared_layers(architecture: str) -> list[list[str]]:
    """ARCHITECTURE.md's `layers` block: a list of layers, top first, each a list of areas."""
    match = LAYERS_BLOCK.search(architecture)
    if match is None:
        raise ValueError("ARCHITECTURE.md has no ```layers block")
    return [line.split() for line in match.group(1).splitlines() if line.strip() and not line.startswith("#")]


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Each circle group as one closed path through it, for a message: a -> b -> ... -> a."""
    return [_closed_path(sorted(group), graph) for group in circle_groups(graph)]


def circle_groups(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Every strongly connected group of more than one node (Tarjan): the nodes that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                connect(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def _closed_path(group: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """One circle through the group's first member, found breadth first: a → b → … → a."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for dep in sorted(graph.get(node, set()) & members):
                if dep == start:
                    return [*paths[node], start]
                if dep not in paths:
                    paths[dep] = [*paths[node], dep]
                    following.append(dep)
        frontier = following
    return [*group, start]


def back_arrows(graph: Mapping[str, set[str]], layers: list[list[str]]) -> list[str]:
    """Imports from a layer to one above it, and from a module whose area no layer names."""
    rank = {name: depth for depth, layer in enumerate(layers) for name in layer}
    wrong = []
    for module, deps in sorted(graph.items()):
        mine = rank.get(area(module))
        if mine is None:
            wrong.append(f"{module}: its area {area(module)!r} is in no layer of ARCHITECTURE.md")
            continue
        for dep in sorted(deps):
            theirs = rank.get(area(dep))
            if theirs is not None and theirs < mine:
                wrong.append(f"{module} imports {dep}, a layer above it ({area(module)} -> {area(dep)})")
    return wrong


def area_graph(graph: Mapping[str, set[str]]) -> Graph:
    found: Graph = {}
    for module, deps in graph.items():
        found.setdefault(area(module), set()).update(area(dep) for dep in deps if area(dep) != area(module))
    return found
