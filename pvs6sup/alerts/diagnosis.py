"""The likely cause of an inverter's alert, with the figures behind it, and the energy its incident lost. Pure.

What an installer or a warranty claim asks first: the panel or the microinverter? Each inverter keeps a few
running figures (`InverterTrack.clues`, CLUES numbers): its panel's MPPT voltage and its AC/DC efficiency
beside its siblings' (in good light), its gap from its learned normal in six 2-hour bins of solar time, when
its shortfall began, and the energy lost that no incident has counted yet. From those:

- a panel whose voltage is a third below its siblings' has lost a substring: a failed bypass diode;
- output low at some hours and as usual at others is shade at those sun positions, not a fault;
- a normal voltage with a low efficiency, or output low at every sun position, is the microinverter;
- several inverters down at the same moment is their branch circuit; a report that stopped moving is the PVS;
- anything else is said to be unknown.

Energy lost is what the learned normal expected (alerts/normal.py; the siblings' median for an inverter that
makes nothing) minus what was made, counted from the first low reading of the shortfall.
"""

from __future__ import annotations

import math
from datetime import datetime

from pvs6sup.alerts.judgement import OFFLINE, UNDERPERFORMING, Judgement
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.alerts.normal import median
from pvs6sup.core.models import InverterReading, Reading

PANEL, INVERTER, SHADE, BRANCH, FROZEN, UNKNOWN = (
    "panel",
    "microinverter",
    "shade",
    "branch circuit",
    "frozen report",
    "unknown",
)
V_OWN, V_SIBS, V_N, EFF_OWN, EFF_SIBS, EFF_N, OWED, LOW_SINCE, LAST_LOW, DOWN_OWED = range(10)
BINS, FIRST_HOUR, BIN_HOURS = 6, 6.0, 2.0  # solar time 06:00-18:00 in 2-hour bins: [gap, last update] each
BIN_AT = 10
CLUES = BIN_AT + 2 * BINS
FOLLOW = 0.2  # each good reading moves the voltage and efficiency figures this share of the way
BIN_FOLLOW = 0.3  # ...and its bin's gap (a bin sees 24 readings a day)
GOOD_LIGHT = 0.15  # siblings making this share of an inverter's best: voltage and efficiency are told
DIODE_RATIO = 0.85  # a panel below this share of its siblings' voltage has lost a substring (a third: 0.67)
NORMAL_RATIO = 0.95  # ...at or above it, its voltage is normal (healthy siblings differ by under 1 %)
EFFICIENCY_GAP = 0.05  # converting this much less than its siblings (they differ by about 2 %) is the inverter
LOW_GAP = -0.10  # a bin this far below its normal is low...
DEEP_GAP = -0.15  # ...(shade: the lowest bin at least this deep)...
USUAL_GAP = -0.04  # ...and one above this is as usual
EVERY_BINS = 3  # low in this many bins (6 hours of sun) and as usual in none: low at every sun position
RUN_GAP_H = 48.0  # a shortfall is the same one while it recurs within two days (shade returns on sunny days)
BRANCH_COUNT = 3  # inverters going down within two readings of each other: their branch circuit


def clues_of(track: InverterTrack) -> list[float]:
    if len(track.clues) != CLUES:
        track.clues = [0.0] * CLUES
    return track.clues


def _hours(moment: datetime) -> float:
    return moment.timestamp() / 3600


def _follow(clues: list[float], at: int, value: float, count_at: int) -> None:
    """A running figure: the first reading sets it, each later one moves it FOLLOW of the way."""
    clues[at] = round(value if clues[count_at] == 0 else clues[at] + FOLLOW * (value - clues[at]), 4)


