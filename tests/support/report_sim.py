"""Simulated days of readings for the rollup and report tests: the base simulator, plus register glitches
and gaps, with the true (unglitched) lifetime of every device at each reading."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pvs6sup.core.models import Reading
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel

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


DEAD_INDEX = 6  # SiteModel's default failed inverter
DEAD_SINCE_DAYS = 12


def site_with_history(data_dir, now: datetime, inverter_count: int = 12, days: int = 30) -> list[str]:
    """A DATA_DIR as a month of running leaves it: daily.csv for the older days (synthetic, with the dead
    inverter at 0 kWh for its last DEAD_SINCE_DAYS days and a day with no data for another), then yesterday
    and today up to `now` simulated through the CSVs and the rollup, an active alert on the dead inverter
    and a resolved one in the history. Returns the serials."""
    import math
    import random

    from pvs6sup.alerts import state
    from pvs6sup.alerts.incidents import Event, Incident
    from pvs6sup.core import rollup
    from pvs6sup.store import alert_log, csvlog, rollup_file

    model = SiteModel(inverter_count=inverter_count)
    serials = [model.inverter_serial(i) for i in range(inverter_count)]
    today = now.astimezone(ZONE).date()
    rng = random.Random(5)
    rows = []
    for back in range(days - 1, 1, -1):  # up to the day before yesterday
        day = today - timedelta(days=back)
        weather = 0.55 + 0.45 * abs(math.sin(back * 1.7))
        energies = []
        for index, serial in enumerate(serials):
            kwh = round(2.3 * weather * rng.uniform(0.95, 1.02), 4)
            if index == DEAD_INDEX and back <= DEAD_SINCE_DAYS:
                kwh = 0.0
            if index == 2 and back in (20, 21):  # the PVS lost it for two days: no data
                rows.append(rollup.DailyRow(day, serial, None, None, 288, 288, None, 0, ""))
                continue
            energies.append(kwh)
            rows.append(rollup.DailyRow(day, serial, kwh, round(kwh / 7, 3), 288, 0, None, 0, ""))
        rows.insert(len(rows) - len(energies), rollup.DailyRow(day, "site", sum(energies), 3.1, 288, 0, 0, 0, ""))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "daily.csv").write_bytes(rollup.header() + rollup.encode_rows(sorted(rows, key=lambda r: r.day)))

    site = SimulatedSite(model)
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), ZONE).astimezone(timezone.utc)
    moment = start
    while moment <= now:
        reading = reading_from_capture(site.render(moment), moment)
        from pvs6sup.core.records import replace

        reading = replace(reading, cloud_cover_pct=site.cloud_cover_pct(moment))
        csvlog.append_reading(data_dir, reading, ZONE)
        rollup_file.record(data_dir, reading, ZONE)
        moment += STEP

    dead = serials[DEAD_INDEX]
    raised = now - timedelta(days=DEAD_SINCE_DAYS, hours=-3)
    incident = Incident("inverter_offline", dead, f"Inverter {dead} is offline", "0 W", raised, raised)
    state.save(data_dir, state.AlertState(incidents={f"inverter:{dead}": incident}))
    earlier = now - timedelta(days=4, hours=2)
    alert_log.append(
        data_dir,
        [
            Event(earlier, "raised", "inverter_underperforming", serials[3], f"Inverter {serials[3]} is low"),
            Event(earlier + timedelta(hours=5), "resolved", "inverter_underperforming", serials[3], "back"),
            Event(raised, "raised", "inverter_offline", dead, incident.message),
        ],
    )
    return serials
