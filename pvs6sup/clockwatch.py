"""The clock policy's effects: stamping a reading, keeping and later recording answers no clock could stamp,
warning about a clock once a day, and remembering the last date both clocks agreed on (for retention)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from pvs6sup.core.clock_check import FUTURE_TOLERANCE, judge_clocks, pending_stamp
from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.errors import ClockError, SupervisorError
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.store import archive, csvlog
from pvs6sup.store.files import atomic_write

log = logging.getLogger(__name__)

STATE_FILE = "clock-state.json"


def load_state(data_dir: Path) -> dict[str, str]:
    """The small clock state (warnings given, trusted date); empty when missing or damaged (it only
    limits warnings and pruning, so starting afresh is harmless)."""
    try:
        document = json.loads((data_dir / STATE_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {}


def trusted_date(data_dir: Path) -> date | None:
    """The last date both clocks agreed on (see stamp), or None when none is known."""
    try:
        return date.fromisoformat(load_state(data_dir).get("trusted_date", ""))
    except ValueError:
        return None


def _save_state(data_dir: Path, state: dict[str, str], before: dict[str, str]) -> None:
    if state == before:
        return
    try:
        atomic_write(data_dir / STATE_FILE, json.dumps(state, sort_keys=True).encode("utf-8"))
    except SupervisorError as err:  # it only limits warnings: never a reason to lose the reading
        log.warning("%s", err)


def stamp(
    reading: Reading,
    record: Callable[[Reading], None],
    *,
    data_dir: Path,
    zone: tzinfo,
    max_clock_skew_s: float | None,
    meter_mode: str,
) -> Reading:
    """The reading stamped by the clock the policy trusts (clock.py), after recording (with `record`: the cycle's
    CSV rows, then the sinks' queues) any answers that waited for a right clock. Raises ClockError when no clock
    can be trusted (the answer is kept). meter_mode: CONSUMPTION_METER_MODE, to parse the kept answers."""
    supervisor = reading.devices.supervisor
    pvs_time = supervisor.pvs_time if supervisor else None
    latest_clock = max(reading.fetched_at, pvs_time) if pvs_time else reading.fetched_at
    newest, future = csvlog.newest_row(data_dir, zone, latest_clock + FUTURE_TOLERANCE)
    state = load_state(data_dir)
    before = dict(state)
    if future is not None and state.get("future_row") != future.timestamp:
        log.warning(
            "%s is dated later than both clocks: passed over when ordering readings (correct or delete that line)",
            future.describe(),
        )
        state["future_row"] = future.timestamp
    max_skew = timedelta(seconds=max_clock_skew_s) if max_clock_skew_s else None
    verdict = judge_clocks(reading.fetched_at, pvs_time, newest, max_skew, _usual_offset(state))
    if verdict.stamp is None:
        _save_state(data_dir, state, before)
        kept = archive.keep_pending(data_dir, Path(reading.raw_path)) if reading.raw_path else None
        raise ClockError(verdict.warning if kept else verdict.warning.replace("the answer is kept and", "it will be"))
    when = verdict.stamp
    today = when.astimezone(zone).date().isoformat()
    if verdict.warning and state.get(f"warned_{verdict.warning_kind}") != today:
        log.warning("%s", verdict.warning)
        state[f"warned_{verdict.warning_kind}"] = today
    if when != reading.fetched_at:
        raw = archive.refile(data_dir, Path(reading.raw_path), when) if reading.raw_path else None
        reading = replace(reading, fetched_at=when, raw_path=str(raw) if raw else None)
    _record_pending(data_dir, meter_mode, reading, newest, record)
    if verdict.offset is not None:
        state["usual_offset_s"] = str(round(verdict.offset.total_seconds() / 3600) * 3600)  # to the hour: few writes
    state["trusted_date"] = _trusted(state.get("trusted_date", ""), when.date(), verdict.confirmed)
    _save_state(data_dir, state, before)
    return reading


def _usual_offset(state: dict[str, str]) -> timedelta | None:
    try:
        return timedelta(seconds=float(state["usual_offset_s"]))
    except (KeyError, ValueError, OverflowError):
        return None


def _trusted(previous: str, day: date, confirmed: bool) -> str:
    """A date the clocks vouch for; with no second clock to confirm, it moves on at most a day a cycle."""
    try:
        last = date.fromisoformat(previous)
    except ValueError:
        return day.isoformat()
    return (day if confirmed else min(day, last + timedelta(days=1))).isoformat()


def _record_pending(
    data_dir: Path, meter_mode: str, reading: Reading, newest: datetime | None, record: Callable[[Reading], None]
) -> None:
    """Record the answers kept in raw/pending, in the order they were taken, before this reading."""
    waiting = []
    for path in archive.pending_captures(data_dir):
        try:
            kept = reading_from_capture(archive.read_raw(path), reading.fetched_at, meter_mode)
        except (OSError, EOFError, ValueError, SupervisorError) as err:
            log.warning("%s: unusable, left where it is: %s", path, err)
            continue
        waiting.append((path, kept))
    if not waiting:
        return
    now_pvs = reading.devices.supervisor
    placed, unplaced = [], []
    for path, kept in waiting:
        then = kept.devices.supervisor
        when = pending_stamp(
            reading.fetched_at,
            now_pvs.uptime_s if now_pvs else None,
            now_pvs.pvs_time if now_pvs else None,
            then.uptime_s if then else None,
            then.pvs_time if then else None,
        )
        if when is None:
            unplaced.append((path, "when it was taken cannot be told (the PVS restarted since)"))
        elif when >= reading.fetched_at or (newest is not None and when <= newest):
            unplaced.append(
                (
                    path,
                    f"counted back, it was taken at {when:%Y-%m-%d %H:%M} UTC, not between the last "
                    "recorded reading and this one",
                )
            )
        else:
            placed.append((when, path, kept))
    placed.sort(key=lambda item: item[0])
    for when, path, kept in placed:
        raw = archive.refile(data_dir, path, when)
        record(replace(kept, fetched_at=when, raw_path=str(raw)))
    if placed:
        log.warning(
            "recorded %d reading(s) kept while no clock was right, counted back on the PVS's uptime or clock",
            len(placed),
        )
    for path, reason in unplaced:
        aside = archive.set_aside(path, archive.CLOCK_SKEW)
        log.warning("%s: %s; kept as %s for `replay`", path.name, reason, aside)
