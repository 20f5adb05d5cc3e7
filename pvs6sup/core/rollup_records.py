"""The daily rollup's records: a sample and an observation (one reading, as the CSVs hold it), a daily.csv
row, and the state of the day being accumulated (a tally per device). Records, not dataclasses: every cron
cycle imports them (see core/records.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pvs6sup.core.records import FrozenRecord, Record, set_field


class Sample(FrozenRecord):
    """One device in one reading, as the CSVs hold it."""

    __slots__ = ("serial", "power_kw", "lifetime_kwh", "state", "temperature_c", "reported_at")

    serial: str
    power_kw: float | None
    lifetime_kwh: float | None
    state: str | None
    temperature_c: float | None
    reported_at: datetime | None

    def __init__(
        self,
        serial: str,
        power_kw: float | None,
        lifetime_kwh: float | None,
        state: str | None = None,
        temperature_c: float | None = None,
        reported_at: datetime | None = None,
    ) -> None:
        set_field(self, "serial", serial)
        set_field(self, "power_kw", power_kw)
        set_field(self, "lifetime_kwh", lifetime_kwh)
        set_field(self, "state", state)
        set_field(self, "temperature_c", temperature_c)
        set_field(self, "reported_at", reported_at)


class Observation(FrozenRecord):
    """One recorded reading: the site's production and each inverter."""

    __slots__ = ("at", "site", "inverters")

    at: datetime  # aware, to the second
    site: Sample
    inverters: tuple[Sample, ...]

    def __init__(self, at: datetime, site: Sample, inverters: tuple[Sample, ...]) -> None:
        set_field(self, "at", at)
        set_field(self, "site", site)
        set_field(self, "inverters", inverters)


class DailyRow(FrozenRecord):
    """A row of daily.csv. energy_kwh is None when no trusted delta was seen that day (not 0)."""

    __slots__ = (
        "day",
        "serial",
        "energy_kwh",
        "peak_kw",
        "readings",
        "no_data",
        "pvs_failures",
        "excluded",
        "excluded_why",
    )

    day: date
    serial: str
    energy_kwh: float | None
    peak_kw: float | None
    readings: int
    no_data: int
    pvs_failures: int | None  # site row only; None (empty) for inverters and for rebuilt rows
    excluded: int
    excluded_why: str

    def __init__(
        self,
        day: date,
        serial: str,
        energy_kwh: float | None,
        peak_kw: float | None,
        readings: int,
        no_data: int,
        pvs_failures: int | None,
        excluded: int,
        excluded_why: str,
    ) -> None:
        set_field(self, "day", day)
        set_field(self, "serial", serial)
        set_field(self, "energy_kwh", energy_kwh)
        set_field(self, "peak_kw", peak_kw)
        set_field(self, "readings", readings)
        set_field(self, "no_data", no_data)
        set_field(self, "pvs_failures", pvs_failures)
        set_field(self, "excluded", excluded)
        set_field(self, "excluded_why", excluded_why)


class Tally(Record):
    """One device's day so far, and the last lifetime value trusted (carried across days)."""

    __slots__ = (
        "energy_kwh",
        "peak_kw",
        "readings",
        "no_data",
        "excluded",
        "notes",
        "last_kwh",
        "last_at",
        "candidate_kwh",
        "candidate_at",
        "state",
        "temperature_c",
        "reported_at",
    )

    energy_kwh: float | None
    peak_kw: float | None
    readings: int
    no_data: int
    excluded: int
    notes: list[list[Any]]  # [from HH:MM, to HH:MM, why, count]
    last_kwh: float | None
    last_at: float | None  # epoch seconds of last_kwh
    candidate_kwh: float | None  # a rejected value that may be a new baseline (a reset register)
    candidate_at: float | None
    state: str | None
    temperature_c: float | None
    reported_at: float | None

    def __init__(
        self,
        energy_kwh: float | None = None,
        peak_kw: float | None = None,
        readings: int = 0,
        no_data: int = 0,
        excluded: int = 0,
        notes: list[list[Any]] | None = None,
        last_kwh: float | None = None,
        last_at: float | None = None,
        candidate_kwh: float | None = None,
        candidate_at: float | None = None,
        state: str | None = None,
        temperature_c: float | None = None,
        reported_at: float | None = None,
    ) -> None:
        self.energy_kwh = energy_kwh
        self.peak_kw = peak_kw
        self.readings = readings
        self.no_data = no_data
        self.excluded = excluded
        self.notes = [] if notes is None else notes
        self.last_kwh = last_kwh
        self.last_at = last_at
        self.candidate_kwh = candidate_kwh
        self.candidate_at = candidate_at
        self.state = state
        self.temperature_c = temperature_c
        self.reported_at = reported_at


class DayState(Record):
    """The day being accumulated. `day` is None before the first reading."""

    __slots__ = ("day", "last_at", "pvs_failures", "tallies")

    day: date | None
    last_at: float | None  # epoch seconds of the last observation taken
    pvs_failures: int
    tallies: dict[str, Tally]

    def __init__(
        self,
        day: date | None = None,
        last_at: float | None = None,
        pvs_failures: int = 0,
        tallies: dict[str, Tally] | None = None,
    ) -> None:
        self.day = day
        self.last_at = last_at
        self.pvs_failures = pvs_failures
        self.tallies = {} if tallies is None else tallies
