"""Gather the report's data from DATA_DIR, and write the page: the report's only effects.

Reads only tails and small files: daily.csv from its end, today's rows of readings.csv from its tail,
the rollup's state (today's energy, each inverter's last state and temperature), the alert state and
alert history, and each sink's queue state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from pvs6sup.alerts import state
from pvs6sup.alerts.incidents import Incident
from pvs6sup.core.layout import Panel, azimuth_groups
from pvs6sup.core.rollup import SITE
from pvs6sup.core.trend import combine_faces, slope_pct_per_year
from pvs6sup.errors import ConfigError
from pvs6sup.report import trend_months
from pvs6sup.report.data import AlertItem, DayPoint, InverterNow, ReportData, SinkFreshness
from pvs6sup.settings.sinks import SHEETS_TITLE, SinkSettings
from pvs6sup.store import alert_log, csvlog, csvquery, rollup_file
from pvs6sup.store.files import atomic_write
from pvs6sup.store.layout_file import read_layout

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
RECENT_ALERT_DAYS = 14


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def load(
    data_dir: Path,
    zone: tzinfo,
    now: datetime,
    *,
    site_name: str = "Solar site",
    days: int = DEFAULT_DAYS,
    layout: tuple[tuple[str, ...], ...] = (),
    groups: tuple[tuple[str, ...], ...] = (),
    sinks: Sequence[SinkFreshness] = (),
    alert_delivery: Sequence[str] = (),
    latitude: float | None = None,
    longitude: float | None = None,
    price: float | None = None,
    layout_file: Path | None = None,
) -> ReportData:
    from pvs6sup.report.render import heatmap_days  # the page's code only when a page is made

    today = now.astimezone(zone).date()
    columns = heatmap_days(today, days)
    energy: dict[str, dict[date, float | None]] = {}
    for row in rollup_file.read_since(data_dir, columns[0]):
        if row.serial != SITE:
            energy.setdefault(row.serial, {})[row.day] = row.energy_kwh
    rollup = rollup_file.load_state(data_dir)
    inverters = []
    for serial, tally in sorted(rollup.tallies.items()):
        if serial == SITE:
            continue
        today_kwh = tally.energy_kwh if rollup.day == today else None
        if rollup.day == today:
            energy.setdefault(serial, {})[today] = today_kwh
        reported = datetime.fromtimestamp(tally.reported_at, timezone.utc) if tally.reported_at else None
        inverters.append(InverterNow(serial, today_kwh, tally.state, tally.temperature_c, reported))
    midnight = datetime.combine(today, datetime.min.time(), zone)
    points = []
    for cells in csvquery.rows_between(data_dir, midnight - timedelta(seconds=1), now + timedelta(seconds=1)):
        points.append(
            DayPoint(
                datetime.fromisoformat(cells["timestamp"]),
                _number(cells["production_kw"]),
                _number(cells["consumption_kw"]),
                _number(cells["net_kw"]),
                _number(cells["cloud_cover_pct"]),
            )
        )
    from pvs6sup.alerts.roof_view import load_roof_view

    saved = state.load(data_dir)  # one read of the alert state for the roof, the trend's faces and the alerts
    roof = load_roof_view(data_dir, latitude, longitude, saved)
    serials = sorted(set(energy) | {inv.serial for inv in inverters})
    panels, problem = _layout(layout_file, serials)
    learned = [face.members for face in saved.detector.faces]
    months = _months(data_dir, serials, groups, learned, panels, today)
    return ReportData(
        site_name=site_name,
        generated_at=now,
        zone=zone,
        today=tuple(points),
        days=columns,
        energy_kwh=energy,
        layout=layout,
        groups=groups,
        inverters=tuple(inverters),
        alerts=alerts(data_dir, now - timedelta(days=RECENT_ALERT_DAYS), price, now, saved.incidents),
        last_reading_at=csvlog.newest_timestamp(data_dir),
        sinks=tuple(sinks),
        alert_delivery=tuple(alert_delivery),
        faces=roof.faces,
        face_of=roof.face_of,
        shares=roof.shares,
        learning=roof.learning,
        roof=tuple(panels),
        roof_problem=problem,
        months=months,
        slopes={serial: slope_pct_per_year(shares) for serial, shares in months.items()},
    )


def _layout(path: Path | None, serials: Sequence[str]) -> tuple[list[Panel], str]:
    """LAYOUT_FILE's panels placed on the inverters seen, or why they cannot be (also logged: one warning)."""
    if path is None:
        return [], ""
    if not serials:
        return [], "No inverter seen yet: the roof is drawn once the PVS has listed them."
    try:
        return read_layout(path, serials), ""
    except ConfigError as err:
        log.warning("%s", err)
        return [], str(err)


