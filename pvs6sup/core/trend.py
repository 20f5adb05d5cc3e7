"""Each inverter's long-term trend: its daily energy as a share of its roof face's median, the monthly medians of
that share, and their slope in % a year. Pure.

Why a share of the face's median: panels on one face see the same sun, clouds and season, so the share cancels
the weather and the year's light; what is left is the panel itself (its ageing, soiling, a tree's growth).
Panels ageing alike (the usual 0.5 % a year) keep a flat share; one ageing four times faster (2 % a year) shows
as about -1.5 % a year against its face. (The alerts' learned normal is no use here: it follows slow change on
purpose, so that ageing is never an alarm.)

Why year-on-year (as NREL's RdTools does it), on monthly medians: a shade that falls in winter only, or a panel
that sees more of the low summer sun than its face, makes the share swing with the seasons by more than a year
of ageing; a straight line through a few months would read the season as decline. Comparing each month with
the same month a year before cancels the season whatever its shape, and the median of those year-apart rates is
robust to an odd month (snow, a dead week). Monthly medians of the daily shares make each month robust to its
odd days. The price: nothing before MIN_PAIRS year-apart pairs of months exist (about a year and a half):
until then the slope is unknown (None), never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

MIN_DAYS = 10  # judged days a month needs for its median to count
MIN_PAIRS = 6  # year-apart month pairs the slope needs (so at least 18 months of history)
MIN_FACE_KWH = 0.05  # a face median below this (night-long snow, an outage) says nothing about a panel


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def daily_shares(
    energy_kwh: Iterable[tuple[date, str, float | None]], faces: Sequence[Sequence[str]]
) -> dict[str, dict[date, float]]:
    """serial -> day -> its energy / its face's median energy that day, from (day, serial, kWh) rows.

    `faces` groups the serials; a serial in no group of three or more is compared with the whole site. A day
    where it made nothing or is unknown is left out (an outage is the alerts' business, not ageing)."""
    face_of = {serial: index for index, members in enumerate(faces) if len(members) >= 3 for serial in members}
    by_day: dict[date, dict[str, float]] = {}
    for day, serial, kwh in energy_kwh:
        if kwh is not None:
            by_day.setdefault(day, {})[serial] = kwh
    shares: dict[str, dict[date, float]] = {}
    for day, made in by_day.items():
        groups: dict[int, list[float]] = {}
        for serial, kwh in made.items():
            groups.setdefault(face_of.get(serial, -1), []).append(kwh)
        medians = {key: _median(values) for key, values in groups.items()}
        for serial, kwh in made.items():
            middle = medians[face_of.get(serial, -1)]
            if kwh > 0 and middle >= MIN_FACE_KWH:
                shares.setdefault(serial, {})[day] = kwh / middle
    return shares


def monthly_medians(shares: Mapping[date, float], min_days: int = MIN_DAYS) -> dict[str, float]:
    """'YYYY-MM' -> the median of the month's daily shares, for months with at least `min_days` of them."""
    months: dict[str, list[float]] = {}
    for day, share in shares.items():
        months.setdefault(f"{day.year:04d}-{day.month:02d}", []).append(share)
    return {month: _median(values) for month, values in sorted(months.items()) if len(values) >= min_days}


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def slope_pct_per_year(months: Mapping[str, float], min_pairs: int = MIN_PAIRS) -> float | None:
    """The year-on-year slope of monthly shares, in % a year (negative: declining): the median, over every pair
    of the same month a whole number of years apart, of the yearly rate of change between them (pairs two or
    more years apart add longer baselines: at three years they cut the error by a third). None with fewer than
    `min_pairs` such pairs."""
    by_number = {_month_number(month): share for month, share in months.items() if share > 0}
    rates = [
        math.log(share / by_number[number - 12 * years]) / years
        for number, share in by_number.items()
        for years in range(1, 1 + (max(by_number) - min(by_number)) // 12)
        if number - 12 * years in by_number
    ]
    if len(rates) < min_pairs:
        return None
    return 100.0 * (math.exp(_median(rates)) - 1.0)


def combine_faces(*groupings: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """One grouping from several, the first to place a serial winning (INVERTER_GROUPS, then the learned faces,
    then the layout's azimuths)."""
    placed: set[str] = set()
    faces = []
    for grouping in groupings:
        for members in grouping:
            fresh = tuple(s for s in members if s not in placed)
            if fresh:
                faces.append(fresh)
                placed.update(fresh)
    return faces
