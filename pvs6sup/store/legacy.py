"""Split the single inverters.csv of earlier versions into monthly files, in place, nothing lost, kill-safe.

The file is cut from its end: its last run of rows of one month is merged into inverters-YYYY-MM.csv
(written whole, atomically), and only then is inverters.csv truncated before that run. A kill at any
moment leaves every row in one place or, between the two steps, in both; the next run merges that run
again, and a row the month file already holds is not added twice. So the split needs the disk space of
one month, never of a second copy of the whole file. When the file is empty of rows it is removed.

A row's month is the one written in its timestamp (the site's local time, as every row is written); a
row with no readable timestamp (a 'Total' line a spreadsheet added) stays with the rows before it.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.core.rows import INVERTER_COLUMNS, parse_timestamp
from pvs6sup.store import csvfiles
from pvs6sup.store.files import atomic_write

log = logging.getLogger(__name__)

_ISO_MONTH = re.compile(rb'"?(\d{4}-\d{2})-\d{2}[T ]')
_HEADER = (",".join(INVERTER_COLUMNS) + "\n").encode()


def migrate(data_dir: Path, zone: tzinfo, now: datetime) -> int:
    """Split DATA_DIR/inverters.csv into monthly files; returns the rows moved (0 when there is no such file)."""
    legacy = data_dir / csvfiles.INVERTERS_FILE
    if not legacy.is_file():
        return 0
    csvfiles.heal_ownership(legacy, now)  # the same healing as an append
    layout = csvfiles.set_aside_if_other_columns(legacy, INVERTER_COLUMNS, now)
    if layout is None:  # no header (empty), or other columns: set aside with a warning, never mixed in
        if legacy.is_file():
            legacy.unlink()
        return 0
    runs = _month_runs(legacy, layout.columns, zone, now)
    moved = 0
    months = set()
    with legacy.open("rb+") as handle:
        for start, end, month in reversed(runs):
            handle.seek(start)
            lines = _standard_lines(handle.read(end - start), layout.columns)
            _merge(csvfiles.inverters_path(data_dir, month), lines)
            handle.truncate(start)
            os.fsync(handle.fileno())
            moved += len(lines)
            months.add(month)
    legacy.unlink()
    _sync_folder(data_dir)
    log.info("%s split into %d monthly files (%d rows)", legacy, len(months), moved)
    return moved


def _month_runs(path: Path, columns: tuple[str, ...], zone: tzinfo, now: datetime) -> list[tuple[int, int, str]]:
    """(start, end, month) of each run of consecutive rows of one month, in file order, after the header."""
    position = columns.index("timestamp")
    runs: list[tuple[int, int, str]] = []
    month: str | None = None
    start = offset = 0
    with path.open("rb") as handle:
        offset = start = len(handle.readline())  # the header
        for line in handle:
            found = _month(line, position, zone)
            if found is not None and found != month:
                if month is not None and offset > start:
                    runs.append((start, offset, month))
                    start = offset
                month = found  # rows before the first dated one join its month
            offset += len(line)
    if offset > start:
        runs.append((start, offset, month or csvfiles.month_of(now, zone)))
    return runs


def _month(line: bytes, position: int, zone: tzinfo) -> str | None:
    if position == 0:
        quick = _ISO_MONTH.match(line)
        if quick:
            return quick.group(1).decode()
    fields = next(csv.reader([line.decode("utf-8", "replace").strip("\r\n")]), [])
    if len(fields) <= position:
        return None
    moment = parse_timestamp(fields[position], zone)
    return moment.strftime("%Y-%m") if moment is not None else None


def _standard_lines(data: bytes, columns: tuple[str, ...]) -> list[bytes]:
    """The run's rows as this program writes them: its column order and \\n line ends; other lines as they were."""
    lines = [line.removesuffix(b"\r") + b"\n" for line in data.split(b"\n") if line.strip()]
    if columns == INVERTER_COLUMNS:
        return lines
    found = []
    for line in lines:
        fields = next(csv.reader([line.decode("utf-8", "replace").rstrip("\n")]), [])
        if len(fields) == len(columns):
            cells = dict(zip(columns, fields, strict=True))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow([cells[name] for name in INVERTER_COLUMNS])
            line = out.getvalue().encode()
        found.append(line)
    return found


def _merge(path: Path, lines: list[bytes]) -> None:
    """The month file becomes these older rows, then its own rows that are not among them."""
    try:
        existing = path.read_bytes().split(b"\n")[1:]
    except FileNotFoundError:
        existing = []
    seen = set(lines)
    kept = [line + b"\n" for line in existing if line.strip() and line + b"\n" not in seen]
    atomic_write(path, _HEADER + b"".join(lines) + b"".join(kept))


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