def note_judged(
    track: InverterTrack,
    now: datetime,
    solar_hour: float,
    gap: float,
    smooth: float | None,
    lost_kwh: float,
    shortfall: bool,
    slack: float,
) -> None:
    """One judged reading of a working inverter: its gap ln(made/expected), the gap smoothed over 90 minutes
    (None while its window fills) and the energy it fell short by; `shortfall`: its gauge is counting one.

    An inverter keeps its clues only while it falls short, and for RUN_GAP_H after (shade comes back the next
    sunny day): most inverters, most of the time, cost nothing here and nothing in the state file."""
    low = smooth is not None and smooth < LOW_GAP  # smoothed: one cloud's shadow does not start a shortfall
    if not track.clues and not (shortfall or low or gap < -slack):
        return
    clues = clues_of(track)
    hour = _hours(now)
    index = min(BINS - 1, max(0, int((solar_hour - FIRST_HOUR) // BIN_HOURS)))
    at = BIN_AT + 2 * index
    fresh = clues[at + 1] > 0 and hour - clues[at + 1] < 72
    gap = min(0.5, max(-0.5, gap))  # a cloud's shadow moves a bin little
    clues[at] = round(clues[at] + BIN_FOLLOW * (gap - clues[at]) if fresh else gap, 4)
    clues[at + 1] = round(hour, 3)
    if low:
        if clues[LOW_SINCE] == 0 or hour - clues[LAST_LOW] > RUN_GAP_H:
            clues[LOW_SINCE] = round(hour, 3)
        clues[LAST_LOW] = round(hour, 3)
    if shortfall or gap < -slack:  # from the first low reading, before the gauge has seen enough to count
        clues[OWED] = round(clues[OWED] + lost_kwh, 5)
    else:
        clues[OWED] = 0.0
        if not clues[DOWN_OWED] and hour - clues[LAST_LOW] > RUN_GAP_H:
            track.clues = []  # fine again for long enough: nothing to remember


def observe(state: DetectorState, reading: Reading, hours: float) -> None:
    """Each inverter's voltage and efficiency beside its siblings' in good light, and the energy an inverter
    that makes nothing (or is missing) loses against its siblings' median."""
    if not any(
        track.missing_streak or track.offline_streak or track.clues or track.gauge.since is not None
        for track in state.inverters.values()
    ):
        return  # a roof working as usual, the most common reading: no figures are needed
    count = max(1, len(state.inverters))
    good_kw = GOOD_LIGHT * state.site_peak_kw / count  # a share of one inverter's best lately
    # (power, voltage or None, efficiency or None) of each working inverter, once: O(inverters × siblings) after
    figures: dict[str, tuple[float, float | None, float | None]] = {}
    by_group: dict[int, list[str]] = {}
    inverters = {inv.serial: inv for inv in reading.devices.inverters}
    for serial, reported in inverters.items():
        power_kw = reported.power_kw
        if power_kw and power_kw > 0 and serial in state.inverters:
            eff = power_kw / reported.dc_power_kw if reported.dc_power_kw else None
            figures[serial] = (power_kw, reported.dc_voltage_v or None, eff)
            by_group.setdefault(state.inverters[serial].group, []).append(serial)
    for serial, track in state.inverters.items():
        inv = inverters.get(serial)
        down = track.missing_streak > 0 if inv is None else track.offline_streak > 0
        if not down and (serial not in figures or (not track.clues and track.gauge.since is None)):
            continue  # working as usual: its figures are not needed
        working = [figures[s] for s in track.siblings if s in figures]
        if len(working) < 2:  # its siblings not found yet (the first days): the others of its group, as offline
            working = [figures[s] for s in by_group.get(track.group, ()) if s != serial]
        clues = track.clues
        if not down and clues and clues[DOWN_OWED]:
            clues[DOWN_OWED] = 0.0  # working again: what it lost while down was told, or was a late start
        if len(working) < 2:
            continue
        median_kw = median([power for power, _, _ in working])
        if down:
            own_kw = 0.0 if inv is None else max(0.0, inv.power_kw or 0.0)
            clues = clues_of(track)
            clues[DOWN_OWED] = round(clues[DOWN_OWED] + max(0.0, median_kw - own_kw) * hours, 5)
            continue
        if median_kw < good_kw:
            continue
        mine = figures[serial]
        for column, own_at, siblings_at, count_at in ((1, V_OWN, V_SIBS, V_N), (2, EFF_OWN, EFF_SIBS, EFF_N)):
            own = mine[column]  # panel voltage, then AC/DC efficiency
            theirs = [value for w in working if (value := w[column])]
            if own and len(theirs) >= 2:
                clues = clues_of(track)
                _follow(clues, own_at, own, count_at)
                _follow(clues, siblings_at, median(theirs), count_at)
                clues[count_at] = min(clues[count_at] + 1, 999)


def explain(state: DetectorState, reading: Reading, judgements: list[Judgement]) -> list[Judgement]:
    """Each firing inverter judgement with its likely cause, the figures behind it and the energy lost since the
    last judgement that counted it (the first one counts from the first low reading)."""
    if not any(judgement.firing for judgement in judgements):
        return judgements  # the usual reading: nothing to explain
    down_together = _branch(state, judgements)
    inverters = {inv.serial: inv for inv in reading.devices.inverters}
    out: list[Judgement] = []
    counted: set[str] = set()
    for judgement in judgements:
        serial = judgement.serial
        if not judgement.firing or serial is None or serial in counted or serial not in state.inverters:
            out.append(judgement)
            continue
        counted.add(serial)
        track = state.inverters[serial]
        clues = clues_of(track)
        if serial in down_together:
            cause, why = (
                BRANCH,
                (
                    f"{len(down_together)} inverters went down at the same moment: most likely their branch circuit "
                    "(a tripped breaker), not that many inverters failing at once."
                ),
            )
        else:
            cause, why = diagnose(judgement, clues, _hours(reading.fetched_at), _volts_now(serial, track, inverters))
        lost: float | None = round(clues[OWED] + clues[DOWN_OWED], 4)
        clues[OWED] = clues[DOWN_OWED] = 0.0
        if cause == FROZEN:
            lost = None  # it may well be working: what it made is not known, so neither is what it lost
        out.append(Judgement(judgement.kind, serial, True, judgement.message, judgement.detail, cause, why, lost))
    return out


def _branch(state: DetectorState, judgements: list[Judgement]) -> set[str]:
    """The inverters that went down (not missing) within two readings of each other, when there are enough."""
    down = [
        j.serial
        for j in judgements
        if j.firing and j.kind == OFFLINE and j.serial in state.inverters and j.detail != "missing from the device list"
    ]
    if len(down) < BRANCH_COUNT:
        return set()
    streaks = {serial: state.inverters[serial].offline_streak for serial in down if serial is not None}
    latest = min(streaks.values())
    together = {serial for serial, streak in streaks.items() if streak - latest <= 2}
    return together if len(together) >= BRANCH_COUNT else set()


def _volts_now(serial: str, track: InverterTrack, inverters: dict[str, InverterReading]) -> tuple[float, float] | None:
    """(its panel's voltage, its working siblings' median) in this reading, when both are known."""
    inv = inverters.get(serial)
    theirs = [
        v
        for s in track.siblings
        if s in inverters and (inverters[s].power_kw or 0) > 0 and (v := inverters[s].dc_voltage_v)
    ]
    if inv is None or inv.dc_voltage_v is None or len(theirs) < 2:
        return None
    return inv.dc_voltage_v, median(theirs)


def diagnose(
    judgement: Judgement, clues: list[float], now_hours: float, volts_now: tuple[float, float] | None = None
) -> tuple[str, str]:
    """(cause, the figures behind it in an owner's words) for one firing inverter judgement; `volts_now`: its
    panel's voltage and its siblings' in this reading (what tells a dead inverter from a dead panel)."""
    volts = _volts(clues)
    if judgement.kind == OFFLINE:
        volts = volts_now
        if judgement.detail == "not reporting":
            return FROZEN, (
                "Its figures in the PVS have stopped changing while its siblings' move on: most likely the PVS's "
                "report is frozen (the PVS, not the roof). A PVS restart usually brings it back; if it does not, "
                "the microinverter has stopped talking."
            )
        if judgement.detail == "missing from the device list":
            return (
                UNKNOWN,
                "The cause is unknown: the PVS no longer lists it, which a failed microinverter and a "
                "PVS that lost its device list both do.",
            )
        if volts is not None and volts[0] >= NORMAL_RATIO * volts[1]:
            return INVERTER, (
                f"Its panel still gives {volts[0]:.0f} V (its siblings' {volts[1]:.0f} V) but it makes nothing: "
                "most likely the microinverter."
            )
        return UNKNOWN, (
            "The cause is unknown: it makes nothing and reports no panel voltage, which a failed microinverter "
            "and a loose panel cable both do (a panel seldom fails whole)."
        )
    if judgement.kind != UNDERPERFORMING:
        return UNKNOWN, ""
    hours = _bin_story(clues, now_hours)
    if hours is not None:
        low, usual = hours
        return SHADE, (
            f"It makes less only {low} solar time and as usual {usual}: most likely new shade at those sun "
            "positions (a tree, an antenna, dirt the low sun shows), not a fault of the panel or the microinverter."
        )
    if volts is not None and volts[0] < DIODE_RATIO * volts[1]:
        return PANEL, (
            f"Its panel's voltage is {volts[0]:.0f} V while its siblings' is {volts[1]:.0f} V: most likely a failed "
            "bypass diode (or cell string) in the panel, not the microinverter."
        )
    if volts is None or volts[0] < NORMAL_RATIO * volts[1]:
        return UNKNOWN, _not_yet(volts)
    efficiency = _efficiency(clues)
    if efficiency is not None and efficiency[0] < efficiency[1] - EFFICIENCY_GAP:
        return INVERTER, (
            f"Its panel's voltage is normal ({volts[0]:.0f} V, its siblings' {volts[1]:.0f} V) but it turns "
            f"{efficiency[0] * 100:.0f} % of its panel's power into AC where its siblings turn "
            f"{efficiency[1] * 100:.0f} %: most likely the microinverter."
        )
    every = _every_hour(clues, now_hours)
    if every is not None:
        return INVERTER, (
            f"Its panel's voltage is normal ({volts[0]:.0f} V, its siblings' {volts[1]:.0f} V) and its output is "
            f"{every} low at every sun position since it began: most likely the microinverter."
        )
    return UNKNOWN, _not_yet(volts)


def _not_yet(volts: tuple[float, float] | None) -> str:
    known = (
        f"its panel's voltage is {volts[0]:.0f} V (its siblings' {volts[1]:.0f} V)"
        if volts
        else "the PVS gives no panel voltage for it"
    )
    return (
        f"The cause is not known yet: {known}, and it has not yet been low long enough to tell shade at some hours "
        "from a fault at every hour."
    )


def _volts(clues: list[float]) -> tuple[float, float] | None:
    if clues[V_N] < 3 or clues[V_SIBS] <= 0:
        return None
    return clues[V_OWN], clues[V_SIBS]


def _efficiency(clues: list[float]) -> tuple[float, float] | None:
    if clues[EFF_N] < 3 or clues[EFF_SIBS] <= 0:
        return None
    return clues[EFF_OWN], clues[EFF_SIBS]


def _fresh_bins(clues: list[float], now_hours: float) -> list[tuple[int, float]]:
    """(bin, gap) of the bins seen since the shortfall began."""
    since = clues[LOW_SINCE]
    if since <= 0 or now_hours - clues[LAST_LOW] > RUN_GAP_H:
        return []
    return [(b, clues[BIN_AT + 2 * b]) for b in range(BINS) if clues[BIN_AT + 2 * b + 1] >= since]


def _span(bins: list[int]) -> str:
    first, last = min(bins), max(bins)
    return f"between {FIRST_HOUR + BIN_HOURS * first:02.0f}:00 and {FIRST_HOUR + BIN_HOURS * (last + 1):02.0f}:00"


def _bin_story(clues: list[float], now_hours: float) -> tuple[str, str] | None:
    """When it is low at some sun positions and as usual at others: (when low, when usual) in words."""
    fresh = _fresh_bins(clues, now_hours)
    low = [b for b, gap in fresh if gap < LOW_GAP]
    usual = [b for b, gap in fresh if gap > USUAL_GAP]
    if not low or not usual or min(gap for _, gap in fresh) > DEEP_GAP:
        return None
    return _span(low), ("at other hours" if len(usual) > 1 else _span(usual))


def _every_hour(clues: list[float], now_hours: float) -> str | None:
    """'30 %' when every bin seen since the shortfall began is low, and they cover EVERY_BINS or more."""
    fresh = _fresh_bins(clues, now_hours)
    if len(fresh) < EVERY_BINS or any(gap >= LOW_GAP for _, gap in fresh):
        return None
    mean = sum(gap for _, gap in fresh) / len(fresh)
    return f"{(1 - math.exp(mean)) * 100:.0f} %"


def energy_text(lost_kwh: float | None, days: float, price: float | None = None) -> str:
    """'About 4.2 kWh lost so far (1.4 kWh a day; at 0.30 a kWh, 0.42 a day, 153 a year if it stays so).'"""
    if lost_kwh is None:
        return ""
    said = f"About {lost_kwh:.1f} kWh lost so far" if lost_kwh >= 0.1 else f"About {lost_kwh:.2f} kWh lost so far"
    if days < 1:
        if price is None:
            return said + "."
        return f"{said} ({_money(lost_kwh * price)} at {_money(price)} a kWh)."
    daily = lost_kwh / days
    if price is None:
        return f"{said} ({daily:.1f} kWh a day)."
    money = daily * price
    return (
        f"{said} ({daily:.1f} kWh a day; at {_money(price)} a kWh, {_money(money)} a day, "
        f"{_money(money * 365)} a year if it stays so)."
    )


def _money(amount: float) -> str:
    return f"{amount:.2f}" if amount < 100 else f"{amount:.0f}"
