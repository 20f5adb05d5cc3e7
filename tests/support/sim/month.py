"""A month (or any span) of simulated 5-minute PVS captures with the weather and faults alerts must handle.

Built on pvs6sup.sim.legacy_pvs.SimulatedSite. On top of its drifting clouds it adds: passing cloud shadows that darken
a few neighbouring panels and not the others, heavy overcast days, one panel shaded by a tree every
morning, one in such deep shade every morning that it reports STATE error, gaps (the Pi off), a few
unusable answers, and injected faults: dead, 30 % degraded, not reporting (stale DATATIME while STATE
stays) and missing from the list. The night "error" states come from the base simulator. Used by tests
and bench/alerts_eval.py; the ground truth is `Scenario.faults`.
"""

from __future__ import annotations

import copy
import gzip
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel, format_pvs_time
from pvs6sup.store.archive import raw_path

STEP = timedelta(minutes=5)
DAYLIGHT_DEG = 10.0  # "daylight" for detection latency: the sun at least this high
DEAD, DEGRADED, NOT_REPORTING, MISSING = "dead", "degraded", "not reporting", "missing"


@dataclass(frozen=True)
class Fault:
    """An injected fault on one inverter from start to end (UTC)."""

    kind: str  # DEAD | DEGRADED | NOT_REPORTING | MISSING
    index: int
    start: datetime
    end: datetime


@dataclass
class Scenario:
    """What happens over the simulated span."""

    start: datetime
    days: int
    inverter_count: int = 20
    faults: list[Fault] = field(default_factory=list)
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)  # no capture at all (the Pi is off)
    bad_answers: list[tuple[datetime, datetime]] = field(default_factory=list)  # the PVS answers garbage
    overcast_days: frozenset[int] = frozenset()  # day numbers (0-based) with heavy overcast
    tree_shaded: int | None = 0  # inverter shaded every morning until 8:00 solar time (to 35 %)
    deep_shaded: int | None = 1  # inverter in deep shade (STATE error) every morning until 7:00 solar time
    shadow_events_per_day: int = 8
    seed: int = 11


def month_scenario(start: datetime | None = None, days: int = 30, inverter_count: int = 20) -> Scenario:
    """The evaluation month: every fault kind at awkward moments, gaps, overcast and shadows."""
    start = start or datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)  # 00:00 in California

    solar_midnight = start.replace(hour=0, minute=0, second=0) - timedelta(hours=SiteModel().longitude / 15)

    def at(day: int, hour: float) -> datetime:  # solar time at the simulated site
        return solar_midnight + timedelta(days=day, hours=hour)

    faults = [
        Fault(DEAD, 2, at(3, 3), at(4, 9)),  # dies at night (after the 3 learning days): seen soon after dawn
        Fault(NOT_REPORTING, 5, at(5, 11), at(6, 12)),
        Fault(MISSING, 8, at(9, 2), at(10, 9)),
        Fault(DEGRADED, 3, at(12, 0), at(14, 0)),
        Fault(DEAD, 9, at(17, 13.5), at(18, 18)),  # dies at lunch
        Fault(MISSING, 11, at(21, 10.5), at(21, 16)),
        Fault(NOT_REPORTING, 14, at(24, 7.5), at(24, 20)),
        Fault(DEGRADED, 16, at(27, 0), at(days, 0)),
    ]
    faults = [f for f in faults if f.start < start + timedelta(days=days) and f.index < inverter_count]
    gaps = [(at(4, 10), at(4, 14.5)), (at(15, 1), at(15, 9)), (at(22, 12), at(22, 12.5))]
    bad = [(at(7, 12), at(7, 12.4)), (at(19, 3), at(19, 3.3))]
    return Scenario(start, days, inverter_count, faults, gaps, bad, frozenset({8, 20}))