def _months(
    data_dir: Path,
    serials: Sequence[str],
    groups: tuple[tuple[str, ...], ...],
    learned: Sequence[Sequence[str]],
    panels: list[Panel],
    today: date,
) -> dict[str, dict[str, float]]:
    """Each inverter's monthly share of its face: INVERTER_GROUPS first, then the faces the alerts learned, then
    the layout's azimuths (the whole site for the rest)."""
    given = [[s for s in serials if any(s == m or s.endswith(m) for m in members)] for members in groups]
    faces = combine_faces(given, learned, azimuth_groups(panels))
    return trend_months.monthly_shares(data_dir, faces, today)


def alerts(
    data_dir: Path,
    since: datetime,
    price: float | None = None,
    now: datetime | None = None,
    incidents: Mapping[str, Incident] | None = None,
) -> tuple[AlertItem, ...]:
    """The active alerts (the alert state's `incidents`, read here when not given), then those resolved since
    `since` (the alert history); each with its likely cause and the energy it lost (in money too with `price`
    per kWh)."""
    from pvs6sup.alerts.diagnosis import energy_text

    if incidents is None:
        incidents = state.load(data_dir).incidents
    active = []
    for i in incidents.values():
        days = ((now or i.notified_at) - i.raised_at).total_seconds() / 86400
        note = " ".join(filter(None, (i.evidence, energy_text(i.lost_kwh, days, price))))
        active.append(AlertItem(i.kind, i.serial, i.message, i.raised_at, note=note))
    recent = [a for a in recent_alerts(data_dir, since, price) if a.resolved_at is not None]
    return (*active, *recent)


def recent_alerts(data_dir: Path, since: datetime, price: float | None = None) -> list[AlertItem]:
    """Alerts raised or resolved since `since` (the alert history), each raised one paired with its resolution;
    a resolved inverter's with its likely cause and the energy it lost (in money too with `price` per kWh)."""
    from pvs6sup.alerts.diagnosis import energy_text

    open_: dict[str, AlertItem] = {}
    found: list[AlertItem] = []
    for e in alert_log.read_events(data_dir):
        try:
            at = datetime.fromisoformat(e["time"])
            key = f"inverter:{e['serial']}" if e.get("serial") else e["kind"]
            item = AlertItem(e["kind"], e.get("serial"), e["message"], at)
        except (ValueError, KeyError, TypeError):
            continue
        if e.get("event") == "raised":
            open_[key] = item
        elif e.get("event") == "resolved":
            raised = open_.pop(key, None)
            start = raised.raised_at if raised else at
            message = raised.message if raised else item.message
            lost = e.get("lost_kwh")
            days = (at - start).total_seconds() / 86400
            energy = energy_text(float(lost), days, price) if isinstance(lost, (int, float)) else ""
            note = " ".join(filter(None, (str(e.get("evidence") or ""), energy)))
            found.append(AlertItem(item.kind, item.serial, message, start, at, note))
    found += open_.values()  # raised and not resolved: the alert state says whether still active
    return sorted((a for a in found if (a.resolved_at or a.raised_at) >= since), key=lambda a: a.raised_at)


def sheets_freshness(data_dir: Path) -> SinkFreshness | None:
    """The Google Sheets queue's freshness, or None if it was never used."""
    from pvs6sup.sinks.queue import sheets_queue

    queue = sheets_queue(data_dir)
    if not queue.exists():
        return None
    return SinkFreshness(SHEETS_TITLE, queue.read_state().delivered_at, queue.pending_count())


def sinks_freshness(sinks: SinkSettings, data_dir: Path) -> list[SinkFreshness]:
    """Every configured delivery target's last delivery and queue (what `status` shows), in sending order;
    a Google Sheets queue left from before Sheets was turned off is shown too."""
    if not sinks.any:  # nothing delivered: the delivery code stays unimported
        legacy = sheets_freshness(data_dir)
        return [legacy] if legacy else []
    from pvs6sup.sinks import table

    found = []
    for sink in table.configured(sinks):
        queue = sink.queue(data_dir)
        known = queue.exists()
        found.append(
            SinkFreshness(sink.title, queue.read_state().delivered_at if known else None, queue.pending_count())
        )
    return found


def write_report(data: ReportData, path: Path) -> Path:
    """Render and write the page atomically (a reader never sees half a page), dated when it was generated."""
    from pvs6sup.report.render import render_report

    atomic_write(path, render_report(data).encode("utf-8"))
    stamp = data.generated_at.timestamp()
    os.utime(path, (stamp, stamp))  # schedule.due() reads it: the cycle's own clock, also a simulated one
    return path
