"""The CSV logs: one row per reading (readings.csv) and one per inverter, a file a month (inverters-YYYY-MM.csv):
where they are, their tails read the way a person may have re-saved them, the newest reading in them, and
appending to them (what every cycle needs). csvquery.py answers the other questions asked of them.

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
from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.rows import (
    INVERTER_COLUMNS,
    READING_COLUMNS,
    inverter_rows,
    parse_timestamp,
    reading_row,
)
from pvs6sup.errors import StorageError
from pvs6sup.store.csvfiles import (
    INVERTERS_FILE,
    READINGS_FILE,
    heal_ownership,
    inverters_path,
    month_of,
    read_layout,
    set_aside_if_other_columns,
)
from pvs6sup.store.files import append_lines

log = logging.getLogger(__name__)


def _encode(columns: tuple[str, ...], rows: list[dict[str, str]], newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    # csv.writer on lists: DictWriter checks every row's keys against the columns (200 rows a cycle)
    csv.writer(buffer, lineterminator=newline).writerows([row[name] for name in columns] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _header(columns: tuple[str, ...]) -> bytes:
    return (",".join(columns) + "\n").encode("utf-8")


# --- reading a CSV a person may have re-saved from a spreadsheet ------------------------------------


class FutureRow(FrozenRecord):
    """A row dated later than every clock: a typo, or a clock that once jumped forward."""

    path: Path
    line: int
    timestamp: str

    def describe(self) -> str:
        return f"{self.path} line {self.line} ({self.timestamp})"


def tail(path: Path, columns: tuple[str, ...], tail_bytes: int) -> list[tuple[int, dict[str, str]]]:
    """(byte offset, cells) of the whole rows in the last tail_bytes of a CSV with these columns.

    Cells are keyed by the file's own header when it names the same columns in another order; blank
    rows, 'Total' rows and rows with another number of cells are left out.
    """
    layout = read_layout(path)
    if layout is None:
        return []
    names = layout.columns if sorted(layout.columns) == sorted(columns) else columns
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(0, size - tail_bytes)
            handle.seek(max(0, start - 1))
            chunk = handle.read()
    except OSError:
        return []
    if start == 0:
        chunk = b"\n" + chunk
    offset = max(0, start - 1)
    first_cut = chunk.find(b"\n")  # everything before it is a line the window cut (or nothing)
    offset += first_cut + 1
    lines = chunk[first_cut + 1 :].split(b"\n")
    if start == 0:  # the header
        offset += len(lines[0]) + 1
        lines = lines[1:]
    found = []
    for line in lines:
        text = line.removesuffix(b"\r").decode("utf-8", "replace")
        if text.strip():
            row = next(csv.reader([text]), [])
            if len(row) == len(names):
                found.append((offset, dict(zip(names, (c.strip() for c in row), strict=True))))
        offset += len(line) + 1
    return found


def _line_number(path: Path, offset: int) -> int:
    count = 1
    with path.open("rb") as handle:
        while offset > 0:
            block = handle.read(min(offset, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            offset -= len(block)
    return count


def newest_row(
    data_dir: Path, zone: tzinfo | None = None, not_after: datetime | None = None
) -> tuple[datetime | None, FutureRow | None]:
    """The newest moment in readings.csv's tail, and the latest row ignored for being after not_after.

    A row later than not_after is ignored only when an earlier row is not (so a typo, or a row stamped by
    a clock that jumped forward, cannot hold recording back; when every row is later, the clocks are
    behind the record and the rows stand). Cells that are not timestamps are passed over.
    """
    path = data_dir / READINGS_FILE
    dated = []
    for offset, row in tail(path, READING_COLUMNS, 4096):
        moment = parse_timestamp(row["timestamp"], zone)
        if moment is not None:
            dated.append((moment, offset, row["timestamp"]))
    if not dated:
        return None, None
    within = [moment for moment, _, _ in dated if not_after is None or moment <= not_after]
    if not within:
        return max(moment for moment, _, _ in dated), None
    beyond = [(offset, text) for moment, offset, text in dated if not_after is not None and moment > not_after]
    future = FutureRow(path, _line_number(path, beyond[-1][0]), beyond[-1][1]) if beyond else None
    return max(within), future


def newest_timestamp(data_dir: Path, zone: tzinfo | None = None, not_after: datetime | None = None) -> datetime | None:
    """The newest timestamp in the tail of readings.csv (see newest_row), or None."""
    return newest_row(data_dir, zone, not_after)[0]


# --- appending --------------------------------------------------------------------------------------


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