class MonthSite(SimulatedSite):
    """SimulatedSite plus shadows, overcast, a tree, and the scenario's faults."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(SiteModel(inverter_count=scenario.inverter_count, failed=frozenset()))
        self.scenario = scenario
        rng = random.Random(scenario.seed)
        self._shadows: list[tuple[float, float, range, float]] = []
        for day in range(scenario.days):
            for _ in range(scenario.shadow_events_per_day):
                begin = scenario.start + timedelta(days=day, hours=rng.uniform(6, 19))
                length_s = rng.uniform(5, 40) * 60
                first = rng.randrange(scenario.inverter_count)
                panels = range(first, min(scenario.inverter_count, first + rng.randint(2, 6)))
                self._shadows.append((begin.timestamp(), begin.timestamp() + length_s, panels, rng.uniform(0.2, 0.5)))
        self._frozen: dict[int, dict[str, Any]] = {}

    def _active(self, kind: str, index: int, when: datetime) -> bool:
        return any(f.kind == kind and f.index == index and f.start <= when < f.end for f in self.scenario.faults)

    def inverter_kw(self, index: int, when: datetime) -> float:
        if self._active(DEAD, index, when):
            return 0.0
        kw = super().inverter_kw(index, when)
        day = int((when - self.scenario.start).total_seconds() // 86400)
        if day in self.scenario.overcast_days:
            kw *= 0.15
        stamp = when.timestamp()
        shade = [factor for begin, end, panels, factor in self._shadows if begin <= stamp < end and index in panels]
        if shade:
            kw *= min(shade)  # under the thickest cloud passing over it
        solar_hour = (stamp / 3600 + self.model.longitude / 15) % 24
        if index == self.scenario.tree_shaded and solar_hour < 8:
            kw *= 0.35
        if index == self.scenario.deep_shaded and solar_hour < 7:
            kw = 0.0  # so deep in shade that it reports STATE error, as the PVS does

        if self._active(DEGRADED, index, when):
            kw *= 0.7
        return round(kw, 4)

    def device_list(self, when: datetime) -> dict[str, Any]:
        return with_faults(super().device_list(when), when, self._active, self._frozen)


def with_faults(
    document: dict[str, Any], when: datetime, active: Callable[[str, int, datetime], bool], frozen: dict[int, Any]
) -> dict[str, Any]:
    """A DeviceList document as the PVS sends it with these faults: missing inverters left out, a frozen report
    repeated (only its CURTIME moves), a dead one in STATE error. `frozen` keeps the repeated reports."""
    devices = []
    index = -1
    for device in document["devices"]:
        if device.get("DEVICE_TYPE") == "Inverter":
            index += 1
            if active(MISSING, index, when):
                continue
            if active(NOT_REPORTING, index, when):
                device = {**frozen.setdefault(index, copy.deepcopy(device)), "CURTIME": format_pvs_time(when)}
            else:
                frozen.pop(index, None)
            if active(DEAD, index, when):
                device = {**device, "STATE": "error", "STATEDESCR": "Error"}
        devices.append(device)
    document["devices"] = devices
    return document


def captures(scenario: Scenario) -> Iterator[tuple[datetime, bytes]]:
    """(UTC time, body) every 5 minutes; gaps give nothing, bad answers give truncated JSON."""
    site = MonthSite(scenario)
    moment = scenario.start
    end = scenario.start + timedelta(days=scenario.days)
    while moment < end:
        if not any(a <= moment < b for a, b in scenario.gaps):
            body = site.render(moment)
            if any(a <= moment < b for a, b in scenario.bad_answers):
                body = body[: len(body) // 3]
            yield moment, body
        moment += STEP


def write_archive(scenario: Scenario, folder: Path) -> int:
    """Write the captures as a raw archive (raw/YYYY/MM/DD/YYYYMMDDTHHMMSSZ.json.gz); returns the count."""
    count = 0
    for moment, body in captures(scenario):
        path = raw_path(folder, moment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(body, compresslevel=1, mtime=0))
        count += 1
    return count


def daylight_from(moment: datetime, latitude: float, longitude: float, elevation_deg: float = DAYLIGHT_DEG) -> datetime:
    """The first 5-minute step at or after `moment` with the sun at least `elevation_deg` high."""
    while sun_elevation_deg(latitude, longitude, moment) < elevation_deg:
        moment += STEP
    return moment


@dataclass(frozen=True)
class Outcome:
    """How the alerts did on one injected fault."""

    fault: Fault
    serial: str
    raised: datetime | None
    kind: str | None
    latency_min: float | None  # from the fault's first daylight (sun >= DAYLIGHT_DEG) to the alert
    raised_count: int = 0  # raised events for it: one incident should be one email


def evaluate(scenario: Scenario, events: list[Any]) -> tuple[list[Outcome], list[Any]]:
    """Match raised events to the injected faults: per-fault outcomes, and the false alarms."""
    model = SiteModel(inverter_count=scenario.inverter_count)
    raised = [e for e in events if e.event == "raised"]
    claimed: set[int] = set()
    outcomes = []
    for fault in scenario.faults:
        serial = model.inverter_serial(fault.index)
        window_end = fault.end + timedelta(days=1)
        mine = [i for i, e in enumerate(raised) if e.serial == serial and fault.start <= e.time < window_end]
        claimed.update(mine)
        match = mine[0] if mine else None
        if match is None:
            outcomes.append(Outcome(fault, serial, None, None, None))
            continue
        daylight = daylight_from(fault.start, model.latitude, model.longitude)
        event = raised[match]
        latency = (event.time - daylight).total_seconds() / 60
        outcomes.append(Outcome(fault, serial, event.time, event.kind, latency, len(mine)))
    false_alarms = [e for i, e in enumerate(raised) if i not in claimed]
    return outcomes, false_alarms
