"""Alert detectors: pure judgements over one reading plus a small persisted state. No I/O, no clock.

Each cycle `observe_reading` (or `observe_failure` when the PVS gave nothing) updates the state and
returns Judgements: for each incident key, whether its condition fires now, is judged clean, or (absent)
could not be judged (night, dawn, heavy overcast, too few siblings). Persistence is built in: a
condition fires only after it held for several readings (or over the day's energy), so a passing cloud,
a tree's morning shadow or the PVS's normal "error" at night never fire. Cost per reading is
O(inverters); nothing re-reads history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pvs6sup.core.energy_guard import learned_peak_kw
from pvs6sup.core.models import ERROR, InverterReading, Reading
from pvs6sup.core.records import FrozenRecord, Record, set_field
from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.core.values import mask_serial

OFFLINE = "inverter_offline"
UNDERPERFORMING = "inverter_underperforming"
PVS_UNREACHABLE = "pvs_unreachable"
NO_PRODUCTION = "no_production"
DELIVERY_BACKLOG = "delivery_backlog"
# When several conditions hold for one inverter, the incident is named after the most specific one.
SPECIFICITY = (OFFLINE, UNDERPERFORMING)

GAP_S = 30 * 60  # readings further apart than this start every streak afresh (the Pi or the PVS was off)


class Thresholds:
    """The tuning knobs; README's Alerts section explains each. Read-only (no instance fields)."""

    __slots__ = ()

    judge_kw: float = 0.02  # siblings' median output needed to judge an inverter (dawn, dusk, overcast: not judged)
    nothing_ratio: float = 0.02  # at most this share of the median counts as producing nothing (a thick
    # cloud's shadow still leaves a panel 10 to 25 % of its siblings' output)
    offline_readings: int = 2  # consecutive judged readings in error / producing nothing / missing
    stale_s: float = 30 * 60  # an inverter's report this far behind its siblings' counts as not reporting
    wake_margin_h: float = 0.25  # time added to the solar hour an inverter usually starts by (deep morning shade)
    wake_forget_h: float = 5 / 60  # that hour moves earlier by this much a day when it starts sooner
    max_late_readings: int = 36  # starting later than 3 hours into the judged day is a fault, not shade;
    # it is also the wait in an inverter's first days, while its mornings are being learned
    learning_days: int = 3
    low_ratio: float = 0.5  # a large gap: below half the median...
    low_readings: int = 48  # ...for 4 hours of judged readings (longer than a tree's morning shadow)
    day_ratio: float = 0.8  # a modest gap: the day's energy below 80 % of the median's...
    day_min_kwh: float = 0.4  # ...judged once the median inverter made this much since dawn...
    day_judge_solar_hour: float = 15.0  # ...from 3 pm solar time (a tree's morning shade is then a small share)
    unreachable_cycles: int = 12  # consecutive failed cycles (1 hour at 5 minutes)
    no_production_elevation_deg: float = 20.0
    no_production_ratio: float = 0.02  # site output below 2 % of its best seen
    no_production_readings: int = 3
    overcast_pct: float = 85.0  # at or above this cloud cover, low production is the weather
    backlog_s: float = 24 * 3600
    forget_missing_s: float = 7 * 24 * 3600  # an inverter gone this long is taken as removed


THRESHOLDS = Thresholds()


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
        "low_streak",
        "day",
        "day_own_kwh",
        "day_median_kwh",
        "day_incomplete",
        "base_lifetime_kwh",
        "base_group_kwh",
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
    low_streak: int
    day: str
    day_own_kwh: float
    day_median_kwh: float
    day_incomplete: bool  # a gap in daylight: the day's energy would be lopsided, so it is not judged
    base_lifetime_kwh: float | None  # lifetime at the last fresh report, and the group's
    base_group_kwh: float  # median-energy counter at that moment

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
        low_streak: int = 0,
        day: str = "",
        day_own_kwh: float = 0.0,
        day_median_kwh: float = 0.0,
        day_incomplete: bool = False,
        base_lifetime_kwh: float | None = None,
        base_group_kwh: float = 0.0,
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
        self.low_streak = low_streak
        self.day = day
        self.day_own_kwh = day_own_kwh
        self.day_median_kwh = day_median_kwh
        self.day_incomplete = day_incomplete
        self.base_lifetime_kwh = base_lifetime_kwh
        self.base_group_kwh = base_group_kwh


