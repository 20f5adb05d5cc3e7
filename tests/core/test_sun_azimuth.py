"""The sun's azimuth: compass degrees, checked against geometry at known places and times."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from pvs6sup.core.sun import sun_azimuth_deg, sun_elevation_deg, sun_position_deg


def test_at_solar_noon_the_sun_is_due_south_in_the_north_and_due_north_in_the_south() -> None:
    noon = datetime(2026, 12, 21, 20, 8, tzinfo=timezone.utc)  # solar noon at longitude -122.08 (EoT +2 min)
    assert abs(sun_azimuth_deg(37.42, -122.08, noon) - 180) < 1.0
    south = sun_azimuth_deg(-37.42, -122.08, noon)  # 76° high there: the azimuth turns fast near noon
    assert min(south, 360 - south) < 2.5


def test_morning_sun_is_east_and_afternoon_sun_west() -> None:
    morning = datetime(2026, 3, 20, 16, 0, tzinfo=timezone.utc)  # 8:00 solar in California
    assert 90 < sun_azimuth_deg(37.42, -122.08, morning) < 135
    assert 225 < sun_azimuth_deg(37.42, -122.08, morning + timedelta(hours=8)) < 270


def test_sunrise_at_the_london_summer_solstice_is_where_geometry_puts_it() -> None:
    # At sunrise cos(azimuth) = sin(declination) / cos(latitude): about 50.3° at 51.48 N on 21 June.
    expected = math.degrees(math.acos(math.sin(math.radians(23.44)) / math.cos(math.radians(51.48))))
    moment = datetime(2026, 6, 21, 3, 0, tzinfo=timezone.utc)
    while sun_elevation_deg(51.48, 0.0, moment) < 0:
        moment += timedelta(minutes=1)
    assert abs(sun_azimuth_deg(51.48, 0.0, moment) - expected) < 1.0


def test_the_position_agrees_with_the_elevation_function() -> None:
    when = datetime(2026, 7, 4, 18, 30, tzinfo=timezone.utc)
    assert sun_position_deg(37.42, -122.08, when)[0] == sun_elevation_deg(37.42, -122.08, when)
