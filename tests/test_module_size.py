"""Rooms of one job: no module of the program passes 400 lines, and each starts with a docstring saying its job."""

from __future__ import annotations

import ast

import pytest

from tests.support.imports import modules

MOST_LINES = 400
MODULES = modules()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_is_short_and_says_its_job(name: str) -> None:
    source = MODULES[name].read_text(encoding="utf-8")
    lines = source.count("\n")
    assert lines <= MOST_LINES, f"{name} has {lines} lines: split it into modules of one job each"
    if MODULES[name].name != "__init__.py" or source.strip():
        assert ast.get_docstring(ast.parse(source)), f"{name} has no docstring saying what its job is"


def test_the_size_test_reads_the_program() -> None:
    assert len(MODULES) > 100 and "pvs6sup.cycle" in MODULES
