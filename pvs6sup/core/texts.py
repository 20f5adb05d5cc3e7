"""How figures read to a person in a terminal, an email or the report. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo


def age_text(seconds: float | None) -> str:
    """'45 s', '12 min', '3 h', '2 d'; '?' when unknown."""
    if seconds is None:
        return "?"
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit != "min" else 1):
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when_text(moment: datetime, zone: tzinfo) -> str:
    """A moment as a person says it, in the site's zone: 'Sun 21 Jun, 09:25' (English, whatever the locale)."""
    local = moment.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, {local:%H:%M}"


def clock_text(moment: datetime, zone: tzinfo) -> str:
    """Just the time of day in the site's zone: '09:25'."""
    return f"{moment.astimezone(zone):%H:%M}"


def duration_text(seconds: float) -> str:
    """A length of time in the unit a person would use: '20 minutes', '5 hours', '3 days'."""
    seconds = max(0.0, seconds)
    for unit, size, below in (("minute", 60, 90 * 60), ("hour", 3600, 48 * 3600)):
        if seconds < below:
            count = max(1, round(seconds / size))
            return f"{count} {unit}{'s' if count != 1 else ''}"
    days = round(seconds / 86400)
    return f"{days} days"


def short_serial(serial: str | None) -> str:
    """The one short form of an inverter's serial wherever a person reads it: 'E00…0007'.

    The full serial goes where it must be exact (a tooltip, the inverter table)."""
    if not serial:
        return "?"
    if len(serial) <= 8:
        return serial
    return f"{serial[:3]}…{serial[-4:]}"


def short_serials(serials: Iterable[str]) -> dict[str, str]:
    """Each serial's short form, its tail lengthened where two would read the same (a site with 10,001 inverters)."""
    found = sorted(set(serials))
    tail = 4
    while tail < 12 and len({s[-tail:] for s in found}) < len(found):
        tail += 1
    return {s: s if len(s) <= tail + 4 else f"{s[:3]}…{s[-tail:]}" for s in found}


def watts_text(kw: float | None) -> str:
    """Output for a person: '287 W', '1.25 kW', never '-0'; '?' when unknown."""
    if kw is None:
        return "?"
    watts = round(kw * 1000)
    if watts == 0:
        return "0 W"
    return f"{watts} W" if abs(watts) < 1000 else f"{kw:.2f} kW"


def state_text(state: str | None, night: bool) -> str:
    """An inverter's state for a person: the PVS calls every inverter 'error' after sunset; that is 'asleep'."""
    if night and state in (None, "error"):
        return "asleep"
    return state or "?"


def is_night(outputs_kw: Iterable[float | None]) -> bool:
    """True when no inverter makes anything: the PVS's night (a whole dead roof is the no-production alert's)."""
    known = [kw for kw in outputs_kw if kw is not None]
    return bool(known) and all(kw <= 0.001 for kw in known)


def fixed_text(value: float, places: int) -> str:
    """A number to `places` decimals, never '-0.00' (a meter's -0.003 kW at night is nothing, not a minus)."""
    rounded = round(value, places)
    return f"{rounded if rounded else 0.0:.{places}f}"
