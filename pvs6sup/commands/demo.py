"""The demo: a simulated PVS6 on loopback and the real cycle run for a simulated week, no setup needed.

It ends with what the product makes for a person: the HTML report, and the alert email as it would arrive
(an .eml file, and its HTML part as a page), their paths as the last lines with the next steps.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import requests

from pvs6sup.alerts.incidents import Event
from pvs6sup.commands.status import status_text
from pvs6sup.core import rows
from pvs6sup.core.models import Reading
from pvs6sup.core.texts import fixed_text, short_serial, when_text
from pvs6sup.cycle import run_cycle
from pvs6sup.errors import ConfigError, PVSError, SupervisorError
from pvs6sup.runtime import Runtime
from pvs6sup.settings.config import AlertSettings, Config, PvsSettings, ReportSettings, WeatherSettings, WeatherURLs
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite
from pvs6sup.sim.roof import Face, Obstruction, RoofModel, RoofSite
from pvs6sup.store import csvfiles, files, rollup_file
from pvs6sup.store.files import atomic_write

DEMO_MARKER = ".pvs6-demo"
DEMO_SITE = "Demo roof"
DEMO_ZONE = "America/Los_Angeles"
DEMO_DAY = (2026, 6, 21)  # the last simulated day
STEP = timedelta(minutes=5)  # the last day's readings, as cron makes them
EARLY_STEP = timedelta(minutes=10)  # the days before: the same cycle, half as often, so that a week stays fast
SHOWN_AT = timedelta(hours=15)  # the report and the last reading: mid-afternoon of the last day
PROGRESS_EVERY = timedelta(hours=12)
DEAD_INDEX, FAILING_INDEX = 6, 2  # one dead inverter (E00…0007) and one slowly failing (E00…0003)
FAILING_PER_DAY = 0.06
LEARNING_DAYS = 3  # the alerts learn each inverter's normal over its first days
ALERT_EML = "alert-email.eml"
ALERT_HTML = "alert-email.html"
DEMO_SENDER, DEMO_RECIPIENT = "pvs6-supervisor@example.invalid", "you@example.invalid"


def prepare_folder(folder: Path) -> None:
    """Start from an empty demo folder; refuse to clear a folder the demo did not make."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise ConfigError([f"--data-dir: {folder} is not empty and is not a demo folder; choose another"])
        shutil.rmtree(folder)
    files.private_dir(folder)  # 0700, and any parent it makes too
    (folder / DEMO_MARKER).write_text("made by pvs6_supervisor.py demo; safe to delete\n")


def demo_site() -> SimulatedSite:
    """The simulated roof: a south face of 8 and a west face of 4, a tree shading two south panels late in
    the afternoon, panels a few per cent apart, one inverter dead."""
    faces = (Face("south", 22, 180, 8), Face("west", 22, 270, 4))
    tree = Obstruction(frozenset({4, 5}), 235, 285, 30, 0.7)
    return RoofSite(RoofModel(faces=faces, obstructions=(tree,), failed=frozenset({DEAD_INDEX})))


def write_layout(folder: Path, site: SimulatedSite) -> Path:
    """The demo roof's layout as a cloud export writes it (LAYOUT_FILE): the south face as two rows of four
    portrait panels, the west face as a column of four landscape ones beside it."""
    assert isinstance(site.model, RoofModel)
    south, west = site.model.face_serials()
    lines = ["serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation"]
    lines += [f"{serial},{100 + 105 * (i % 4)},{100 + 175 * (i // 4)},0,180,portrait" for i, serial in enumerate(south)]
    lines += [f"{serial},{580 + 90},{60 + 105 * i},0,270,landscape" for i, serial in enumerate(west)]
    path = folder / "layout.csv"
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def failing_factor(day: int) -> float:
    """The slowly failing inverter's output on simulated day `day` (0 first): well for the days the alerts
    need to learn the roof, then a few per cent less each day."""
    return max(0.0, 1.0 - FAILING_PER_DAY * max(0, day - LEARNING_DAYS + 1))


def moments(days: int, zone: ZoneInfo) -> list[datetime]:
    """The cycles: every EARLY_STEP on the first days (fast), every STEP on the last, up to its afternoon."""
    start = datetime(*DEMO_DAY, tzinfo=zone) - timedelta(days=days - 1)
    last_day = datetime(*DEMO_DAY, tzinfo=zone)
    found, moment = [], start
    while moment < last_day:
        found.append(moment)
        moment += EARLY_STEP
    while moment <= last_day + SHOWN_AT:
        found.append(moment)
        moment += STEP
    return found


