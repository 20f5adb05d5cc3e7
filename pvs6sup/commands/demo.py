"""The demo: a simulated PVS6 on loopback and the real cycle run for one simulated day, no setup needed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import requests

from pvs6sup.commands.status import status_text
from pvs6sup.config import Config
from pvs6sup.core import rows
from pvs6sup.core.models import Reading
from pvs6sup.core.values import mask_serial
from pvs6sup.cycle import run_cycle
from pvs6sup.errors import ConfigError, PVSError, SupervisorError
from pvs6sup.net.weather import WeatherURLs
from pvs6sup.runtime import Runtime
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel
from pvs6sup.store import csvlog

DEMO_MARKER = ".pvs6-demo"
DEMO_ZONE = "America/Los_Angeles"
DEMO_DAY = (2026, 6, 21)
STEP = timedelta(minutes=5)


def prepare_folder(folder: Path) -> None:
    """Start from an empty demo folder; refuse to clear a folder the demo did not make."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise ConfigError([f"--data-dir: {folder} is not empty and is not a demo folder; choose another"])
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / DEMO_MARKER).write_text("made by pvs6_supervisor.py demo; safe to delete\n")


def run_demo(folder: Path, days: int, out: TextIO, on_ready: Callable[[], None] = lambda: None) -> None:
    """Simulate `days` days at 5-minute steps into `folder`, then show the status and a summary."""
    prepare_folder(folder)
    on_ready()
    zone = ZoneInfo(DEMO_ZONE)
    site = SimulatedSite(SiteModel())
    start = datetime(*DEMO_DAY, tzinfo=zone)
    moment = start
    clock = lambda: moment  # noqa: E731 (the simulator and the cycle share this clock)

    with SimulatedPVS(site=site, clock=clock) as pvs, requests.Session() as session:
        config = Config(
            pvs_host=pvs.base_url,
            pvs_base_url=pvs.base_url,
            pvs_timeout_s=10,
            data_dir=folder,
            latitude=site.model.latitude,
            longitude=site.model.longitude,
            weather_provider="open-meteo",
            openweathermap_api_key=None,
            weather_timeout_s=5,
            timezone=zone,
            consumption_meter_mode="auto",
        )
        runtime = Runtime(
            now=clock, session=session, weather_urls=WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")
        )
        cycles = days * 24 * 12
        out.write(f"Simulating {days} day(s) of a 12-inverter PVS6 site, a reading every 5 minutes, into {folder}\n")
        readings: list[Reading] = []
        for _ in range(cycles):
            try:
                readings.append(run_cycle(config, runtime))
            except SupervisorError as err:
                out.write(f"  {rows.local_timestamp(moment, zone)}: {err}\n")
            moment += STEP
        requests_made = pvs.device_list_requests

    shown_at = start + timedelta(hours=13)
    noon = next((r for r in readings if r.fetched_at >= shown_at), readings[-1] if readings else None)
    if noon is None:
        raise PVSError("the simulated PVS gave no reading; see the lines above")

    out.write(f"\nThe reading recorded at 13:00 on the first simulated day ({DEMO_ZONE}):\n\n")
    out.write(status_text(noon, zone) + "\n\n")
    out.write(summary_text(folder, readings, requests_made, site) + "\n")
    out.write(alerts_text(folder, site, zone) + "\n")


def alerts_text(folder: Path, site: SimulatedSite, zone: ZoneInfo) -> str:
    """The alerts the day raised, found by replaying the demo's own archive (the demo sends no email)."""
    from pvs6sup.commands.replay import Replayer, find_captures, replay_files

    replayer = Replayer(latitude=site.model.latitude, longitude=site.model.longitude, zone=zone)
    events = [e for e in replay_files(replayer, find_captures([folder / "raw"])) if e.event == "raised"]
    if not events:
        return "Alerts: none raised."
    lines = ["Alerts raised (with SMTP settings, each would be one email; see README, Alerts):"]
    lines += [f"  {e.time.astimezone(zone):%H:%M}  {e.message}" for e in events]
    return "\n".join(lines)


def summary_text(folder: Path, readings: list[Reading], requests_made: int, site: SimulatedSite) -> str:
    """What the demo wrote and what it shows."""
    raw_files = sorted((folder / "raw").rglob("*.json.gz"))
    raw_bytes = sum(p.stat().st_size for p in raw_files)
    lines = [f"Wrote to {folder}:"]
    lines.append(f"  raw/             {len(raw_files)} gzipped PVS answers, {raw_bytes / 1024:.0f} KiB")
    for name in (csvlog.READINGS_FILE, csvlog.INVERTERS_FILE):
        path = folder / name
        rows = max(0, sum(1 for _ in path.open()) - 1) if path.exists() else 0
        lines.append(f"  {name:<16} {rows} rows")
    lines.append("  logs/            the run's log (pvs6-supervisor.log)")
    produced = [r.site.production_lifetime_kwh for r in readings if r.site.production_lifetime_kwh is not None]
    if len(produced) >= 2:
        lines.append(f"Production over the run: {produced[-1] - produced[0]:.1f} kWh")
    peak = max((r.site.production_kw or 0.0 for r in readings), default=0.0)
    lines.append(f"Peak production: {peak:.2f} kW; {requests_made} requests to the PVS for {len(readings)} cycles")
    failed = sorted(site.model.inverter_serial(i) for i in site.model.failed)
    if failed:
        lines.append(
            "Simulated fault: inverter "
            + ", ".join(mask_serial(s) for s in failed)
            + " is dead (STATE error, 0 kW all day); see it in the table above and in inverters.csv"
        )
    return "\n".join(lines)
