"""The daily rollup's records: a sample and an observation (one reading, as the CSVs hold it), a daily.csv
row, and the state of the day being accumulated (a tally per device). Records, not dataclasses: every cron
cycle imports them (see core/records.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pvs6sup.core.records import FrozenRecord, Record, field


class Sample(FrozenRecord):
    """One device in one reading, as the CSVs hold it."""

    serial: str
    power_kw: float | None
    lifetime_kwh: float | None
    state: str | None = None
    temperature_c: float | None = None
    reported_at: datetime | None = None


class Observation(FrozenRecord):
    """One recorded reading: the site's production and each inverter."""

    at: datetime  # aware, to the second
    site: Sample
    inverters: tuple[Sample, ...]


class DailyRow(FrozenRecord):
    """A row of daily.csv. energy_kwh is None when no trusted delta was seen that day (not 0)."""

    day: date
    serial: str
    energy_kwh: float | None
    peak_kw: float | None
    readings: int
    no_data: int
    pvs_failures: int | None  # site row only; None (empty) for inverters and for rebuilt rows
    excluded: int
    excluded_why: str


class Tally(Record):
    """One device's day so far, and the last lifetime value trusted (carried across days)."""

    energy_kwh: float | None = None
    peak_kw: float | None = None
    readings: int = 0
    no_data: int = 0
    excluded: int = 0
    notes: list[list[Any]] = field(default_factory=list)  # [from HH:MM, to HH:MM, why, count]
    last_kwh: float | None = None
    last_at: float | None = None  # epoch seconds of last_kwh
    candidate_kwh: float | None = None  # a rejected value that may be a new baseline (a reset register)
    candidate_at: float | None = None
    state: str | None = None
    temperature_c: float | None = None
    reported_at: float | None = None


class DayState(Record):
    """The day being accumulated. `day` is None before the first reading."""

    day: date | None = None
    last_at: float | None = None  # epoch seconds of the last observation taken
    pvs_failures: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