def run_demo(folder: Path, days: int, out: TextIO, on_ready: Callable[[], None] = lambda: None) -> None:
    """Simulate `days` days into `folder` up to the afternoon of the last, then show the status and a summary."""
    prepare_folder(folder)
    on_ready()
    zone = ZoneInfo(DEMO_ZONE)
    site = demo_site()
    cycles = moments(days, zone)
    start = cycles[0]
    moment = start
    clock = lambda: moment  # noqa: E731 (the simulator and the cycle share this clock)

    with SimulatedPVS(site=site, clock=clock) as pvs, requests.Session() as session:
        place, layout = (site.model.latitude, site.model.longitude), write_layout(folder, site)
        config = Config(
            data_dir=folder,
            timezone=zone,
            site_name=DEMO_SITE,
            pvs=PvsSettings(pvs.base_url, pvs.base_url, 10),
            weather=WeatherSettings("open-meteo", None, 5, *place),
            alerts=AlertSettings((), *place, layout_file=layout),
            # the page is written once, at the end: the afternoon of the last day
            report=ReportSettings(0, latitude=place[0], longitude=place[1], layout_file=layout),
        )
        runtime = Runtime(
            now=clock, session=session, weather_urls=WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")
        )
        out.write(
            f"Simulating {days} day(s) of a {site.model.inverter_count}-inverter PVS6 site ({DEMO_SITE}), one reading "
            f"every {EARLY_STEP.seconds // 60} minutes and every {STEP.seconds // 60} on the last day, into {folder}\n"
        )
        readings: list[Reading] = []
        durable, files.DURABLE = files.DURABLE, False  # a simulation needs no power-cut safety
        try:
            for moment in cycles:
                site.overrides[FAILING_INDEX] = failing_factor((moment - start).days)
                try:
                    readings.append(run_cycle(config, runtime))
                except SupervisorError as err:
                    out.write(f"  {rows.local_timestamp(moment, zone)}: {err}\n")
                if (moment - start) % PROGRESS_EVERY == timedelta(0) and readings:
                    out.write(progress_line(readings[-1], zone) + "\n")
                    out.flush()
            report = write_report(config, moment, days)
            finished = max(1, days - 1)  # daily.csv holds the finished days
            evidence = write_evidence(config, site.model.inverter_serial(FAILING_INDEX), moment, finished, folder)
        finally:
            files.DURABLE = durable
        requests_made = pvs.device_list_requests

    if not readings:
        raise PVSError("the simulated PVS gave no reading; see the lines above")
    out.write(f"\nThe last reading, {readings[-1].fetched_at.astimezone(zone):%A %H:%M} ({DEMO_ZONE}):\n\n")
    out.write(status_text(readings[-1], zone) + "\n\n")
    out.write(summary_text(folder, readings, requests_made, site) + "\n")
    events = replayed_alerts(folder, site, zone)
    out.write(alerts_text(events, zone) + "\n")
    emails = write_alert_email(folder, events, readings, zone)
    out.write("\n" + next_steps(folder, report, emails, evidence) + "\n")


def progress_line(reading: Reading, zone: ZoneInfo) -> str:
    """One line of the simulation's progress (every few simulated hours)."""
    kw = reading.site.production_kw
    power = "?" if kw is None else fixed_text(kw, 2)
    working = f"{reading.inverters_working} of {reading.inverters_total} inverters working"
    return f"  {reading.fetched_at.astimezone(zone):%a %H:%M}  production {power} kW, {working}"


def write_report(config: Config, now: datetime, days: int) -> Path:
    """The page as the last cycle would write it, with one heatmap column per simulated day (all in colour)."""
    from pvs6sup.commands import report

    return report.write_report(config, now, days)


def write_evidence(config: Config, serial: str, now: datetime, days: int, folder: Path) -> Path:
    """The evidence page an owner would send the installer about the failing inverter (`evidence SERIAL`)."""
    from pvs6sup.commands import evidence

    return evidence.write_evidence(config, serial, now, days, folder)[0]


