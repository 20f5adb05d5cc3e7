"""Glitch guards on what meters and registers report: what may be learned as a peak, what is energy. Pure.

A production meter has been seen to report one absurd but in-range value (450 kW on a 4 kW roof). A
lifetime register (kWh since install) only ever grows, yet in the field it reads 0 for hours and then
recovers, steps back, or leaps by more than the device could make (a meter's `net` read 0.00 for two
hours and a naive daily delta became -39,386 kWh). Every figure derived from such a register — a
daily delta, PVOutput's v1, a Home Assistant total, an InfluxDB point — goes through
`lifetime_problem` first, against the last value the same consumer trusted.
"""

from __future__ import annotations

# The largest AC output of one microinverter the PVS manages, with margin (SunPower/Enphase models
# top out near 0.43 kW). A bound too high only makes the "no production" alert less eager, never false; the
# sinks' jump check on lifetime energy (sinks/lifetimes.py) takes it as its ceiling too.
MAX_INVERTER_AC_KW = 0.5


def device_limit_kw(inverters_total: int, max_inverter_kw: float = MAX_INVERTER_AC_KW) -> float | None:
    """The most the site's inverters can produce together, or None when no inverter is known."""
    return inverters_total * max_inverter_kw if inverters_total > 0 else None


def learned_peak_kw(previous_peak_kw: float, production_kw: float | None, inverters_total: int) -> float:
    """The site's best production after this reading.

    A production above what the inverters could make is a glitch and teaches nothing; a peak already
    learned above that limit (a glitch stored by an older version) is brought back under it.
    """
    limit_kw = device_limit_kw(inverters_total)
    peak_kw = previous_peak_kw if limit_kw is None else min(previous_peak_kw, limit_kw)
    if production_kw is None or (limit_kw is not None and production_kw > limit_kw):
        return peak_kw
    return max(peak_kw, production_kw)


# A device cannot make more than its peak for the whole interval; the slack covers meter rounding and
# a reading whose timestamps are a little apart.
JUMP_SLACK = 1.5
ROUNDING_KWH = 0.01  # registers are reported to two decimals at worst
# A lifetime derived from rounded registers (consumption = production + net, a sum of inverters) can dip
# by a few hundredths between readings: that is rounding, not a glitch, and the higher value is kept.
ROUNDING_DIP_KWH = 0.05


def held_kwh(last_kwh: float | None, new_kwh: float | None) -> float | None:
    """The value a consumer should carry on with: `last_kwh` through a rounding dip, else `new_kwh`."""
    if last_kwh is not None and new_kwh is not None and last_kwh - ROUNDING_DIP_KWH <= new_kwh < last_kwh:
        return last_kwh
    return new_kwh


def _kwh(value: float) -> str:
    """A register for a message: two decimals at most, so that two different values never read the same."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def lifetime_problem(
    last_kwh: float | None,
    new_kwh: float | None,
    interval_s: float | None = None,
    max_kw: float | None = None,
) -> str | None:
    """Why `new_kwh` cannot follow `last_kwh` as the same register's next value, or None if it can.

    `last_kwh` is the last value trusted (None: nothing trusted yet). `interval_s` is the time between
    the two readings, `max_kw` the most the device can produce; without both, no jump is judged.
    """
    if new_kwh is None:
        return "unknown"
    if new_kwh <= 0:
        return "reads 0"
    if last_kwh is None:
        return None
    if new_kwh < last_kwh - ROUNDING_DIP_KWH:
        return f"went down from {_kwh(last_kwh)} to {_kwh(new_kwh)} kWh"
    if interval_s is not None and max_kw is not None and interval_s >= 0 and max_kw > 0:
        possible_kwh = max_kw * interval_s / 3600 * JUMP_SLACK + ROUNDING_KWH
        if new_kwh - last_kwh > possible_kwh:
            return f"jumped {new_kwh - last_kwh:g} kWh in {interval_s:g} s, more than {max_kw:g} kW could make"
    return None


def trusted_delta_kwh(
    last_kwh: float | None,
    new_kwh: float | None,
    interval_s: float | None = None,
    max_kw: float | None = None,
) -> float | None:
    """The energy made between two trusted readings of one register, or None when it cannot be told."""
    if last_kwh is None or lifetime_problem(last_kwh, new_kwh, interval_s, max_kw) is not None:
        return None
    assert new_kwh is not None  # lifetime_problem rejects None
    return max(0.0, new_kwh - last_kwh)
