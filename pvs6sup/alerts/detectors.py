"""Alert detectors: pure judgements over one reading plus a small persisted state. No I/O, no clock.

Each cycle `observe_reading` (or `observe_failure` when the PVS gave nothing) updates the state and
returns Judgements: for each incident key, whether its condition fires now, is judged clean, or (absent)
could not be judged (night, dawn, heavy overcast, too few siblings). Persistence is built in: a
condition fires only after it held for several readings, so a passing cloud, a tree's morning shadow or
the PVS's normal "error" at night never fire. Here: offline, missing, PVS unreachable, no production and
the delivery backlog; underperformance against the learned normal is alerts/underperf.py's, a stalled stream
(most reports standing still together) alerts/stalled.py's. Cost per
reading is O(inverters); nothing re-reads history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo

from pvs6sup.alerts import diagnosis, normal, stalled, underperf
from pvs6sup.alerts.judgement import (
    DELIVERY_BACKLOG,
    INVERTERS_STALLED,
    METERS_STALLED,
    NO_PRODUCTION,
    OFFLINE,
    PVS_UNREACHABLE,
    SPECIFICITY,
    UNDERPERFORMING,
    Judgement,
    clean,
)
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.core.energy_guard import learned_peak_kw
from pvs6sup.core.models import ERROR, InverterReading, Reading
from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.core.values import mask_serial

__all__ = [  # the records and kinds live in their own modules; callers may take them from here
    "DELIVERY_BACKLOG",
    "INVERTERS_STALLED",
    "METERS_STALLED",
    "NO_PRODUCTION",
    "OFFLINE",
    "PVS_UNREACHABLE",
    "SPECIFICITY",
    "UNDERPERFORMING",
    "DetectorState",
    "InverterTrack",
    "Judgement",
    "Thresholds",
    "delivery_backlog",
    "observe_failure",
    "observe_reading",
]

GAP_S = 30 * 60  # readings further apart than this start every streak afresh (the Pi or the PVS was off)


class Thresholds(FrozenRecord):
    """The tuning knobs; README's Alerts section explains each. Read-only; tests and the evaluation change
    some with replace(THRESHOLDS, learning_days=5) or Thresholds(learning_days=5)."""

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
    unreachable_cycles: int = 12  # consecutive failed cycles (1 hour at 5 minutes)
    no_production_elevation_deg: float = 20.0
    no_production_ratio: float = 0.02  # site output below 2 % of its best seen
    no_production_readings: int = 3
    overcast_pct: float = 85.0  # at or above this cloud cover, low production is the weather
    backlog_s: float = 24 * 3600
    forget_missing_s: float = 7 * 24 * 3600  # an inverter gone this long is taken as removed


THRESHOLDS = Thresholds()


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
        return [clean(DELIVERY_BACKLOG)]
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
    book: normal.NormalBook | None = None,
    tuning: normal.Tuning = normal.TUNING,
    zone: tzinfo | None = None,
    seeds: Callable[[], tuple[tuple[str, ...], ...]] | None = None,
) -> list[Judgement]:
    """Update the state with a reading and judge every condition that can be judged now.

    `book` holds the learned normal (alerts/normal.py); without one, underperformance is not judged. `zone` is the
    site's, for the clock times a stalled stream's message gives (None: UTC). `seeds` gives the layout's azimuth
    groups (LAYOUT_FILE) when the roof faces are found."""
    now = reading.fetched_at
    previous = state.last_reading_at
    resumed = previous is not None and (now - previous).total_seconds() > GAP_S
    after_gap = resumed or previous is None
    elapsed_s = (now - previous).total_seconds() if previous is not None else 0.0
    hours = 5 / 60 if after_gap or not 0 < elapsed_s <= 600 else elapsed_s / 3600  # energy this reading stands for
    state.last_reading_at = now
    judgements = [clean(PVS_UNREACHABLE)]
    state.failed_cycles = 0
    day = solar_day(now, longitude)
    elevation = sun_elevation_deg(latitude, longitude, now) if latitude is not None and longitude is not None else None
    streams = stalled.observe(state, reading, elevation, zone)  # before the tracks take this reading's report times
    judgements += streams.judgements

    by_group: dict[int, list[InverterReading]] = {}
    for inv in reading.devices.inverters:
        track = state.inverters.get(inv.serial)
        if track is None:
            track = state.inverters[inv.serial] = InverterTrack()
        track.group = group_of(inv.serial, groups) if groups else 0  # INVERTER_GROUPS may have changed
        by_group.setdefault(track.group, []).append(inv)

    working: dict[str, float] = {}
    for members in by_group.values():
        judgements += _judge_group(state, members, now, day, longitude, after_gap, thresholds, working, streams)
    if book is not None:
        solar_hour = _solar_hour(now, longitude)
        judgements += underperf.judge(
            state,
            working,
            book,
            now,
            day,
            solar_hour,
            hours,
            latitude,
            bool(groups),
            tuning,
            longitude is not None,
            seeds=seeds,
        )
    sun_up = elevation is not None and elevation >= 5
    judgements += _judge_missing(state, by_group, now, after_gap, sun_up, thresholds)
    if not (streams.meters_still and streams.inverters_stalled):  # both frozen: what is made is not known
        judgements += _judge_no_production(state, reading, elevation, after_gap, thresholds, streams.meters_still)
    diagnosis.observe(state, reading, hours)
    return diagnosis.explain(state, reading, judgements)


def _judge_group(
    state: DetectorState,
    members: list[InverterReading],
    now: datetime,
    day: str,
    longitude: float | None,
    after_gap: bool,
    t: Thresholds,
    working: dict[str, float],
    streams: stalled.Streams | None = None,
) -> list[Judgement]:
    """Offline (in error, producing nothing, or not reporting) against the group's median; the inverters
    that work, fresh, go into `working` for the underperformance judge. Nothing is judged from a stalled
    stream's stale figures, and no frozen report goes into `working` (`streams`, alerts/stalled.py)."""
    frozen = streams.frozen if streams is not None else frozenset()
    powers = [inv.power_kw for inv in members if inv.power_kw is not None]
    median_kw = _median(powers)
    stalled_now = streams is not None and streams.inverters_stalled
    judged = not stalled_now and median_kw is not None and median_kw >= t.judge_kw and len(members) >= 2
    reported = [inv.measured_at.timestamp() for inv in members if inv.measured_at is not None]
    newest_report = _median(reported)
    solar_hour = _solar_hour(now, longitude)

    results: list[Judgement] = []
    for inv in members:
        track = state.inverters[inv.serial]
        track.last_seen = now
        track.missing_streak = 0
        if track.day != day:
            track.day, track.late_today = day, 0
        track.measured_at = inv.measured_at or track.measured_at
        if after_gap:
            track.offline_streak = 0
        if not judged:
            continue
        assert median_kw is not None
        track.first_day = track.first_day or day

        stale = newest_report is not None and (
            inv.measured_at is None or newest_report - inv.measured_at.timestamp() > t.stale_s
        )
        nothing = inv.state == ERROR or (inv.power_kw is not None and inv.power_kw <= t.nothing_ratio * median_kw)
        woke = track.woke_day == day
        if stale or nothing:
            track.offline_streak += 1
            track.late_today += 0 if woke else 1
        else:
            track.offline_streak = 0
            if not woke:
                _learn_wake(track, solar_hour, t)
            if inv.power_kw is not None and inv.serial not in frozen:
                working[inv.serial] = inv.power_kw

        if woke:
            due = track.offline_streak >= t.offline_readings
        elif _days_between(track.first_day, day) < t.learning_days:  # mornings not learned yet: shade looks dead
            due = track.offline_streak >= t.max_late_readings
        else:  # not yet working today: wait until past the hour it usually starts by
            due = track.offline_streak >= t.offline_readings and solar_hour >= track.wake_hour + t.wake_margin_h
        if due:
            name = mask_serial(inv.serial)
            if nothing:
                state_text = f"in STATE {inv.state}" if inv.state == ERROR else "producing nothing"
                message = (
                    f"Inverter {name} is {state_text}: {_watts(inv.power_kw)} while its siblings make "
                    f"{_watts(median_kw)} (median)."
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
        results.append(clean(OFFLINE, inv.serial))
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
            results.append(clean(OFFLINE, serial))
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
    elevation: float | None,
    after_gap: bool,
    t: Thresholds,
    meters_still: bool = False,
) -> list[Judgement]:
    """The site's output (the production meter's, or the inverters' sum when it has none or it stands still)
    against its best, with the sun `elevation` degrees up (None: where the site is, is not known)."""
    production = None if meters_still else reading.site.production_kw
    if production is None:
        powers = [inv.power_kw for inv in reading.devices.inverters if inv.power_kw is not None]
        production = sum(powers) if powers else None
    if production is None:
        return []
    state.peak_production_kw = learned_peak_kw(state.peak_production_kw, production, reading.inverters_total)
    if elevation is None or state.peak_production_kw <= 0:
        return []
    cloud = reading.cloud_cover_pct
    if elevation < t.no_production_elevation_deg or (cloud is not None and cloud >= t.overcast_pct):
        return []
    nothing = production <= t.no_production_ratio * state.peak_production_kw
    state.no_production_streak = (0 if after_gap else state.no_production_streak) + 1 if nothing else 0
    if state.no_production_streak < t.no_production_readings:
        return [clean(NO_PRODUCTION)] if not nothing else []
    sky = f"cloud cover {cloud:g} %" if cloud is not None else "cloud cover unknown"
    message = (
        f"The site produces {_watts(production)} with the sun {elevation:.0f}° high ({sky}); "
        f"its best so far is {_watts(state.peak_production_kw)}."
    )
    return [Judgement(NO_PRODUCTION, None, True, message, f"{_watts(production)} with the sun {elevation:.0f}° up")]