class DetectorState(Record):
    """Everything the detectors remember; persisted between cron runs (see alerts.py)."""

    __slots__ = (
        "last_reading_at",
        "failed_cycles",
        "no_production_streak",
        "peak_production_kw",
        "group_energy_kwh",
        "group_previous",
        "inverters",
    )

    last_reading_at: datetime | None
    failed_cycles: int
    no_production_streak: int
    peak_production_kw: float
    group_energy_kwh: dict[int, float]  # running median energy per group
    group_previous: dict[int, dict[str, float]]  # last lifetimes seen per group
    inverters: dict[str, InverterTrack]

    def __init__(
        self,
        last_reading_at: datetime | None = None,
        failed_cycles: int = 0,
        no_production_streak: int = 0,
        peak_production_kw: float = 0.0,
        group_energy_kwh: dict[int, float] | None = None,
        group_previous: dict[int, dict[str, float]] | None = None,
        inverters: dict[str, InverterTrack] | None = None,
    ) -> None:
        self.last_reading_at = last_reading_at
        self.failed_cycles = failed_cycles
        self.no_production_streak = no_production_streak
        self.peak_production_kw = peak_production_kw
        self.group_energy_kwh = dict() if group_energy_kwh is None else group_energy_kwh
        self.group_previous = dict() if group_previous is None else group_previous
        self.inverters = dict() if inverters is None else inverters


class Judgement(FrozenRecord):
    """One incident's verdict this cycle. serial is None for site-wide conditions."""

    __slots__ = ("kind", "serial", "firing", "message", "detail")

    kind: str
    serial: str | None
    firing: bool
    message: str
    detail: str  # what the subject shows after the name, e.g. "0 W vs 287 W median"

    def __init__(self, kind: str, serial: str | None, firing: bool, message: str = "", detail: str = "") -> None:
        set_field(self, "kind", kind)
        set_field(self, "serial", serial)
        set_field(self, "firing", firing)
        set_field(self, "message", message)
        set_field(self, "detail", detail)


def group_of(serial: str, groups: tuple[tuple[str, ...], ...]) -> int:
    """The sibling group of an inverter: 1 + the index of the INVERTER_GROUPS entry whose suffix it ends with."""
    for index, members in enumerate(groups):
        if any(serial.endswith(member) for member in members):
            return index + 1
    return 0


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _watts(kw: float | None) -> str:
    return "? W" if kw is None else f"{kw * 1000:.0f} W"


def solar_day(moment: datetime, longitude: float | None) -> str:
    """The local solar date of a moment (days turn at solar midnight, whatever the time zone)."""
    return (moment + timedelta(hours=(longitude or 0.0) / 15)).strftime("%Y-%m-%d")


def _days_between(first: str, day: str) -> int:
    return (date.fromisoformat(day) - date.fromisoformat(first)).days


def _solar_hour(moment: datetime, longitude: float | None) -> float:
    return (moment.timestamp() / 3600 + (longitude or 0.0) / 15) % 24


def observe_failure(state: DetectorState, thresholds: Thresholds = THRESHOLDS) -> list[Judgement]:
    """A cycle without a reading: count it towards pvs_unreachable."""
    state.failed_cycles += 1
    fails = state.failed_cycles >= thresholds.unreachable_cycles
    message = f"The PVS has not answered for {state.failed_cycles} cycles in a row."
    return [Judgement(PVS_UNREACHABLE, None, fails, message, f"no answer for {state.failed_cycles} cycles")]


