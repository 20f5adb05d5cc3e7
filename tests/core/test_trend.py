"""The trend's slope from synthetic shares: a 0.5 %/year and a 2 %/year decline are recovered through daily noise,
a seasonal shade, missing days and a dead week; unknown (None) before a year and a half, never 0."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from pvs6sup.core.trend import MIN_PAIRS, combine_faces, daily_shares, monthly_medians, slope_pct_per_year

# % a year: with 3 % daily noise, the error over 200 seeds was at most 0.50 with three years of history (0.60 with
# a 15 % winter shade) and 0.88 with two (p95: 0.34 and 0.64); the tests below take 20 of those seeds
TOLERANCE_PCT = {3: 0.6, 2: 0.9}
START = date(2024, 3, 1)


def synthetic(decline_pct: float, years: float, seed: int, season_pct: float = 6.0) -> dict[date, float]:
    """Daily shares of a panel ageing `decline_pct` % a year against its face, with a winter shade of
    `season_pct` %, 3 % daily noise, a tenth of the days missing, and one dead week a year."""
    rng = random.Random(seed)
    shares = {}
    for offset in range(int(365 * years)):
        day = START + timedelta(days=offset)
        if rng.random() < 0.1:
            continue
        if day.month == 8 and day.day <= 7:  # a dead week: an outage, recorded as a sliver
            shares[day] = 0.05
            continue
        age = (1 - decline_pct / 100) ** (offset / 365.25)
        winter = 1 - season_pct / 100 * (1 + math.cos(2 * math.pi * (day.timetuple().tm_yday - 355) / 365.25)) / 2
        shares[day] = 1.02 * age * winter * rng.gauss(1.0, 0.03)
    return shares


@pytest.mark.parametrize("years", [2, 3])
@pytest.mark.parametrize("decline_pct", [0.5, 2.0])
def test_a_decline_is_recovered_within_the_tolerance(decline_pct: float, years: int) -> None:
    for seed in range(20):
        slope = slope_pct_per_year(monthly_medians(synthetic(decline_pct, years, seed)))
        assert slope is not None
        assert abs(slope + decline_pct) <= TOLERANCE_PCT[years], (seed, slope)


def test_the_two_rates_are_told_apart_on_every_seed() -> None:
    for seed in range(20):
        usual = slope_pct_per_year(monthly_medians(synthetic(0.5, 3, seed)))
        fast = slope_pct_per_year(monthly_medians(synthetic(2.0, 3, seed)))
        assert usual is not None and fast is not None
        assert fast < usual - 0.8, (seed, usual, fast)


def test_a_season_alone_is_no_decline() -> None:
    for seed in range(10):
        slope = slope_pct_per_year(monthly_medians(synthetic(0.0, 3, seed, season_pct=15)))
        assert slope is not None and abs(slope) <= TOLERANCE_PCT[3], (seed, slope)


def test_unknown_before_enough_year_apart_months() -> None:
    months = monthly_medians(synthetic(2.0, 1.0 + (MIN_PAIRS - 1) / 12, 1))
    assert slope_pct_per_year(months) is None
    assert slope_pct_per_year({}) is None


def test_a_month_needs_its_days() -> None:
    days = {date(2026, 5, d): 1.0 for d in range(1, 10)}
    assert monthly_medians(days) == {}
    days[date(2026, 5, 10)] = 0.9
    assert monthly_medians(days) == {"2026-05": 1.0}


def test_daily_shares_against_the_face_median_and_the_site_for_the_rest() -> None:
    day = date(2026, 6, 1)
    rows = [
        (day, "A1", 2.0),
        (day, "A2", 2.2),
        (day, "A3", 1.1),  # a face of three
        (day, "W1", 1.0),
        (day, "W2", 3.0),  # a face of two: compared with the whole site
        (day, "X", None),
        (day, "Y", 0.0),  # unknown, and nothing made: no share
    ]
    shares = daily_shares(rows, [("A1", "A2", "A3"), ("W1", "W2")])
    assert shares["A3"][day] == pytest.approx(0.55)
    assert shares["A2"][day] == pytest.approx(1.1)
    site_median = 1.0  # of W1, W2, Y (the site-wide group): 1.0, 3.0, 0.0
    assert shares["W2"][day] == pytest.approx(3.0 / site_median)
    assert "X" not in shares and "Y" not in shares


def test_a_dark_day_judges_no_one() -> None:
    day = date(2026, 1, 1)
    assert daily_shares([(day, "A", 0.01), (day, "B", 0.02), (day, "C", 0.03)], []) == {}


def test_the_first_grouping_to_place_a_serial_wins() -> None:
    given = [("A", "B")]
    learned = [("B", "C", "D"), ("E",)]
    layout = [("A", "C", "E", "F")]
    assert combine_faces(given, learned, layout) == [("A", "B"), ("C", "D"), ("E",), ("F",)]
