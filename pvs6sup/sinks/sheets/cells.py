"""What a reading looks like in the spreadsheet: tab names, typed cells, and row identity. Pure."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pvs6sup.core.rows import READING_COLUMNS

INVERTER_SUFFIX = "_kw"
WALL_FORMAT = "%Y-%m-%d %H:%M:%S"
_SHEETS_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (Sheets' day 0; wall times are naive)


def inverter_column(serial: str) -> str:
    return serial + INVERTER_SUFFIX


def wall_time(timestamp: str) -> datetime:
    """The local wall-clock time of a CSV timestamp (ISO 8601 with offset), naive."""
    return datetime.fromisoformat(timestamp).replace(tzinfo=None)


def worksheet_title(base: str, timestamp: str) -> str:
    """One worksheet per year, so no tab grows without end: 'Readings 2026'."""
    return f"{base} {wall_time(timestamp).year}"


def typed_cell(text: str) -> int | float | str | None:
    """A CSV cell as Sheets should see it: a number, an empty cell (None), or text that is never a formula."""
    if text == "":
        return None
    try:
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        return "'" + text if text[:1] in "=+-@" else text


def site_row(payload: dict[str, Any]) -> dict[str, str]:
    """A queued entry's site row by column name (queued as a list in READING_COLUMNS order)."""
    row = payload["row"]
    # not strict: a row queued before a later version added columns simply lacks them
    return dict(zip(READING_COLUMNS, row, strict=False)) if isinstance(row, list) else dict(row)


def sheet_row(payload: dict[str, Any], columns: list[str]) -> list[Any]:
    """The row of values for a worksheet whose header is `columns`."""
    row, inverters = site_row(payload), payload["inverters_kw"]
    values: list[Any] = []
    for name in columns:
        if name == "timestamp":
            values.append(wall_time(row["timestamp"]).strftime(WALL_FORMAT))  # USER_ENTERED makes it a date
        elif name in row:
            values.append(typed_cell(row[name]))
        else:
            values.append(typed_cell(inverters.get(name[: -len(INVERTER_SUFFIX)], "")))
    return values


def row_identity(value: Any) -> int | None:
    """Seconds since Sheets' epoch for a timestamp cell, read back as a serial number or as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(value * 86400)
    if isinstance(value, str):
        try:
            return round((datetime.strptime(value.strip(), WALL_FORMAT) - _SHEETS_EPOCH).total_seconds())  # noqa: DTZ007
        except ValueError:
            return None
    return None


def landed_count(tail: list[int | None], batch: list[int | None]) -> int:
    """How many of the batch's first rows the sheet's tail ends with (appends are atomic: all or none)."""
    for count in range(len(batch), 0, -1):
        if len(tail) >= count and tail[-count:] == batch[:count]:
            return count
    return 0
