"""Reading the CSV logs back: where they are (readings.csv, inverters-YYYY-MM.csv), their tails and rows read
the way a person may have re-saved them from a spreadsheet (BOM, quotes, CRLF, columns reordered), and the
questions the cycle, the alerts, the sinks and the report ask of them. csvlog.py appends to them.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.rows import INVERTER_COLUMNS, READING_COLUMNS, cell, normalised_row, parse_number, parse_timestamp

READINGS_FILE = "readings.csv"
INVERTERS_FILE = "inverters.csv"  # the single file of earlier versions: split into months on the next append
_MONTH_FILE = re.compile(r"inverters-\d{4}-\d{2}\.csv")


def inverters_path(data_dir: Path, month: str) -> Path:
    return data_dir / f"inverters-{month}.csv"


def inverter_files(data_dir: Path) -> list[Path]:
    """The monthly inverter files, oldest first (files set aside, inverters-….until-….csv, are not among them)."""
    try:
        names = sorted(name for name in os.listdir(data_dir) if _MONTH_FILE.fullmatch(name))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [data_dir / name for name in names]


# --- reading a CSV a person may have re-saved from a spreadsheet ------------------------------------

_BOM = b"\xef\xbb\xbf"


class Layout(FrozenRecord):
    columns: tuple[str, ...]  # as named in the file's header, in its order
    newline: str  # the file's own line end, kept when appending


def read_layout(path: Path) -> Layout | None:
    """The header of an existing CSV (BOM, quotes and CRLF tolerated), or None if it is missing or empty."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(64 * 1024)
    except OSError:  # missing, or unreadable (append_csv heals that): nothing to judge by
        return None
    if not first.strip():
        return None
    newline = "\r\n" if first.endswith(b"\r\n") else "\n"
    text = first.removeprefix(_BOM).decode("utf-8", "replace").strip("\r\n")
    names = next(csv.reader([text]), [])
    return Layout(tuple(name.strip() for name in names), newline)


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


def _tail_rows(path: Path, columns: tuple[str, ...], tail_bytes: int) -> list[dict[str, str]]:
    return [row for _, row in tail(path, columns, tail_bytes)]


def _inverter_tail(data_dir: Path, tail_bytes: int) -> list[dict[str, str]]:
    """The inverter rows in the last tail_bytes of the monthly files taken together (newest month first,
    reaching into the month before when the current one is shorter than the window)."""
    found: list[dict[str, str]] = []
    for path in reversed(inverter_files(data_dir)):
        found = _tail_rows(path, INVERTER_COLUMNS, tail_bytes) + found
        try:
            tail_bytes -= path.stat().st_size
        except OSError:
            break
        if tail_bytes <= 0:
            break
    return found


def iter_rows(path: Path, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Every row of a CSV, streamed, keyed like tail()'s rows (a file too large to hold is never held)."""
    layout = read_layout(path)
    if layout is None:
        return
    names = layout.columns if sorted(layout.columns) == sorted(columns) else columns
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for fields in reader:
            if len(fields) == len(names):
                yield dict(zip(names, (c.strip() for c in fields), strict=True))


def all_inverter_rows(data_dir: Path) -> Iterator[dict[str, str]]:
    """Every inverter row, month after month (for report --rebuild)."""
    for path in inverter_files(data_dir):
        yield from iter_rows(path, INVERTER_COLUMNS)


def inverter_powers(data_dir: Path, stamps: Iterable[str], zone: tzinfo | None = None) -> dict[str, dict[str, str]]:
    """timestamp -> {serial: power_kw cell} for these readings.csv timestamps, from their months' files only."""
    wanted = {moment: stamp for stamp in stamps if (moment := parse_timestamp(stamp, zone)) is not None}
    found: dict[str, dict[str, str]] = {}
    for month in sorted({moment.strftime("%Y-%m") for moment in wanted}):
        for row in iter_rows(inverters_path(data_dir, month), INVERTER_COLUMNS):
            moment = parse_timestamp(row["timestamp"], zone)
            stamp = wanted.get(moment) if moment is not None else None
            if stamp is not None:
                found.setdefault(stamp, {})[row["serial"]] = cell(parse_number(row["power_kw"]))
    return found


def rows_between(data_dir: Path, after: datetime, before: datetime, zone: tzinfo | None = None) -> list[dict[str, str]]:
    """readings.csv rows stamped strictly between two moments (to the second), from the file's tail,
    with their cells as this program writes them (a timestamp with its offset, plain decimals)."""
    low, high = after.replace(microsecond=0), before.replace(microsecond=0)
    found = []
    rows = _tail_rows(data_dir / READINGS_FILE, READING_COLUMNS, 64 * 1024)
    first = parse_timestamp(rows[0]["timestamp"], zone) if rows else None
    if first is not None and first > low:  # the tail does not reach back far enough: read it all
        rows = _tail_rows(data_dir / READINGS_FILE, READING_COLUMNS, 1 << 62)
    for row in rows:
        stamp = parse_timestamp(row["timestamp"], zone)
        if stamp is not None and low < stamp < high:
            found.append(normalised_row(row, zone))
    return found


def inverter_power_at(data_dir: Path, timestamp: str, zone: tzinfo | None = None) -> dict[str, str]:
    """serial -> power_kw cell of the inverter rows stamped at this moment, from its month's file's tail."""
    moment = parse_timestamp(timestamp, zone)
    if moment is None:
        return {}
    rows = _tail_rows(inverters_path(data_dir, moment.strftime("%Y-%m")), INVERTER_COLUMNS, 512 * 1024)
    return {
        row["serial"]: cell(parse_number(row["power_kw"]))
        for row in rows
        if parse_timestamp(row["timestamp"], zone) == moment
    }


def recent_power(data_dir: Path, serial: str, points: int = 36) -> list[tuple[float, float | None]]:
    """The last `points` (epoch s, kW) of one inverter, read from the tail of the monthly files (for an email's
    trend; kept out of the alert state so that the state file, rewritten every cycle, stays small)."""
    found: list[tuple[float, float | None]] = []
    for row in _inverter_tail(data_dir, 256 * 1024):  # 36 readings of 60 inverters
        if row["serial"] == serial:
            stamp = parse_timestamp(row["timestamp"])
            if stamp is not None:
                found.append((stamp.timestamp(), parse_number(row["power_kw"])))
    return found[-points:]


def recent_power_beside(
    data_dir: Path, serial: str, points: int = 36
) -> list[tuple[float, float | None, float | None]]:
    """recent_power with, at each moment, the median output of the other inverters: the trend's reference."""
    own: dict[float, float | None] = {}
    others: dict[float, list[float]] = {}
    for row in _inverter_tail(data_dir, 256 * 1024):
        stamp = parse_timestamp(row["timestamp"])
        if stamp is None:
            continue
        kw = parse_number(row["power_kw"])
        if row["serial"] == serial:
            own[stamp.timestamp()] = kw
        elif kw is not None:
            others.setdefault(stamp.timestamp(), []).append(kw)
    found = []
    for at in sorted(own)[-points:]:
        values = sorted(others.get(at, []))
        middle = (values[(len(values) - 1) // 2] + values[len(values) // 2]) / 2 if values else None
        found.append((at, own[at], middle))
    return found
