"""Appending to the CSV logs: one row per reading (readings.csv) and one per inverter, a file a month
(inverters-YYYY-MM.csv). Reading them back is csvread.py's.

The inverter log is split by month so that a person can still open it in a spreadsheet (30 inverters make
about 260,000 rows a month; one file would pass the 1,048,576-row limit in four months). The month is the
one written in the row's own timestamp: the site's local time (TIMEZONE). A single inverters.csv left by an
earlier version is split in place (legacy.py's migrate) before the next row is appended.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.core.models import Reading
from pvs6sup.core.rows import INVERTER_COLUMNS, READING_COLUMNS, inverter_rows, reading_row
from pvs6sup.errors import StorageError
from pvs6sup.store.csvread import (
    INVERTERS_FILE,
    READINGS_FILE,
    Layout,
    inverters_path,
    newest_timestamp,
    read_layout,
    tail,
)
from pvs6sup.store.files import append_lines, atomic_write
from pvs6sup.store.os_errors import user_name

log = logging.getLogger(__name__)


def month_of(moment: datetime, zone: tzinfo) -> str:
    """YYYY-MM of a moment in the site's time zone: the month its inverter rows are filed under."""
    return moment.astimezone(zone).strftime("%Y-%m")


def _encode(columns: tuple[str, ...], rows: list[dict[str, str]], newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _header(columns: tuple[str, ...]) -> bytes:
    return (",".join(columns) + "\n").encode("utf-8")


# --- appending --------------------------------------------------------------------------------------


def _aside_name(path: Path, now: datetime) -> Path:
    return path.with_name(f"{path.stem}.until-{now.strftime('%Y%m%dT%H%M%S')}{path.suffix}")


def heal_ownership(path: Path, now: datetime) -> None:
    """A CSV this user cannot write (left by one `sudo ... run`) is replaced by a copy this user owns.

    The folder is ours, so the copy is written beside it and renamed over it atomically. A file this
    user cannot even read is renamed aside instead, so that recording goes on in a fresh file.
    """
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    if os.access(path, os.W_OK):
        return
    me, them = user_name(), user_name(owner)
    fix = f"sudo chown {me}: {path}"
    try:
        try:
            data = path.read_bytes()
        except PermissionError:
            aside = _aside_name(path, now)
            os.replace(path, aside)
            log.warning(
                "%s is owned by %s and unreadable by %s (a run with sudo?); kept as %s and started anew "
                "(to read it: sudo chown %s: %s)",
                path,
                them,
                me,
                aside.name,
                me,
                aside,
            )
            return
        atomic_write(path, data)
    except (OSError, StorageError) as err:
        raise StorageError(f"cannot write {path}: it is owned by {them} (a run with sudo?); fix: {fix}") from err
    log.warning("%s was owned by %s (a run with sudo?); replaced by a copy owned by %s", path, them, me)


def set_aside_if_other_columns(path: Path, columns: tuple[str, ...], now: datetime) -> Layout | None:
    """A file with other columns (an older version, a person's edit) is renamed aside, never mixed.

    The same columns behind a BOM, in quotes, with CRLF line ends or in another order are the same file.
    """
    layout = read_layout(path)
    if layout is None or sorted(layout.columns) == sorted(columns):
        return layout
    missing = [name for name in columns if name not in layout.columns]
    extra = [name for name in layout.columns if name not in columns]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"extra {', '.join(name or '(unnamed)' for name in extra)}"] if extra else []
    what = "; ".join(parts) or "a column named twice"
    aside = _aside_name(path, now)
    os.replace(path, aside)
    log.warning("%s had other columns (%s); kept as %s and started anew", path, what, aside.name)
    return None


def append_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]], now: datetime) -> None:
    """Append rows to a CSV in its own column order and line ends, writing the header if the file is new."""
    heal_ownership(path, now)
    layout = set_aside_if_other_columns(path, columns, now)
    if rows:
        order, newline = (layout.columns, layout.newline) if layout else (columns, "\n")
        append_lines(path, _header(columns), _encode(order, rows, newline))


def append_reading(data_dir: Path, reading: Reading, zone: tzinfo) -> None:
    """Append the reading's inverters to its month's inverters-YYYY-MM.csv, then its row to readings.csv.

    The readings.csv row goes last: it is what marks the reading as recorded (a kill between the two
    leaves inverter rows without a site row, never a site row claiming inverters that were not written).
    A single inverters.csv of an earlier version is split into months first; if that fails (a full disk),
    it stays as it is, the rows still go to their month, and the split is tried again next time.
    """
    if os.path.lexists(data_dir / INVERTERS_FILE):
        from pvs6sup.store import legacy

        try:
            legacy.migrate(data_dir, zone, reading.fetched_at)
        except (StorageError, OSError) as err:
            log.warning("%s: not split into monthly files yet (%s); tried again next cycle", INVERTERS_FILE, err)
    month = inverters_path(data_dir, month_of(reading.fetched_at, zone))
    rows = inverter_rows(reading, zone)
    last = tail(month, INVERTER_COLUMNS, 1024) if rows else []  # the last row says whether to look further
    if last and last[-1][1]["timestamp"] == rows[0]["timestamp"]:
        # a killed run's inverter rows with this very timestamp and no site row: taken back, not doubled
        recent = tail(month, INVERTER_COLUMNS, 1 << 16)
        orphans = [offset for offset, row in recent if row["timestamp"] == rows[0]["timestamp"]]
        if orphans and newest_timestamp(data_dir) != reading.fetched_at.replace(microsecond=0):  # no site row
            os.truncate(month, orphans[0])
    append_csv(month, INVERTER_COLUMNS, rows, reading.fetched_at)
    append_csv(data_dir / READINGS_FILE, READING_COLUMNS, [reading_row(reading, zone)], reading.fetched_at)
