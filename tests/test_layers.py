"""The package's layers, read from the source with ast: every import counts, none points up, no circle.

The order is ARCHITECTURE.md's `layers` block, so the diagram a newcomer reads is the rule the suite holds.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.imports import (
    PACKAGE,
    ROOT,
    area,
    area_graph,
    back_arrows,
    circle_groups,
    cycles,
    declared_layers,
    import_graph,
    modules,
)

GRAPH = import_graph()
LAYERS = declared_layers((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))


def test_no_module_imports_a_layer_above_it() -> None:
    wrong = back_arrows(GRAPH, LAYERS)
    assert not wrong, "imports against ARCHITECTURE.md's layer order:\n" + "\n".join(wrong)


def test_no_import_circle_between_modules() -> None:
    found = cycles(GRAPH)
    assert not found, "import circles:\n" + "\n".join(" -> ".join(circle) for circle in found)


def test_no_import_circle_between_areas() -> None:
    found = cycles(area_graph(GRAPH))
    assert not found, "areas importing each other:\n" + "\n".join(" -> ".join(circle) for circle in found)


def test_core_imports_only_core() -> None:
    outside = {f"{m} -> {d}" for m, deps in GRAPH.items() if area(m) == "core" for d in deps if area(d) != "core"}
    assert not outside, f"core is pure and imports only core: {sorted(outside)}"


def test_every_area_is_in_a_layer_once() -> None:
    named = [name for layer in LAYERS for name in layer]
    assert len(named) == len(set(named)), f"an area is in two layers: {named}"
    assert {area(m) for m in GRAPH} <= set(named)


# The test of the test: the same checks on graphs known to be wrong.


def test_a_deliberate_back_arrow_is_caught() -> None:
    graph = {module: set(deps) for module, deps in GRAPH.items()}
    graph["pvs6sup.core.models"].add("pvs6sup.cli")
    added = set(back_arrows(graph, LAYERS)) - set(back_arrows(GRAPH, LAYERS))
    assert added == {"pvs6sup.core.models imports pvs6sup.cli, a layer above it (core -> cli)"}
    assert any({"core", "cli"} <= group for group in circle_groups(area_graph(graph)))


def test_a_deliberate_circle_is_caught() -> None:
    graph = {module: set(deps) for module, deps in GRAPH.items()}
    graph["pvs6sup.core.values"].add("pvs6sup.core.models")
    graph["pvs6sup.core.models"].add("pvs6sup.core.values")
    found = [circle for circle in cycles(graph) if circle not in cycles(GRAPH)]
    assert len(found) == 1 and found[0][0] == found[0][-1]
    assert set(found[0]) == {"pvs6sup.core.models", "pvs6sup.core.values"}


def test_imports_inside_functions_and_for_type_checking_count(tmp_path: Path) -> None:
    package = tmp_path / "pvs6sup"
    (package / "core").mkdir(parents=True)
    for name in ("__init__.py", "core/__init__.py", "core/a.py", "low.py", "top.py"):
        (package / name).write_text('"""x"""\n')
    (package / "core/a.py").write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pvs6sup import top
            def late() -> None:
                from ..low import thing
            """
        )
    )
    graph = import_graph(package)
    assert graph["pvs6sup.core.a"] == {"pvs6sup.top", "pvs6sup.low"}
    assert back_arrows(graph, [["top"], ["low"], ["core"], ["pvs6sup"]]) == [
        "pvs6sup.core.a imports pvs6sup.low, a layer above it (core -> low)",
        "pvs6sup.core.a imports pvs6sup.top, a layer above it (core -> top)",
    ]


def test_the_layers_block_is_read() -> None:
    assert len(LAYERS) >= 5 and LAYERS[-1] and "core" in {name for layer in LAYERS for name in layer}
    assert len(modules()) > 30 and "pvs6sup.core.models" in GRAPH["pvs6sup.core.site"]
    assert PACKAGE.name == "pvs6sup"


def test_an_architecture_without_the_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="no ```layers block"):
        declared_layers("# Architecture\n")