def write_alert_email(
    folder: Path, events: list[Event], readings: list[Reading], zone: ZoneInfo
) -> tuple[Path, Path] | None:
    """The first inverter alert's email as the cycle composes it (the reading and trend of that moment), as
    an .eml file a mail program opens and its HTML part as a page; None when no inverter alert was raised."""
    from pvs6sup.alerts import compose

    event = next((e for e in events if e.event == "raised" and e.serial), None)
    if event is None:
        return None
    before = [r for r in readings if r.fetched_at <= event.time]
    history = []
    for r in before:
        own = [inv.power_kw for inv in r.devices.inverters if inv.serial == event.serial]
        others = sorted(
            inv.power_kw for inv in r.devices.inverters if inv.serial != event.serial and inv.power_kw is not None
        )
        middle = (others[(len(others) - 1) // 2] + others[len(others) // 2]) / 2 if others else None
        if own:
            history.append((r.fetched_at.timestamp(), own[0], middle))
    reading = before[-1] if before else None
    message = compose.compose(event, DEMO_SENDER, (DEMO_RECIPIENT,), zone, reading, history[-36:], DEMO_SITE)
    eml, html = folder / ALERT_EML, folder / ALERT_HTML
    atomic_write(eml, bytes(message))
    part = message.get_body(("html",))
    atomic_write(html, part.get_content().encode("utf-8") if part is not None else b"")
    return eml, html


def next_steps(folder: Path, report: Path, emails: tuple[Path, Path] | None, evidence: Path | None = None) -> str:
    """The last lines: what to open, and how to point it at a real PVS."""
    lines = [
        "Next steps:",
        "  - point it at your PVS: set PVS_HOST (and LATITUDE, LONGITUDE) in .env, then run",
        "    `pvs6_supervisor.py check` and add the crontab line (README, Install)",
        f"  - open the report in a browser: xdg-open {report}",
    ]
    if emails:
        lines.append("  - open the alert email in a mail program (the .eml) or a browser (the .html)")
    if evidence:
        serial = evidence.stem.removeprefix("evidence-")
        lines.append(
            f"  - the evidence page for the installer about {short_serial(serial)}, the failing inverter "
            f"(`pvs6_supervisor.py evidence {serial[-4:]}` makes it from DATA_DIR)"
        )
    lines += ["", f"Report:      {report}"]
    if emails:
        lines += [f"Alert email: {emails[0]}", f"Alert email: {emails[1]}"]
    if evidence:
        lines.append(f"Evidence:    {evidence}")
    return "\n".join(lines)


def replayed_alerts(folder: Path, site: SimulatedSite, zone: ZoneInfo) -> list[Event]:
    """The alerts the day raised and resolved, found by replaying the demo's own archive (the demo sends no email)."""
    from pvs6sup.commands.replay import Replayer, find_captures, replay_files

    replayer = Replayer(latitude=site.model.latitude, longitude=site.model.longitude, zone=zone)
    return [e for e in replay_files(replayer, find_captures([folder / "raw"])) if e.event in ("raised", "resolved")]


def alerts_text(events: list[Event], zone: ZoneInfo) -> str:
    raised = [e for e in events if e.event == "raised"]
    if not raised:
        return "Alerts: none raised."
    lines = ["Alerts raised (with SMTP settings, each would be one email; see README, Alerts):"]
    lines += [f"  {when_text(e.time, zone)}  {e.message}" for e in raised]
    return "\n".join(lines)


def summary_text(folder: Path, readings: list[Reading], requests_made: int, site: SimulatedSite) -> str:
    """What the demo wrote and what it shows."""
    from pvs6sup.commands.replay import find_captures

    raw_files = find_captures([folder / "raw"])  # loose and packed days alike
    raw_bytes = sum(p.stat().st_size for p in (folder / "raw").rglob("*") if p.is_file())
    lines = [f"Wrote to {folder}:"]
    lines.append(f"  raw/                   {len(raw_files)} gzipped PVS answers, {raw_bytes / 1024:.0f} KiB")
    for path in (folder / csvfiles.READINGS_FILE, *csvfiles.inverter_files(folder), folder / rollup_file.DAILY_FILE):
        rows = max(0, sum(1 for _ in path.open()) - 1) if path.exists() else 0
        if rows:  # daily.csv has a row per finished day only
            lines.append(f"  {path.name:<22} {rows} rows")
    lines.append("  logs/                  the run's log (pvs6-supervisor.log)")
    produced = [r.site.production_lifetime_kwh for r in readings if r.site.production_lifetime_kwh is not None]
    if len(produced) >= 2:
        lines.append(f"Production over the run: {produced[-1] - produced[0]:.1f} kWh")
    peak = max((r.site.production_kw or 0.0 for r in readings), default=0.0)
    lines.append(f"Peak production: {peak:.2f} kW; {requests_made} requests to the PVS for {len(readings)} cycles")
    failed = sorted(site.model.inverter_serial(i) for i in site.model.failed)
    if failed:
        lines.append(
            "Simulated faults: inverter "
            + ", ".join(short_serial(s) for s in failed)
            + f" is dead (STATE error, 0 kW); {short_serial(site.model.inverter_serial(FAILING_INDEX))} loses "
            f"{FAILING_PER_DAY:.0%} more of its output each day. See both in the report's heatmap."
        )
    return "\n".join(lines)
