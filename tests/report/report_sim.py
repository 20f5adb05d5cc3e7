"""Simulated days of readings for the rollup and report tests: the base simulator, plus register glitches
and gaps, with the true (unglitched) lifetime of every device at each reading."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pvs6sup.capture import reading_from_capture
from pvs6sup.models import Reading
from pvs6sup.simulator import SimulatedSite, SiteModel

ZONE = ZoneInfo("America/Los_Angeles")
STEP = timedelta(minutes=5)
METER_P = "PVS6M00X0001p"

# (UTC moment, the device's document) -> replacement lifetime text, or None to leave it
Glitch = Callable[[datetime, dict], str | None]


@dataclass
class Simulated:
    reading: Reading
    truth_kwh: dict[str, float]  # serial (or "site") -> the lifetime the register should have read


@dataclass
class Plan:
    first_day: datetime = datetime(2026, 6, 20, 7, 0, tzinfo=timezone.utc)  # 00:00 in California
    days: int = 3
    inverter_count: int = 6
    failed: frozenset[int] = frozenset({4})
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)
    glitches: dict[str, Glitch] = field(default_factory=dict)  # serial -> glitch


def simulate(plan: Plan) -> Iterator[Simulated]:
    site = SimulatedSite(SiteModel(inverter_count=plan.inverter_count, failed=plan.failed))
    moment = plan.first_day
    end = plan.first_day + timedelta(days=plan.days)
    while moment < end:
        document = site.device_list(moment)  # advances the energy even across a gap
        if not any(a <= moment < b for a, b in plan.gaps):
            truth = {}
            for device in document["devices"]:
                serial = device.get("SERIAL", "")
                if device.get("DEVICE_TYPE") == "Inverter":
                    truth[serial] = float(device["ltea_3phsum_kwh"])
                elif serial == METER_P:
                    truth["site"] = float(device["net_ltea_3phsum_kwh"])
                glitch = plan.glitches.get("site" if serial == METER_P else serial)
                replaced = glitch(moment, device) if glitch else None
                if replaced is not None:
                    key = "net_ltea_3phsum_kwh" if serial == METER_P else "ltea_3phsum_kwh"
                    device[key] = replaced
            body = json.dumps(document).encode()
            yield Simulated(reading_from_capture(body, moment), truth)
        moment += STEP


def local(day: int, hour: float, plan: Plan) -> datetime:
    """A local time on the plan's day number `day` (0-based), in UTC."""
    start = plan.first_day.astimezone(ZONE).replace(hour=0, minute=0, second=0)
    return (start + timedelta(days=day, hours=hour)).astimezone(timezone.utc)
