"""Read LAYOUT_FILE (the roof's layout CSV) and place its panels on the inverters known: the file's only effect.
Any problem is a ConfigError of one line naming the file, the line and the fix (core/layout.py words it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pvs6sup.core.layout import Panel, parse_layout, place
from pvs6sup.errors import ConfigError

MAX_BYTES = 4 * 1024 * 1024  # a layout is a line a panel: anything near this is not one


def read_layout(path: Path, serials: Iterable[str]) -> list[Panel]:
    """The panels of the layout at `path`, each matched to one of `serials`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError as err:
        raise ConfigError([f"LAYOUT_FILE {path}: no such file; correct the path, or unset LAYOUT_FILE"]) from err
    except OSError as err:
        problem = f"LAYOUT_FILE {path}: cannot be read ({err.strerror or err}); check its permissions"
        raise ConfigError([problem]) from err
    if len(data) > MAX_BYTES:
        raise ConfigError([f"LAYOUT_FILE {path}: over 4 MB, not a layout CSV; point it at the exported layout"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError([f"LAYOUT_FILE {path}: not UTF-8 text; save it again as CSV (UTF-8)"]) from err
    try:
        return place(parse_layout(text, str(path)), serials, str(path))
    except ValueError as err:
        raise ConfigError([str(err)]) from err
