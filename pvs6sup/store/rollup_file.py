"""The daily rollup on disk: DATA_DIR/daily.csv (finished days, append-only) and DATA_DIR/rollup-state.json
(the day being accumulated, rewritten atomically each cycle).

Kill-safe: a finished day's rows are appended (fsync'd, a torn line trimmed) BEFORE the state moves to
the new day, and a row already in daily.csv's tail is never appended again. So a kill at any moment
leaves daily.csv whole, with every day once. Nothing here reads more than daily.csv's tail.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from pathlib import Path

from pvs6sup.core import rollup
from pvs6sup.core.models import Reading
from pvs6sup.core.rollup_records import DailyRow, DayState, Observation
from pvs6sup.errors import StorageError
from pvs6sup.store import statefile
from pvs6sup.store.files import append_lines, atomic_write

log = logging.getLogger(__name__)

DAILY_FILE = "daily.csv"
STATE_FILE = "rollup-state.json"
TAIL_BYTES = 64 * 1024  # far more than one day's rows (about 70 bytes per inverter)


def record(data_dir: Path, reading: Reading, zone: tzinfo, inverter_max_kw: float = rollup.INVERTER_MAX_KW) -> None:
    """Take a recorded reading into today's rollup; at a change of day, append the finished day first."""
    observe(data_dir, rollup.observation_from_reading(reading), zone, inverter_max_kw)


def observe(data_dir: Path, obs: Observation, zone: tzinfo, inverter_max_kw: float = rollup.INVERTER_MAX_KW) -> None:
    state = load_state(data_dir)
    _finish(data_dir, rollup.observe(state, obs, zone, inverter_max_kw))
    save_state(data_dir, state)


def record_failure(data_dir: Path, now: datetime, zone: tzinfo) -> None:
    """Count a cycle in which the PVS gave no reading."""
    state = load_state(data_dir)
    _finish(data_dir, rollup.note_failure(state, now, zone))
    save_state(data_dir, state)


def _finish(data_dir: Path, finished: list[DailyRow]) -> None:
    """Append the finished rows that daily.csv's tail does not already hold (a kill after the append
    and before the state was saved brings them here a second time)."""
    if not finished:
        return
    days = {r.day for r in finished}
    present = {(r.day, r.serial) for r in _tail(data_dir / DAILY_FILE, TAIL_BYTES) if r.day in days}
    missing = [r for r in finished if (r.day, r.serial) not in present]
    if missing:
        append_lines(data_dir / DAILY_FILE, rollup.header(), rollup.encode_rows(missing))


def load_state(data_dir: Path) -> DayState:
    """Today's accumulation, or a fresh one (a damaged file is set aside with a warning)."""
    path = data_dir / STATE_FILE  # healed like every state file: damaged or another user's, set aside once
    found = statefile.load_state(path, _decode, "daily rollup state", "the rollup started afresh", data_dir)
    return found or DayState()


def _decode(data: bytes) -> DayState:
    return rollup.state_from_json(json.loads(data))


def save_state(data_dir: Path, state: DayState) -> None:
    atomic_write(data_dir / STATE_FILE, json.dumps(rollup.state_to_json(state), separators=(",", ":")).encode())


def _tail(path: Path, window: int) -> list[DailyRow]:
    """The whole, parseable rows in the last `window` bytes of daily.csv (a torn last line is left out)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(0, size - window)
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err.strerror or err}") from err
    lines = data.decode("utf-8", "replace").split("\n")[:-1]  # the last piece has no newline: torn or empty
    if start > 0:
        lines = lines[1:]  # cut by the window
    parsed = (rollup.parse_row(fields) for fields in csv.reader(lines))
    return [r for r in parsed if r is not None]


def read_since(data_dir: Path, since: date) -> list[DailyRow]:
    """The rows of daily.csv from `since` on, read from the file's end (a year is never read for a month)."""
    path = data_dir / DAILY_FILE
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return []
    window = TAIL_BYTES
    while True:
        found = _tail(path, window)
        if window >= size or (found and found[0].day < since):
            return [r for r in found if r.day >= since]
        window *= 4


def rebuild(
    data_dir: Path,
    reading_rows: Iterable[Mapping[str, str]],
    inverter_rows: Iterable[Mapping[str, str]],
    zone: tzinfo,
    inverter_max_kw: float = rollup.INVERTER_MAX_KW,
) -> int:
    """Recompute daily.csv and today's state from the CSV rows (report --rebuild); returns the days written.

    daily.csv is replaced whole, atomically, and then the state: a kill in between leaves the old state,
    whose day the new daily.csv does not hold yet (a rebuild stops before the open day).
    """
    finished, state = rollup.rebuild(rollup.observations_from_csv(reading_rows, inverter_rows), zone, inverter_max_kw)
    atomic_write(data_dir / DAILY_FILE, rollup.header() + rollup.encode_rows(finished))
    save_state(data_dir, state)
    return len({r.day for r in finished})


def newest_day(data_dir: Path) -> date | None:
    """The newest finished day in daily.csv, from its tail; None when it holds none."""
    rows = _tail(data_dir / DAILY_FILE, TAIL_BYTES)
    return max((r.day for r in rows), default=None)
