"""How a run ends when there is nothing more to say: a closed pipe, a package missing from this python."""

from __future__ import annotations

import contextlib
import os
from typing import TextIO

from pvs6sup.errors import ExitStatus


def missing_dependency(name: str | None) -> str:
    """The one line for a package that is not installed where this python looks."""
    return f"the Python package {name!r} is not installed for this python: run it with .venv/bin/python (see README)"


def quiet_after_closed_pipe(stdout: TextIO) -> int:
    """Point stdout at /dev/null so that Python's own flush at exit does not complain a second time."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # io.StringIO in tests: nothing to redirect
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    return int(ExitStatus.OK)
