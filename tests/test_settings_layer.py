"""The settings at the bottom of the house, read from the source with ast: only the cycle, the command line and the
commands take the whole Config or the Runtime; settings/ imports nothing above core and errors."""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pvs6sup"
WHOLE = {"Config", "Runtime"}
MAY_TAKE_THE_WHOLE = ("cycle.py", "cli.py", "commands", "settings")  # relative to the package
SETTINGS_MAY_IMPORT = ("pvs6sup.settings", "pvs6sup.core", "pvs6sup.errors")


def _sources() -> dict[str, Path]:
    return {path.relative_to(PACKAGE).as_posix(): path for path in sorted(PACKAGE.rglob("*.py"))}


def _names_in(annotation: ast.expr) -> set[str]:
    """Every name an annotation mentions, string annotations ("Config | None") read too."""
    names = set()
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            with contextlib.suppress(SyntaxError):  # a docstring-like constant, not an annotation
                names |= _names_in(ast.parse(node.value, mode="eval").body)
    return names


def whole_parameters(source: str) -> list[str]:
    """'function(parameter: annotation)' for each parameter annotated with Config or Runtime."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            for argument in every:
                if argument.annotation is not None and _names_in(argument.annotation) & WHOLE:
                    name = getattr(node, "name", "lambda")
                    found.append(f"{name}({argument.arg}: {ast.unparse(argument.annotation)})")
    return found


def imported_modules(source: str, module: str) -> set[str]:
    """Every module a source imports: at module level, inside functions and under TYPE_CHECKING alike."""
    package = module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            found.add(".".join([*base, node.module] if node.module else base))
    return found


@pytest.mark.parametrize("relative", [r for r in _sources() if not r.startswith(MAY_TAKE_THE_WHOLE)])
def test_no_function_outside_the_cycle_and_the_commands_takes_config_or_runtime(relative: str) -> None:
    found = whole_parameters((PACKAGE / relative).read_text(encoding="utf-8"))
    assert not found, f"{relative}: give each its own section and collaborators, not {found}"


@pytest.mark.parametrize("relative", [r for r in _sources() if r.startswith("settings/")])
def test_settings_import_only_settings_core_and_errors(relative: str) -> None:
    module = "pvs6sup." + relative.removesuffix(".py").replace("/", ".")
    imported = imported_modules((PACKAGE / relative).read_text(encoding="utf-8"), module)
    ours = {m for m in imported if m.startswith("pvs6")}
    outside = {m for m in ours if not any(m == ok or m.startswith(ok + ".") for ok in SETTINGS_MAY_IMPORT)}
    assert not outside, f"{relative} is at the bottom of the house and may not import {sorted(outside)}"


def test_the_checks_see_what_they_judge() -> None:
    # Guards against checks that pass because they read nothing: each finds what it is built to find.
    assert whole_parameters("def f(config: Config, n: int) -> None: ...") == ["f(config: Config)"]
    assert whole_parameters("def f(*, runtime: 'Runtime | None' = None) -> None: ...") == [
        "f(runtime: 'Runtime | None')"
    ]
    assert whole_parameters("class A:\n    def m(self, c: settings.Config) -> None: ...") == ["m(c: settings.Config)"]
    assert whole_parameters("def f(pvs: PvsSettings) -> None: ...") == []
    lazy = "def f():\n    from pvs6sup.sinks import mqtt\nif TYPE_CHECKING:\n    from ..pvs import access\n"
    assert imported_modules(lazy, "pvs6sup.settings.load") == {"pvs6sup.sinks", "pvs6sup.pvs"}
    assert whole_parameters((PACKAGE / "cycle.py").read_text(encoding="utf-8"))  # the cycle does take Config
    assert len([r for r in _sources() if r.startswith("settings/")]) >= 5
