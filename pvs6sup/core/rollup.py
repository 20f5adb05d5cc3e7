"""The daily rollup: one row per day for the site and one per inverter, accumulated reading by reading. Pure.

A day's energy is the sum of the lifetime-register deltas whose later reading falls on that day (in the
site's time zone), so a gap inside a day loses nothing: the delta across it is still counted. Every
value goes through the shared glitch guard (energy_guard) against the last value trusted; a value it
rejects is not energy, and the row counts and names it. A delta from a reading two or more days back
(the Pi was off for whole days) cannot be given to any one day and is not counted either.

Values are taken at the CSV's precision (4 decimals, the timestamp to the second), so a rebuild from
the CSVs gives the very rows the live cycle wrote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from pvs6sup.core.energy_guard import held_kwh, lifetime_problem
from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.core.rollup_records import DailyRow, DayState, Observation, Sample, Tally
from pvs6sup.core.rows import cell

SITE = "site"  # the serial column of the site's row (no inverter serial is a lowercase word)
INVERTER_MAX_KW = 1.0  # more than any microinverter makes: the glitch guard's bound for one interval
DAILY_COLUMNS = ("date", *DailyRow.__slots__[1:])  # daily.csv's columns: a row's fields, its day named "date"
NOTE_LIMIT = 3  # runs of problems named per row; the count says how many readings there were


def _csv_float(value: float | None) -> float | None:
    """The value as the CSV keeps it (4 decimals, rows.cell), so live and rebuilt rollups agree exactly: round()
    gives the double nearest the same correctly rounded decimal that cell() writes, and + 0.0 its "0" for -0."""
    return None if value is None else round(float(value), 4) + 0.0


def observation_from_reading(reading: Reading) -> Observation:
    site = reading.site
    return Observation(
        at=reading.fetched_at.replace(microsecond=0),
        site=Sample(SITE, _csv_float(site.production_kw), _csv_float(site.production_lifetime_kwh)),
        inverters=tuple(
            Sample(
                inv.serial,
                _csv_float(inv.power_kw),
                _csv_float(inv.lifetime_kwh),
                inv.state,
                _csv_float(inv.temperature_c),
                inv.measured_at.replace(microsecond=0) if inv.measured_at else None,
            )
            for inv in reading.devices.inverters
        ),
    )


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def observations_from_csv(
    reading_rows: Iterable[Mapping[str, str]], inverter_rows: Iterable[Mapping[str, str]]
) -> Iterator[Observation]:
    """Join readings.csv and inverters.csv rows (both in time order) into observations, streaming.

    Inverter rows without a readings row (a cycle killed between the two appends) are skipped, as the
    live cycle never observed them.
    """
    pending: list[tuple[datetime, Mapping[str, str]]] = []
    inverters = iter(inverter_rows)
    exhausted = False
    for row in reading_rows:
        at = _moment(row.get("timestamp"))
        if at is None:
            continue
        while not exhausted and (not pending or pending[-1][0] <= at):
            nxt = next(inverters, None)
            if nxt is None:
                exhausted = True
                break
            stamp = _moment(nxt.get("timestamp"))
            if stamp is not None:
                pending.append((stamp, nxt))
        mine = [r for stamp, r in pending if stamp == at]
        pending = [(stamp, r) for stamp, r in pending if stamp > at]
        yield Observation(
            at=at,
            site=Sample(SITE, _number(row.get("production_kw")), _number(row.get("production_lifetime_kwh"))),
            inverters=tuple(
                Sample(
                    r["serial"],
                    _number(r.get("power_kw")),
                    _number(r.get("lifetime_kwh")),
                    r.get("state") or None,
                    _number(r.get("temperature_c")),
                    _moment(r.get("reported_at")),
                )
                for r in mine
            ),
        )


def observe(
    state: DayState, obs: Observation, zone: tzinfo, inverter_max_kw: float = INVERTER_MAX_KW
) -> list[DailyRow]:
    """Take one observation into the state; returns the finished day's rows when the day changed.

    An observation not newer than the last one taken is ignored (a replayed or repeated reading).
    The caller appends the returned rows to daily.csv before it saves the state.
    """
    stamp = obs.at.timestamp()
    if state.last_at is not None and stamp <= state.last_at:
        return []
    day = obs.at.astimezone(zone).date()
    finished: list[DailyRow] = []
    if state.day is not None and day != state.day:
        finished = rows(state)
        _new_day(state)
    state.day, state.last_at = day, stamp
    # A delta from before yesterday's midnight spans whole days not recorded: no one day made it.
    earliest = datetime.combine(day - timedelta(days=1), datetime.min.time(), zone).timestamp()
    site_max = inverter_max_kw * max(1, len(obs.inverters))
    _take(state.tallies.setdefault(SITE, Tally()), obs.site, stamp, site_max, earliest, zone)
    seen = set()
    for sample in obs.inverters:
        seen.add(sample.serial)
        _take(state.tallies.setdefault(sample.serial, Tally()), sample, stamp, inverter_max_kw, earliest, zone)
    for serial, tally in state.tallies.items():
        if serial != SITE and serial not in seen:  # missing from the list: a reading with no data
            tally.readings += 1
            tally.no_data += 1
    return finished


def note_failure(state: DayState, now: datetime, zone: tzinfo) -> list[DailyRow]:
    """Count a cycle in which the PVS gave no reading (the site row's pvs_failures)."""
    day = now.astimezone(zone).date()
    finished: list[DailyRow] = []
    if state.day is not None and day > state.day:
        finished = rows(state)
        _new_day(state)
    if state.day is None or day >= state.day:
        state.day = day
        state.pvs_failures += 1
    return finished


def _new_day(state: DayState) -> None:
    """Start a new day: counts reset; lifetimes carried; an inverter absent the whole day is forgotten."""
    state.pvs_failures = 0
    for serial in [s for s, t in state.tallies.items() if s != SITE and t.readings == t.no_data]:
        del state.tallies[serial]
    for tally in state.tallies.values():
        tally.energy_kwh = tally.peak_kw = None
        tally.readings = tally.no_data = tally.excluded = 0
        tally.notes = []


def _take(tally: Tally, sample: Sample, stamp: float, max_kw: float, earliest: float, zone: tzinfo) -> None:
    tally.readings += 1
    if sample.serial != SITE:
        tally.state, tally.temperature_c = sample.state, sample.temperature_c
        tally.reported_at = sample.reported_at.timestamp() if sample.reported_at else None
    if sample.power_kw is None and sample.lifetime_kwh is None:
        tally.no_data += 1
        return
    if sample.power_kw is not None:
        tally.peak_kw = sample.power_kw if tally.peak_kw is None else max(tally.peak_kw, sample.power_kw)
    kwh = sample.lifetime_kwh
    if kwh is None:
        return
    interval = None if tally.last_at is None else stamp - tally.last_at
    kwh = held_kwh(tally.last_kwh, kwh)  # a rounding dip is no glitch, and no energy
    assert kwh is not None
    problem = lifetime_problem(tally.last_kwh, kwh, interval, max_kw)
    if problem is None:
        if tally.last_kwh is not None and tally.last_at is not None:
            if tally.last_at >= earliest:
                tally.energy_kwh = (tally.energy_kwh or 0.0) + (kwh - tally.last_kwh)
            else:
                _exclude(tally, stamp, zone, f"{kwh - tally.last_kwh:g} kWh made while not recording")
        tally.last_kwh, tally.last_at = kwh, stamp
        tally.candidate_kwh = tally.candidate_at = None
        return
    _exclude(tally, stamp, zone, problem)
    if kwh <= 0:
        return
    # A register that was reset or replaced keeps growing from its new value: after two consistent
    # readings that value is trusted (a one-reading spike never is).
    if tally.candidate_kwh is not None and tally.candidate_at is not None:
        follow = lifetime_problem(tally.candidate_kwh, kwh, stamp - tally.candidate_at, max_kw)
        if follow is None:
            tally.last_kwh, tally.last_at = kwh, stamp
            tally.candidate_kwh = tally.candidate_at = None
            return
    tally.candidate_kwh, tally.candidate_at = kwh, stamp


def _exclude(tally: Tally, stamp: float, zone: tzinfo, why: str) -> None:
    """Count a rejected value; a run of the same kind of problem is one note: [from, to, why, count]."""
    tally.excluded += 1
    clock = datetime.fromtimestamp(stamp, zone).strftime("%H:%M")
    kind = why.split(" ")[0]
    if tally.notes and tally.notes[-1][2].split(" ")[0] == kind:
        tally.notes[-1][1] = clock
        tally.notes[-1][3] += 1
    elif len(tally.notes) < NOTE_LIMIT:
        tally.notes.append([clock, clock, why, 1])


def _why(tally: Tally) -> str:
    told = []
    for start, end, why, count in tally.notes:
        told.append(f"{start} {why}" if count == 1 else f"{start}-{end} {why} ({count} readings)")
    untold = tally.excluded - sum(note[3] for note in tally.notes)
    return "; ".join(told) + (f"; +{untold} more" if untold > 0 else "")


def rows(state: DayState) -> list[DailyRow]:
    """The rows of the day in the state so far: the site first, then the inverters by serial."""
    if state.day is None:
        return []
    found = []
    for serial in sorted(state.tallies, key=lambda s: (s != SITE, s)):
        t = state.tallies[serial]
        if t.readings == 0 and serial != SITE:
            continue
        found.append(
            DailyRow(
                day=state.day,
                serial=serial,
                energy_kwh=t.energy_kwh,
                peak_kw=t.peak_kw,
                readings=t.readings,
                no_data=t.no_data,
                pvs_failures=state.pvs_failures if serial == SITE else None,
                excluded=t.excluded,
                excluded_why=_why(t),
            )
        )
    return found


def rebuild(
    observations: Iterable[Observation], zone: tzinfo, inverter_max_kw: float = INVERTER_MAX_KW
) -> tuple[list[DailyRow], DayState]:
    """Every finished day's rows from a history of observations, and the state of the day still open.

    PVS failures are not in the CSVs: a rebuilt row leaves pvs_failures empty (unknown).
    """
    state = DayState()
    finished: list[DailyRow] = []
    for obs in observations:
        finished += observe(state, obs, zone, inverter_max_kw)
    state.pvs_failures = 0
    return [_unknown_failures(r) for r in finished], state


def _unknown_failures(row: DailyRow) -> DailyRow:
    return replace(row, pvs_failures=None)


# --- the text forms: daily.csv lines and the state document ---------------------------------------


def encode_rows(found: Iterable[DailyRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for r in found:
        writer.writerow(
            [
                r.day.isoformat(),
                r.serial,
                cell(r.energy_kwh),
                cell(r.peak_kw),
                r.readings,
                r.no_data,
                cell(r.pvs_failures),
                r.excluded,
                r.excluded_why,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def header() -> bytes:
    return (",".join(DAILY_COLUMNS) + "\n").encode("utf-8")


def parse_row(fields: list[str]) -> DailyRow | None:
    """A daily.csv line's fields as a row, or None for the header or a damaged line."""
    if len(fields) != len(DAILY_COLUMNS):
        return None
    try:
        return DailyRow(
            day=date.fromisoformat(fields[0]),
            serial=fields[1],
            energy_kwh=_number(fields[2]),
            peak_kw=_number(fields[3]),
            readings=int(fields[4]),
            no_data=int(fields[5]),
            pvs_failures=int(fields[6]) if fields[6] else None,
            excluded=int(fields[7]),
            excluded_why=fields[8],
        )
    except ValueError:
        return None


STATE_VERSION = 1


def state_to_json(state: DayState) -> dict[str, Any]:
    """The state document: each tally's fields in declaration order, those at their default left out.
    Field by field: dataclasses.asdict deep-copied every value (about 2.5 ms a cycle at 200 inverters);
    tests/core/test_rollup_state.py holds this to the bytes that encoder wrote."""
    return {
        "version": STATE_VERSION,
        "day": state.day.isoformat() if state.day else None,
        "last_at": state.last_at,
        "pvs_failures": state.pvs_failures,
        "tallies": {serial: _tally_json(t) for serial, t in state.tallies.items()},
    }


_DEFAULTS = tuple((name, getattr(Tally(), name)) for name in Tally.__slots__)


def _tally_json(tally: Tally) -> dict[str, Any]:
    found = {}
    for name, default in _DEFAULTS:
        value = getattr(tally, name)
        if value != default:
            found[name] = [list(note) for note in value] if name == "notes" else value
    return found


def state_from_json(document: Mapping[str, Any]) -> DayState:
    """The state from its document; ValueError/KeyError/TypeError if it is not one."""
    if document.get("version") != STATE_VERSION:
        raise ValueError(f"unknown version {document.get('version')!r}")
    day = document["day"]
    return DayState(
        day=date.fromisoformat(day) if day else None,
        last_at=document["last_at"],
        pvs_failures=int(document["pvs_failures"]),
        tallies={str(s): Tally(**t) for s, t in document["tallies"].items()},
    )
