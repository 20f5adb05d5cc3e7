"""What the detectors remember between cron runs: one InverterTrack per inverter and the site-wide
DetectorState. Records only; alerts/state.py writes them to disk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.normal import Gauge
from pvs6sup.core.records import Record, field


class InverterTrack(Record):
    """What is remembered about one inverter between readings."""

    group: int = 0
    last_seen: datetime | None = None
    measured_at: datetime | None = None
    offline_streak: int = 0
    first_day: str = ""  # the solar day it was first seen
    woke_day: str = ""  # the last day on which it worked while judged
    late_today: int = 0  # judged readings today before it first worked
    wake_hour: float = 0.0  # learned: the solar hour it usually starts working by (0: no late start)
    missing_streak: int = 0
    day: str = ""
    siblings: list[str] = field(default_factory=list)  # the inverters it is compared with: the rest of its roof face...
    alike: bool = False  # ...or, when its face is too small, its nearest ones (then False)
    gauge: Gauge = field(default_factory=Gauge)  # the running test of its gap from its learned normal
    # [solar day, made kWh, expected kWh] over today's judged readings ([] before any):
    today: list[object] = field(default_factory=list)
    # what its alert's cause is told from (alerts/diagnosis.py; [] before any):
    clues: list[float] = field(default_factory=list)


class DetectorState(Record):
    """Everything the detectors remember; persisted between cron runs (see alerts/state.py)."""

    last_reading_at: datetime | None = None
    failed_cycles: int = 0
    no_production_streak: int = 0
    peak_production_kw: float = 0.0
    site_peak_kw: float = 0.0  # the inverters' summed output at its best lately (how much light there is)
    faces_day: str = ""  # the solar day the faces were last found
    faces: list[Face] = field(default_factory=list)
    # [serial, day, made kWh, expected kWh] of finished days, until they are filed:
    closed: list[list[Any]] = field(default_factory=list)
    inverters: dict[str, InverterTrack] = field(default_factory=dict)
    inverters_still_since: datetime | None = None  # the stalled streams (alerts/stalled.py): since when each has stood
    meters_still_since: datetime | None = None  # still while it should have moved; None while it moves
