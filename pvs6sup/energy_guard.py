"""Guards on power and energy figures a meter may glitch: what may be learned as a peak, what is a lifetime. Pure.

A production meter has been seen to report one absurd but in-range value (450 kW on a 4 kW roof), and
lifetime registers to read 0 for hours before recovering. Neither is power or energy the roof made.
"""

from __future__ import annotations

# The largest AC output of one microinverter the PVS manages, with margin (SunPower/Enphase models
# top out near 0.43 kW). A bound too high only makes the "no production" alert less eager, never false.
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


def lifetime_accepted(
    last_kwh: float | None, new_kwh: float | None, interval_s: float, max_power_kw: float | None
) -> bool:
    """Is new_kwh a believable next value of a lifetime counter last seen at last_kwh, interval_s ago?

    Refused: an unknown or zero value, a value below the last one, and a rise larger than max_power_kw
    could make in the interval (a register that read 0 and recovered would otherwise add its whole value).
    """
    if new_kwh is None or new_kwh <= 0:
        return False
    if last_kwh is None:
        return True
    if new_kwh < last_kwh:
        return False
    if max_power_kw is None:
        return True
    return new_kwh - last_kwh <= max_power_kw * max(interval_s, 0.0) / 3600 + 0.01  # a rounding's worth of slack
