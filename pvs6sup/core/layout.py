"""The roof's layout as the cloud export tools write it (LAYOUT_FILE): one CSV row a panel, with the columns
serialNumber, xCoordinate, yCoordinate, rotation, azimuth, orientation (extra columns ignored). Pure: the file's
text in, placed panels out, or one line naming the file, the line, the problem and the fix (a ValueError).

x and y are taken as the panel's centre, seen from above, y growing down the page as on the screen the layout
was drawn on; rotation is in degrees clockwise, azimuth in degrees from north (180 = south), orientation
portrait or landscape. Serials are matched as INVERTER_GROUPS and INVERTER_LAYOUT match them: the whole
serial, or its last characters.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence

from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.texts import short_serial

COLUMNS = ("serialNumber", "xCoordinate", "yCoordinate", "rotation", "azimuth", "orientation")
SAME_AZIMUTH_DEG = 20.0  # panels whose azimuths are this close face the same way (one roof face)
_ORIENTATIONS = {"portrait": True, "p": True, "": True, "landscape": False, "l": False}


class Panel(FrozenRecord):
    """One panel of the layout, its serial as the file gives it (or, once placed, the inverter's own)."""

    serial: str
    x: float
    y: float
    rotation_deg: float
    azimuth_deg: float | None  # None: the file left it empty
    portrait: bool
    line: int  # the file's line, for messages


def _number(text: str, name: str, column: str, line: int, optional: bool = False) -> float | None:
    cleaned = text.strip()
    if not cleaned and optional:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"LAYOUT_FILE {name} line {line}: {column} is {cleaned!r}, not a number; correct it")
    return value


def parse_layout(text: str, name: str) -> list[Panel]:
    """The panels of a layout CSV's text (`name` is the file, for messages); ValueError with one line when a
    column is missing or a cell is not what it should be."""
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    header = next((row for row in rows if any(cell.strip() for cell in row)), None)
    if header is None:
        raise ValueError(f"LAYOUT_FILE {name} is empty: export the layout again (columns {','.join(COLUMNS)})")
    where = {cell.strip().lower(): index for index, cell in enumerate(header)}
    missing = [column for column in COLUMNS if column.lower() not in where]
    if missing:
        raise ValueError(
            f"LAYOUT_FILE {name} line {rows.index(header) + 1}: no {', '.join(missing)} column; the header needs "
            f"{','.join(COLUMNS)} (extra columns are ignored): export the layout again or add the column"
        )
    index = {column: where[column.lower()] for column in COLUMNS}
    panels = []
    for number, row in enumerate(rows[rows.index(header) + 1 :], start=rows.index(header) + 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {column: row[at].strip() if at < len(row) else "" for column, at in index.items()}
        if not cells["serialNumber"]:
            raise ValueError(f"LAYOUT_FILE {name} line {number}: no serialNumber; add the serial or delete the line")
        orientation = cells["orientation"].lower()
        if orientation not in _ORIENTATIONS:
            raise ValueError(
                f"LAYOUT_FILE {name} line {number}: orientation {cells['orientation']!r} is neither portrait nor "
                "landscape; correct it"
            )
        x = _number(cells["xCoordinate"], name, "xCoordinate", number)
        y = _number(cells["yCoordinate"], name, "yCoordinate", number)
        rotation = _number(cells["rotation"], name, "rotation", number, optional=True)
        azimuth = _number(cells["azimuth"], name, "azimuth", number, optional=True)
        assert x is not None and y is not None
        panels.append(Panel(cells["serialNumber"], x, y, rotation or 0.0, azimuth, _ORIENTATIONS[orientation], number))
    if not panels:
        raise ValueError(f"LAYOUT_FILE {name} lists no panel under its header: export the layout again")
    return panels


def place(panels: Sequence[Panel], serials: Iterable[str], name: str) -> list[Panel]:
    """The panels with each serial matched to one inverter's whole serial; ValueError with one line for a serial
    that matches no inverter, or several, or an inverter listed twice."""
    known = sorted(set(serials))
    placed: list[Panel] = []
    taken: dict[str, int] = {}
    for panel in panels:
        found = [s for s in known if s == panel.serial] or [s for s in known if s.endswith(panel.serial)]
        shown = short_serial(panel.serial)
        if not found:
            raise ValueError(
                f"LAYOUT_FILE {name} line {panel.line}: serial {shown} matches none of the {len(known)} inverters "
                "the PVS lists (`status` shows them); correct the serial, or delete the line of a panel removed"
            )
        if len(found) > 1:
            raise ValueError(
                f"LAYOUT_FILE {name} line {panel.line}: serial ending {panel.serial!r} matches {len(found)} inverters; "
                "give more of its last characters, or the whole serial"
            )
        serial = found[0]
        if serial in taken:
            raise ValueError(
                f"LAYOUT_FILE {name} line {panel.line}: inverter {short_serial(serial)} is already on line "
                f"{taken[serial]}; delete one of the two"
            )
        taken[serial] = panel.line
        placed.append(
            Panel(serial, panel.x, panel.y, panel.rotation_deg, panel.azimuth_deg, panel.portrait, panel.line)
        )
    return placed


def _apart_deg(a: float, b: float) -> float:
    gap = abs(a - b) % 360.0
    return min(gap, 360.0 - gap)


def azimuth_groups(panels: Sequence[Panel]) -> tuple[tuple[str, ...], ...]:
    """The panels grouped by the way they face: each group the serials whose azimuths lie within SAME_AZIMUTH_DEG
    of the group's first (taken in azimuth order), largest group first; panels without an azimuth are left out."""
    facing = sorted((p.azimuth_deg % 360.0, p.serial) for p in panels if p.azimuth_deg is not None)
    groups: list[tuple[float, list[str]]] = []
    for azimuth, serial in facing:
        for start, members in groups:
            if _apart_deg(start, azimuth) <= SAME_AZIMUTH_DEG:
                members.append(serial)
                break
        else:
            groups.append((azimuth, [serial]))
    groups.sort(key=lambda group: (-len(group[1]), group[0]))
    return tuple(tuple(members) for _, members in groups)


def disagreements(layout_groups: Sequence[Sequence[str]], faces: Sequence[Sequence[str]]) -> list[str]:
    """Where the faces the alerts learned (or INVERTER_GROUPS) part from the layout's azimuth groups, in words:
    a face that holds panels of two azimuth groups, or an azimuth group split over several faces. Only the
    serials both know are compared."""
    group_of = {serial: index for index, members in enumerate(layout_groups) for serial in members}
    face_of = {serial: index for index, members in enumerate(faces) for serial in members}
    lines = []
    for members in faces:
        spans = {group_of[s] for s in members if s in group_of}
        if len(spans) > 1:
            lines.append(f"a face of {len(members)} inverters holds panels of {len(spans)} azimuth groups")
    for members in layout_groups:
        split = {face_of[s] for s in members if s in face_of}
        if len(split) > 1:
            lines.append(f"an azimuth group of {len(members)} panels was found on {len(split)} faces")
    return lines
