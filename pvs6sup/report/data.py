"""What the report and the summary email show, as typed records, and the few figures derived from them. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo

from pvs6sup.core.layout import Panel
from pvs6sup.core.records import FrozenRecord, field


class DayPoint(FrozenRecord):
    """One readings.csv row of today, for the Today chart."""

    at: datetime
    production_kw: float | None
    consumption_kw: float | None
    net_kw: float | None  # grid: + import, - export
    cloud_cover_pct: float | None


class InverterNow(FrozenRecord):
    """An inverter as the rollup last saw it today."""

    serial: str
    today_kwh: float | None
    state: str | None
    temperature_c: float | None
    reported_at: datetime | None


class AlertItem(FrozenRecord):
    """An alert: active when resolved_at is None."""

    kind: str
    serial: str | None
    message: str
    raised_at: datetime
    resolved_at: datetime | None = None
    note: str = ""  # an inverter's likely cause and the energy its incident lost (alerts/diagnosis.py)


class SinkFreshness(FrozenRecord):
    """A delivery target: the newest reading it has, and how many wait for it."""

    name: str
    delivered_at: datetime | None
    waiting: int | None


class ReportData(FrozenRecord):
    site_name: str
    generated_at: datetime
    zone: tzinfo
    today: tuple[DayPoint, ...]
    days: tuple[date, ...]  # heatmap columns, oldest first; the last is today
    energy_kwh: Mapping[str, Mapping[date, float | None]]  # serial -> day -> kWh (today from the open day)
    layout: tuple[tuple[str, ...], ...]  # INVERTER_LAYOUT (serials or their endings), () for none
    groups: tuple[tuple[str, ...], ...]  # INVERTER_GROUPS: the siblings a tile is compared with
    inverters: tuple[InverterNow, ...]
    alerts: tuple[AlertItem, ...]
    last_reading_at: datetime | None
    sinks: tuple[SinkFreshness, ...] = ()
    alert_delivery: tuple[str, ...] = ()  # whether alerts get through, channel by channel (notify/health.py)
    faces: tuple[str, ...] = ()  # the roof faces the alerts found, in words
    face_of: Mapping[str, str] = field(default_factory=dict)  # serial -> "south"…
    shares: Mapping[str, tuple[tuple[str, float | None], ...]] = field(default_factory=dict)  # daily share of normal
    learning: tuple[str, ...] = ()  # serials not judged for underperformance yet
    roof: tuple[Panel, ...] = ()  # LAYOUT_FILE's panels, each matched to an inverter; () when not set
    roof_problem: str = ""  # why LAYOUT_FILE could not be drawn, in one line
    months: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # serial -> 'YYYY-MM' -> share of face
    slopes: Mapping[str, float | None] = field(default_factory=dict)  # serial -> % a year against its face


def _matches(serial: str, member: str) -> bool:
    return serial == member or serial.endswith(member)


def arrange(serials: Sequence[str], layout: tuple[tuple[str, ...], ...]) -> list[list[str]]:
    """The inverters as the roof's rows (INVERTER_LAYOUT), then those it does not name, by serial.

    Without a layout, one row of all inverters by serial.
    """
    left = sorted(set(serials))
    rows: list[list[str]] = []
    for members in layout:
        row = []
        for member in members:
            found = next((s for s in left if _matches(s, member)), None)
            if found is not None:
                row.append(found)
                left.remove(found)
        if row:
            rows.append(row)
    if left:
        rows.append(left)
    return rows


def group_key(serial: str, groups: tuple[tuple[str, ...], ...]) -> int:
    for index, members in enumerate(groups):
        if any(_matches(serial, m) for m in members):
            return index + 1
    return 0


MIN_BEST_KWH = 0.05  # below this the best sibling made nothing worth comparing (night, snow): not judged


def ratios(
    energy: Mapping[str, Mapping[date, float | None]], day: date, groups: tuple[tuple[str, ...], ...]
) -> dict[str, float | None]:
    """Each inverter's energy that day against the best sibling (same INVERTER_GROUPS group); None when unknown."""
    best: dict[int, float] = {}
    for serial, days in energy.items():
        kwh = days.get(day)
        if kwh is not None:
            key = group_key(serial, groups)
            best[key] = max(best.get(key, 0.0), kwh)
    found: dict[str, float | None] = {}
    for serial, days in energy.items():
        kwh, top = days.get(day), best.get(group_key(serial, groups))
        found[serial] = None if kwh is None or top is None or top < MIN_BEST_KWH else max(0.0, kwh / top)
    return found


def median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    import statistics  # only a page or a summary needs it, not every cycle's import of this module

    return statistics.median(known) if known else None


def total(values: Sequence[float | None]) -> float | None:
    """The sum of the known values; None when none is known (never a made-up 0)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def active_alert_serials(alerts: Sequence[AlertItem]) -> dict[str, datetime]:
    """Serial -> when its active alert was raised."""
    return {a.serial: a.raised_at for a in alerts if a.resolved_at is None and a.serial}