def delivery_backlog(
    backlogs: Sequence[tuple[str, float]] | None, thresholds: Thresholds = THRESHOLDS
) -> list[Judgement]:
    """One judgement for every delivery target: fires when any sink's oldest waiting entry has waited a day.

    `backlogs` holds (title, seconds waited) for each sink with entries waiting; empty when all caught up or no
    sink is on (judged clean), None when delivery could not tell (nothing judged). The message names
    each sink that is behind, oldest first.
    """
    if backlogs is None:
        return []
    behind = sorted((b for b in backlogs if b[1] >= thresholds.backlog_s), key=lambda b: -b[1])  # oldest first
    if not behind:
        return [Judgement(DELIVERY_BACKLOG, None, False)]
    waits = [f"{age_s / 3600:.0f} h to {title}" for title, age_s in behind]
    waits[0] = waits[0].replace(" h to ", " h to be delivered to ", 1)
    said = waits[0] if len(waits) == 1 else ", ".join(waits[:-1]) + f" and {waits[-1]}"
    detail = ", ".join(f"{title} {age_s / 3600:.0f} h" for title, age_s in behind)
    return [Judgement(DELIVERY_BACKLOG, None, True, f"Readings have waited {said}.", detail)]


def observe_reading(
    state: DetectorState,
    reading: Reading,
    groups: tuple[tuple[str, ...], ...] = (),
    latitude: float | None = None,
    longitude: float | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> list[Judgement]:
    """Update the state with a reading and judge every condition that can be judged now."""
    now = reading.fetched_at
    resumed = state.last_reading_at is not None and (now - state.last_reading_at).total_seconds() > GAP_S
    after_gap = resumed or state.last_reading_at is None
    state.last_reading_at = now
    judgements = [Judgement(PVS_UNREACHABLE, None, False)]
    state.failed_cycles = 0
    day = solar_day(now, longitude)

    by_group: dict[int, list[InverterReading]] = {}
    for inv in reading.devices.inverters:
        track = state.inverters.get(inv.serial)
        if track is None:
            track = state.inverters[inv.serial] = InverterTrack()
        track.group = group_of(inv.serial, groups) if groups else 0  # INVERTER_GROUPS may have changed
        by_group.setdefault(track.group, []).append(inv)

    for group, members in by_group.items():
        judgements += _judge_group(state, group, members, now, day, longitude, after_gap, resumed, thresholds)
    sun_up = latitude is not None and longitude is not None and sun_elevation_deg(latitude, longitude, now) >= 5
    judgements += _judge_missing(state, by_group, now, after_gap, sun_up, thresholds)
    judgements += _judge_no_production(state, reading, latitude, longitude, after_gap, thresholds)
    return judgements


def _judge_group(
    state: DetectorState,
    group: int,
    members: list[InverterReading],
    now: datetime,
    day: str,
    longitude: float | None,
    after_gap: bool,
    resumed: bool,
    t: Thresholds,
) -> list[Judgement]:
    powers = [inv.power_kw for inv in members if inv.power_kw is not None]
    median_kw = _median(powers)
    judged = median_kw is not None and median_kw >= t.judge_kw and len(members) >= 2
    reported = [inv.measured_at.timestamp() for inv in members if inv.measured_at is not None]
    newest_report = _median(reported)

    # The group's running median energy: the median of the lifetime deltas since the previous reading.
    previous = state.group_previous.get(group, {})
    deltas = [
        inv.lifetime_kwh - previous[inv.serial]
        for inv in members
        if inv.lifetime_kwh is not None and inv.serial in previous and inv.lifetime_kwh >= previous[inv.serial]
    ]
    median_delta = _median(deltas)
    counter = state.group_energy_kwh.get(group, 0.0)
    if judged and median_delta is not None and not after_gap:
        counter += median_delta
    state.group_energy_kwh[group] = counter
    state.group_previous[group] = {inv.serial: inv.lifetime_kwh for inv in members if inv.lifetime_kwh is not None}

    results: list[Judgement] = []
    for inv in members:
        track = state.inverters[inv.serial]
        track.last_seen = now
        track.missing_streak = 0
        if track.day != day:
            track.day, track.day_own_kwh, track.day_median_kwh, track.day_incomplete = day, 0.0, 0.0, False
            track.late_today = 0
        fresh = inv.measured_at is not None and inv.measured_at != track.measured_at
        track.measured_at = inv.measured_at or track.measured_at
        if after_gap:
            track.offline_streak = track.low_streak = 0
        if not judged or after_gap:  # energy is compared only over intervals judged on both ends
            track.base_lifetime_kwh, track.base_group_kwh = inv.lifetime_kwh, counter
        if not judged:
            continue
        assert median_kw is not None
        track.day_incomplete = track.day_incomplete or (resumed and track.day_median_kwh > 0)  # gap mid-day
        track.first_day = track.first_day or day
        solar_hour = _solar_hour(now, longitude)

        stale = newest_report is not None and (
            inv.measured_at is None or newest_report - inv.measured_at.timestamp() > t.stale_s
        )
        nothing = inv.state == ERROR or (inv.power_kw is not None and inv.power_kw <= t.nothing_ratio * median_kw)
        woke = track.woke_day == day
        if stale or nothing:
            track.offline_streak += 1
            track.late_today += 0 if woke else 1
            track.base_lifetime_kwh, track.base_group_kwh = inv.lifetime_kwh, counter  # explained by offline
        else:
            track.offline_streak = 0
            if not woke:
                _learn_wake(track, solar_hour, t)
            if fresh and not after_gap and inv.lifetime_kwh is not None and track.base_lifetime_kwh is not None:
                own = inv.lifetime_kwh - track.base_lifetime_kwh
                if own >= 0:
                    track.day_own_kwh += own
                    track.day_median_kwh += counter - track.base_group_kwh
            if fresh or track.base_lifetime_kwh is None:
                track.base_lifetime_kwh, track.base_group_kwh = inv.lifetime_kwh, counter
        low = inv.power_kw is not None and inv.power_kw < t.low_ratio * median_kw
        track.low_streak = track.low_streak + 1 if low and not (stale or nothing) else 0

        name = mask_serial(inv.serial)
        if woke:
            due = track.offline_streak >= t.offline_readings
        elif _days_between(track.first_day, day) < t.learning_days:  # mornings not learned yet: shade looks dead
            due = track.offline_streak >= t.max_late_readings
        else:  # not yet working today: wait until past the hour it usually starts by
            due = track.offline_streak >= t.offline_readings and solar_hour >= track.wake_hour + t.wake_margin_h
        if due:
            if nothing:
                state_text = f"in STATE {inv.state}" if inv.state == ERROR else "producing nothing"
                message = (
                    f"Inverter {name} is {state_text}: {_watts(inv.power_kw)} while its siblings make "
                    f"{_watts(median_kw)} (median), for {track.offline_streak} readings."
                )
                detail = f"{_watts(inv.power_kw)} vs {_watts(median_kw)} median"
            else:
                assert newest_report is not None
                behind = (newest_report - inv.measured_at.timestamp()) / 60 if inv.measured_at else None
                since = f"for {behind:.0f} min" if behind is not None else "at all"
                message = (
                    f"Inverter {name} has not reported {since} while its siblings report (median {_watts(median_kw)})."
                )
                detail = "not reporting"
            results.append(Judgement(OFFLINE, inv.serial, True, message, detail))
            continue
        if stale or nothing:
            continue  # down but not for long enough yet: neither firing nor clean
        results.append(Judgement(OFFLINE, inv.serial, False))

        day_judged = (
            not track.day_incomplete and track.day_median_kwh >= t.day_min_kwh and solar_hour >= t.day_judge_solar_hour
        )
        day_ratio = track.day_own_kwh / track.day_median_kwh if day_judged else None
        if track.low_streak >= t.low_readings or (day_ratio is not None and day_ratio < t.day_ratio):
            if day_ratio is not None and day_ratio < t.day_ratio:
                share = f"{day_ratio * 100:.0f} %"
                detail = f"{share} of the median's energy today"
                message = (
                    f"Inverter {name} made {track.day_own_kwh:.2f} kWh today while the median sibling made "
                    f"{track.day_median_kwh:.2f} kWh ({share}); now {_watts(inv.power_kw)} vs {_watts(median_kw)}."
                )
            else:
                detail = f"{_watts(inv.power_kw)} vs {_watts(median_kw)} median"
                message = (
                    f"Inverter {name} has made under {t.low_ratio * 100:.0f} % of its siblings' median for "
                    f"{track.low_streak} readings: {detail}."
                )
            results.append(Judgement(UNDERPERFORMING, inv.serial, True, message, detail))
        elif day_judged:
            results.append(Judgement(UNDERPERFORMING, inv.serial, False))
    return results


def _learn_wake(track: InverterTrack, solar_hour: float, t: Thresholds) -> None:
    """It works for the first time today: learn when it started if late (shade), forgetting slowly."""
    track.woke_day = track.day
    forgotten = max(0.0, track.wake_hour - t.wake_forget_h)
    if 0 < track.late_today <= t.max_late_readings:  # later than that was a fault that got fixed, not shade
        track.wake_hour = max(solar_hour, forgotten)
    else:
        track.wake_hour = forgotten
    track.late_today = 0


def _judge_missing(
    state: DetectorState,
    by_group: dict[int, list[InverterReading]],
    now: datetime,
    after_gap: bool,
    sun_up: bool,
    t: Thresholds,
) -> list[Judgement]:
    """Inverters gone from the list they were in; judged in daylight (the sun, else the siblings' output)."""
    results: list[Judgement] = []
    for serial, track in list(state.inverters.items()):
        if track.last_seen == now:
            continue
        if track.last_seen is not None and (now - track.last_seen).total_seconds() > t.forget_missing_s:
            del state.inverters[serial]  # removed for good (replaced); its incident resolves
            results.append(Judgement(OFFLINE, serial, False))
            continue
        siblings = by_group.get(track.group, [])
        if not siblings:
            continue  # its whole group is gone: a device-list problem at the PVS, not one inverter each
        median_kw = _median([inv.power_kw for inv in siblings if inv.power_kw is not None])
        if not sun_up and (median_kw is None or median_kw < t.judge_kw):
            continue
        track.missing_streak = 1 if after_gap else track.missing_streak + 1
        if track.missing_streak >= t.offline_readings:
            name = mask_serial(serial)
            message = f"Inverter {name} is missing from the PVS's device list in daylight."
            results.append(Judgement(OFFLINE, serial, True, message, "missing from the device list"))
    return results


def _judge_no_production(
    state: DetectorState,
    reading: Reading,
    latitude: float | None,
    longitude: float | None,
    after_gap: bool,
    t: Thresholds,
) -> list[Judgement]:
    production = reading.site.production_kw
    if production is None:
        powers = [inv.power_kw for inv in reading.devices.inverters if inv.power_kw is not None]
        production = sum(powers) if powers else None
    if production is None:
        return []
    state.peak_production_kw = learned_peak_kw(state.peak_production_kw, production, reading.inverters_total)
    if latitude is None or longitude is None or state.peak_production_kw <= 0:
        return []
    elevation = sun_elevation_deg(latitude, longitude, reading.fetched_at)
    cloud = reading.cloud_cover_pct
    if elevation < t.no_production_elevation_deg or (cloud is not None and cloud >= t.overcast_pct):
        return []
    nothing = production <= t.no_production_ratio * state.peak_production_kw
    state.no_production_streak = (0 if after_gap else state.no_production_streak) + 1 if nothing else 0
    if state.no_production_streak < t.no_production_readings:
        return [Judgement(NO_PRODUCTION, None, False)] if not nothing else []
    sky = f"cloud cover {cloud:g} %" if cloud is not None else "cloud cover unknown"
    message = (
        f"The site produces {_watts(production)} with the sun {elevation:.0f}° high ({sky}); "
        f"its best so far is {_watts(state.peak_production_kw)}."
    )
    return [Judgement(NO_PRODUCTION, None, True, message, f"{_watts(production)} with the sun {elevation:.0f}° up")]
