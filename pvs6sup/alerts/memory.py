"""What the detectors remember between cron runs: one InverterTrack per inverter and the site-wide
DetectorState. Records only; alerts/state.py writes them to disk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pvs6sup.alerts.faces import Face
from pvs6sup.alerts.normal import Gauge
from pvs6sup.core.records import Record


class InverterTrack(Record):
    """What is remembered about one inverter between readings."""

    __slots__ = (
        "group",
        "last_seen",
        "measured_at",
        "offline_streak",
        "first_day",
        "woke_day",
        "late_today",
        "wake_hour",
        "missing_streak",
        "day",
        "siblings",
        "alike",
        "gauge",
        "today",
        "clues",
    )

    group: int
    last_seen: datetime | None
    measured_at: datetime | None
    offline_streak: int
    first_day: str  # the solar day it was first seen
    woke_day: str  # the last day on which it worked while judged
    late_today: int  # judged readings today before it first worked
    wake_hour: float  # learned: the solar hour it usually starts working by (0: no late start)
    missing_streak: int
    day: str
    siblings: list[str]  # the inverters it is compared with: the rest of its roof face...
    alike: bool  # ...or, when its face is too small, its nearest ones (then False)
    gauge: Gauge  # the running test of its gap from its learned normal
    today: list[object]  # [solar day, made kWh, expected kWh] over today's judged readings ([] before any)
    clues: list[float]  # what its alert's cause is told from (alerts/diagnosis.py; [] before any)

    def __init__(
        self,
        group: int = 0,
        last_seen: datetime | None = None,
        measured_at: datetime | None = None,
        offline_streak: int = 0,
        first_day: str = "",
        woke_day: str = "",
        late_today: int = 0,
        wake_hour: float = 0.0,
        missing_streak: int = 0,
        day: str = "",
        siblings: list[str] | None = None,
        alike: bool = False,
        gauge: Gauge | None = None,
        today: list[object] | None = None,
        clues: list[float] | None = None,
    ) -> None:
        self.group = group
        self.last_seen = last_seen
        self.measured_at = measured_at
        self.offline_streak = offline_streak
        self.first_day = first_day
        self.woke_day = woke_day
        self.late_today = late_today
        self.wake_hour = wake_hour
        self.missing_streak = missing_streak
        self.day = day
        self.siblings = [] if siblings is None else siblings
        self.alike = alike
        self.gauge = Gauge() if gauge is None else gauge
        self.today = [] if today is None else today
        self.clues = [] if clues is None else clues


class DetectorState(Record):
    """Everything the detectors remember; persisted between cron runs (see alerts/state.py)."""

    __slots__ = (
        "last_reading_at",
        "failed_cycles",
        "no_production_streak",
        "peak_production_kw",
        "site_peak_kw",
        "faces_day",
        "faces",
        "closed",
        "inverters",
        "inverters_still_since",
        "meters_still_since",
    )

    last_reading_at: datetime | None
    failed_cycles: int
    no_production_streak: int
    peak_production_kw: float
    site_peak_kw: float  # the inverters' summed output at its best lately (how much light there is)
    faces_day: str  # the solar day the faces were last found
    faces: list[Face]
    closed: list[list[Any]]  # [serial, day, made kWh, expected kWh] of finished days, until they are filed
    inverters: dict[str, InverterTrack]
    inverters_still_since: datetime | None  # the stalled streams (alerts/stalled.py): since when each has stood
    meters_still_since: datetime | None  # still while it should have moved; None while it moves

    def __init__(
        self,
        last_reading_at: datetime | None = None,
        failed_cycles: int = 0,
        no_production_streak: int = 0,
        peak_production_kw: float = 0.0,
        site_peak_kw: float = 0.0,
        faces_day: str = "",
        faces: list[Face] | None = None,
        closed: list[list[Any]] | None = None,
        inverters: dict[str, InverterTrack] | None = None,
        inverters_still_since: datetime | None = None,
        meters_still_since: datetime | None = None,
    ) -> None:
        self.last_reading_at = last_reading_at
        self.failed_cycles = failed_cycles
        self.no_production_streak = no_production_streak
        self.peak_production_kw = peak_production_kw
        self.site_peak_kw = site_peak_kw
        self.faces_day = faces_day
        self.faces = [] if faces is None else faces
        self.closed = [] if closed is None else closed
        self.inverters = dict() if inverters is None else inverters
        self.inverters_still_since = inverters_still_since
        self.meters_still_since = meters_still_since
