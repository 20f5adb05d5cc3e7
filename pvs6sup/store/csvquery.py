"""Questions asked of the CSV logs beyond the newest reading (csvlog.py's): the rows between two moments and the
inverters' powers at some (for the sinks and the report), every inverter row (report --rebuild), and an
inverter's recent power beside its siblings' (an alert email's trend). Not needed every cycle.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.core.rows import INVERTER_COLUMNS, READING_COLUMNS, cell, normalised_row, parse_number, parse_timestamp
from pvs6sup.store.csvfiles import READINGS_FILE, inverter_files, inverters_path, read_layout
from pvs6sup.store.csvlog import tail


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
