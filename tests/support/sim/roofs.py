"""Roof scenarios with their ground truth: weeks of 5-minute captures from real-looking roofs, and their scoring.

A RoofScenario is a pvs6sup.sim.roof.RoofModel (faces, obstructions, panel spread) plus the weather of each
day (clear, hazy, broken clouds whose km-wide shadows cross the whole roof within a minute, overcast), gaps
(the Pi off), garbage answers and injected faults (dead, missing, not reporting, sudden or creeping loss; and the
site's stalled streams: the inverters' or the meters' reports standing still while the PVS answers).
`captures` yields its documents; `evaluate` scores a detector's raised events against the faults, with
latency counted in daylight minutes (sun >= 10°). The named scenarios are in sim/roof_catalogue.py.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.sim.roof import ClearSky, Obstruction, RoofModel, RoofSite
from tests.support.sim import month
from tests.support.sim.month import with_faults

STEP = timedelta(minutes=5)
DAY = timedelta(days=1)
DAYLIGHT_DEG = 10.0  # "daylight" for latency: the sun at least this high
CROSSING_S = 45.0  # a cloud's shadow edge crosses the whole roof in this time
DEAD, MISSING, NOT_REPORTING = month.DEAD, month.MISSING, month.NOT_REPORTING  # what with_faults acts on
LOSS, CREEPING = "sudden loss", "creeping loss"
# Faults with a cause to name (alerts/diagnosis.py): a panel's bypass diode (a third of its voltage and power
# gone), a microinverter converting less (the panel's voltage and power as they were), new shade at some sun
# positions (an Obstruction from `start`: less current at a normal voltage).
DIODE, INVERTER, SHADE = "bypass diode", "inverter stage", "new shade"
# A stalled stream (the whole site's, so `index` is SITE): the PVS answers, but the inverters' reports, or the
# meters', stand still; the alert is the site's, of the same name (alerts/judgement.py).
INVERTERS_STALLED, METERS_STALLED = "inverters_stalled", "meters_stalled"
STREAMS = {INVERTERS_STALLED: "inverters", METERS_STALLED: "meters"}
SITE = -1
CLEAR, HAZY, BROKEN, OVERCAST = "clear", "hazy", "broken clouds", "overcast"
NOT_REPORTING_TARGET_MIN = 60  # as bench/alerts_eval.py's month: a 30-minute stale report is its definition


@dataclass(frozen=True)
class Fault:
    """An injected fault on inverter `index` from `start` to `end` (None: to the scenario's end), UTC."""

    kind: str  # DEAD | MISSING | NOT_REPORTING | LOSS | CREEPING
    index: int
    start: datetime
    end: datetime | None = None
    factor: float = 0.0  # LOSS, CREEPING: the output share left (0.8 = a 20 % loss)
    ramp_days: float = 0.0  # CREEPING: days from start until `factor` is reached, linearly
    obstruction: Obstruction | None = None  # SHADE: what shades it from `start`

    @property
    def full_at(self) -> datetime:
        """When the fault is at its full size (latency counts from here)."""
        return self.start + timedelta(days=self.ramp_days) if self.kind == CREEPING else self.start

    @property
    def loss(self) -> float:
        """The share of output lost once full (1.0 for dead, missing, not reporting)."""
        return 1 - self.factor if self.kind in (LOSS, CREEPING) else 1.0

    def active(self, when: datetime) -> bool:
        return self.start <= when and (self.end is None or when < self.end)

    def output_factor(self, when: datetime) -> float:
        """What is left of the inverter's output at `when` (1.0 outside the fault)."""
        if not self.active(when) or self.kind not in (LOSS, CREEPING, DEAD, DIODE, INVERTER):
            return 1.0
        if self.kind == DEAD:
            return 0.0
        if self.kind == CREEPING and when < self.full_at:
            done = (when - self.start) / (self.full_at - self.start)
            return 1 - (1 - self.factor) * done
        return self.factor


@dataclass(frozen=True)
class RoofScenario:
    """A roof, its weather and its faults over `days` days from `start` (the site's solar midnight, UTC)."""

    name: str
    description: str
    model: RoofModel
    start: datetime
    days: int
    faults: tuple[Fault, ...] = ()
    weather: tuple[str, ...] = ()  # one per day; days beyond it are CLEAR
    gaps: tuple[tuple[datetime, datetime], ...] = ()  # no capture (the Pi is off)
    bad_answers: tuple[tuple[datetime, datetime], ...] = ()  # the PVS answers truncated JSON
    shadows_per_hour: float = 6.0  # passing cloud shadows on a day of broken clouds
    seed: int = 11

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def serial(self, index: int) -> str:
        return self.model.inverter_serial(index)

    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The true faces as INVERTER_GROUPS rows: each face's serial suffixes (last 5 characters)."""
        return tuple(tuple(serial[-5:] for serial in face) for face in self.model.face_serials())

    def weather_on(self, day: int) -> str:
        return self.weather[day] if 0 <= day < len(self.weather) else CLEAR

    def shortened(self, days: int) -> RoofScenario:
        """The first `days` days only: faults starting later are dropped."""
        end = self.start + timedelta(days=days)
        faults = tuple(f for f in self.faults if f.start < end)
        return replace(self, days=days, faults=faults, weather=self.weather[:days])


def solar_midnight(day: date, longitude: float) -> datetime:
    """Local mean solar midnight starting `day` at this longitude, in UTC, on the 5-minute cron grid."""
    exact = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - timedelta(hours=longitude / 15)
    return exact.replace(second=0, microsecond=0) - timedelta(minutes=exact.minute % 5)


class ScenarioSite(RoofSite):
    """RoofSite under the scenario's weather, with its faults acted out in the documents."""

    def __init__(self, scenario: RoofScenario) -> None:
        super().__init__(scenario.model)
        self.scenario = scenario
        self._faults: dict[int, list[Fault]] = {}
        for fault in scenario.faults:
            self._faults.setdefault(fault.index, []).append(fault)
        self._frozen: dict[int, dict[str, Any]] = {}
        self._shadow_begin: list[float] = []
        self._shadows: list[tuple[float, float, float]] = []  # (begin, end, depth) in epoch seconds, sorted
        rng = random.Random(scenario.seed)
        for day in range(scenario.days):
            kind = scenario.weather_on(day)
            rate = {BROKEN: scenario.shadows_per_hour, HAZY: scenario.shadows_per_hour / 4}.get(kind, 0.0)
            moment = (scenario.start + timedelta(days=day, hours=5)).timestamp()
            last = moment + 15 * 3600
            while rate and moment < last:
                moment += rng.expovariate(rate / 3600)
                length = rng.uniform(60, 15 * 60)
                self._shadows.append((moment, moment + length, rng.uniform(0.7, 0.95)))
                moment += length
        self._shadow_begin = [begin for begin, _, _ in self._shadows]

    def _faults_now(self, index: int, when: datetime, kind: str) -> bool:
        return any(f.kind == kind and f.active(when) for f in self._faults.get(index, ()))

    def shadow_depth(self, index: int, when: datetime) -> float:
        """The beam a passing cloud takes from panel `index` (its edge reaches panels across the roof in turn)."""
        stamp = when.timestamp() - CROSSING_S * index / max(1, self.model.inverter_count - 1)
        found = bisect.bisect_right(self._shadow_begin, stamp) - 1
        if found >= 0 and stamp < self._shadows[found][1]:
            return self._shadows[found][2]
        return 0.0

    def sky(self, index: int, when: datetime) -> tuple[float, float]:
        kind = self.scenario.weather_on(int((when - self.scenario.start) / DAY))
        if kind == OVERCAST:
            drift = self.cloud_cover_pct(when) / 100  # how thick: darker and brighter spells
            return 0.0, 0.12 - 0.18 * drift
        if kind == CLEAR:
            return 0.97, 0.0
        cover = (self.cloud_cover_pct(when + timedelta(seconds=20 * index)) / 100) * (0.5 if kind == HAZY else 0.3)
        beam, gain = 1 - cover**1.5, 0.3 * cover - 0.15 * cover**2
        depth = self.shadow_depth(index, when)
        return beam * (1 - depth), gain + 0.1 * depth

    def inverter_kw(self, index: int, when: datetime) -> float:
        factor = 1.0
        for fault in self._faults.get(index, ()):
            factor *= fault.output_factor(when)
        if factor == 0.0:
            return 0.0
        return round(super().inverter_kw(index, when) * factor, 4)

    def device_list(self, when: datetime) -> dict[str, Any]:
        self.stalled = frozenset(STREAMS[f.kind] for f in self._faults.get(SITE, ()) if f.active(when))
        return with_faults(super().device_list(when), when, lambda k, i, w: self._faults_now(i, w, k), self._frozen)

    def shade(self, index: int, sky: ClearSky, when: datetime) -> float:
        shades = [
            f.obstruction.shade(sky.elevation, sky.azimuth)
            for f in self._faults.get(index, ())
            if f.kind == SHADE and f.obstruction is not None and f.active(when)
        ]
        return max([super().shade(index, sky, when), *shades])

    def _factor(self, index: int, when: datetime, kind: str) -> float:
        factor = 1.0
        for fault in self._faults.get(index, ()):
            if fault.kind == kind:
                factor *= fault.output_factor(when)
        return factor

    def dc_side(self, index: int, when: datetime, kw: float) -> tuple[float, float]:
        """A failed bypass diode takes a third of the panel's voltage (and so of its power); a failing inverter
        stage converts less of what the panel gives, at the panel's usual voltage and power."""
        diode, stage = self._factor(index, when, DIODE), self._factor(index, when, INVERTER)
        if kw <= 0 or diode * stage <= 0:
            return 0.0, 0.0
        healthy_kw = kw / (diode * stage)
        return kw / stage / self.efficiency(index, healthy_kw), self.panel_volts(index, healthy_kw) * diode


def energy_lost_kwh(scenario: RoofScenario, index: int, begin: datetime, end: datetime) -> float:
    """The simulator's truth: what inverter `index` would have made without the scenario's faults, minus what it
    made, from `begin` to `end` in 5-minute steps (the weather is the same with or without them)."""
    faulty, healthy = ScenarioSite(scenario), ScenarioSite(replace(scenario, faults=()))
    lost = 0.0
    moment = begin
    while moment < end:
        lost += (healthy.inverter_kw(index, moment) - faulty.inverter_kw(index, moment)) * STEP.total_seconds() / 3600
        moment += STEP
    return lost


def captures(scenario: RoofScenario, pvs_layout: bool = False) -> Iterator[tuple[datetime, bytes]]:
    """(UTC time, DeviceList body) every 5 minutes; gaps give nothing, bad answers give truncated JSON.

    The same documents as the base class's; on one line unless `pvs_layout` (the PVS's tab indentation
    forces json's pure-Python encoder, three quarters of the generation time).
    """
    site = ScenarioSite(scenario)
    moment = scenario.start
    while moment < scenario.end:
        if not any(a <= moment < b for a, b in scenario.gaps):
            if pvs_layout:
                body = site.render(moment)
            else:
                body = json.dumps(site.device_list(moment), separators=(",", ":")).encode("utf-8")
            if any(a <= moment < b for a, b in scenario.bad_answers):
                body = body[: len(body) // 3]
            yield moment, body
        moment += STEP


def daylight_minutes(latitude: float, longitude: float, begin: datetime, end: datetime) -> int:
    """Minutes between begin and end with the sun >= DAYLIGHT_DEG, counted in 5-minute steps."""
    count = 0
    moment = begin
    while moment < end:
        if sun_elevation_deg(latitude, longitude, moment) >= DAYLIGHT_DEG:
            count += 5
        moment += STEP
    return count


def day_length_min(scenario: RoofScenario, moment: datetime) -> int:
    """'A day' in targets: the daylight minutes of the solar day containing `moment` at this site."""
    model = scenario.model
    midnight = solar_midnight((moment + timedelta(hours=model.longitude / 15)).date(), model.longitude)
    return daylight_minutes(model.latitude, model.longitude, midnight, midnight + DAY)


def target_min(scenario: RoofScenario, fault: Fault) -> int | None:
    """The issue's target in daylight minutes: dead or missing 15; 30 % loss 4 h; 20-25 % a day; 15 % 2 days;
    10 % a week (a day = day_length_min at the fault's date). Not reporting, a stalled stream: 60 (the issue's)."""
    if fault.kind in (DEAD, MISSING):
        return 15
    if fault.kind in (NOT_REPORTING, *STREAMS):
        return NOT_REPORTING_TARGET_MIN
    loss = round(fault.loss, 3)
    day = day_length_min(scenario, fault.full_at)
    for least, target in ((0.30, 240), (0.20, day), (0.15, 2 * day), (0.10, 7 * day)):
        if loss >= least:
            return target
    return None


@dataclass(frozen=True)
class Outcome:
    """How the alerts did on one injected fault."""

    fault: Fault
    serial: str
    raised: datetime | None
    kind: str | None
    latency_min: int | None  # daylight minutes from fault.full_at to the alert (0 if before)
    target_min: int | None
    raised_count: int = 0  # raised events for it: one incident should be one email

    @property
    def passed(self) -> bool:
        if self.latency_min is None:
            return False
        return self.target_min is None or self.latency_min <= self.target_min


def evaluate(scenario: RoofScenario, events: list[Any]) -> tuple[list[Outcome], list[Any]]:
    """Match raised events to the faults: per-fault outcomes, and the false alarms (every raised event that
    names no faulty inverter, comes before its fault, or more than a day after its end)."""
    model = scenario.model
    raised = [e for e in events if e.event == "raised"]
    claimed: set[int] = set()
    outcomes = []
    for fault in scenario.faults:
        serial = "site" if fault.index == SITE else scenario.serial(fault.index)
        window_end = (fault.end or scenario.end) + DAY
        mine = [i for i, e in enumerate(raised) if _names(e, fault, serial) and fault.start <= e.time < window_end]
        claimed.update(mine)
        target = target_min(scenario, fault)
        if not mine:
            outcomes.append(Outcome(fault, serial, None, None, None, target))
            continue
        event = raised[mine[0]]
        latency = daylight_minutes(model.latitude, model.longitude, fault.full_at, event.time)
        outcomes.append(Outcome(fault, serial, event.time, event.kind, latency, target, len(mine)))
    false_alarms = [e for i, e in enumerate(raised) if i not in claimed]
    return outcomes, false_alarms


def _names(event: Any, fault: Fault, serial: str) -> bool:
    """Whether a raised event is about this fault's inverter (a site's stalled stream: its own alert)."""
    return event.kind == fault.kind and event.serial is None if fault.index == SITE else event.serial == serial


def scenarios() -> dict[str, RoofScenario]:
    """The named scenarios, by name (sim/roof_catalogue.py)."""
    from tests.support.sim.roof_catalogue import SCENARIOS

    return {scenario.name: scenario for scenario in SCENARIOS}
