"""Where the sun is: elevation from latitude, longitude and time, computed locally. Pure."""

from __future__ import annotations

import math
from datetime import datetime, timezone, tzinfo


def sun_elevation_deg(latitude: float, longitude: float, when: datetime) -> float:
    """Solar elevation above the horizon in degrees (NOAA's approximation; good to about 0.5°)."""
    return sun_position_deg(latitude, longitude, when)[0]


def sun_azimuth_deg(latitude: float, longitude: float, when: datetime) -> float:
    """Solar azimuth in compass degrees (0 north, 90 east, 180 south, 270 west)."""
    return sun_position_deg(latitude, longitude, when)[1]


def sun_position_deg(latitude: float, longitude: float, when: datetime) -> tuple[float, float]:
    """(elevation, compass azimuth) of the sun in degrees, from NOAA's approximation (about 0.5°)."""
    utc = when.astimezone(timezone.utc)
    hours = utc.hour + utc.minute / 60 + utc.second / 3600
    gamma = 2 * math.pi / 365 * (utc.timetuple().tm_yday - 1 + (hours - 12) / 24)
    equation_of_time_min = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    declination = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma)
        + 0.00148 * math.sin(3 * gamma)
    )
    true_solar_min = hours * 60 + equation_of_time_min + 4 * longitude
    hour_angle = math.radians(true_solar_min / 4 - 180)
    lat = math.radians(latitude)
    cos_zenith = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(hour_angle)
    elevation = 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))
    # Measured from south, positive westward, then turned to compass degrees.
    from_south = math.atan2(
        math.sin(hour_angle), math.cos(hour_angle) * math.sin(lat) - math.tan(declination) * math.cos(lat)
    )
    return elevation, (math.degrees(from_south) + 180) % 360


# The sun's clock and a zone's clock differ by up to about 3 hours in practice (western China, Spain, Alaska
# in summer); beyond LONGITUDE_SLACK_H the longitude and the zone cannot both be right.
LONGITUDE_SLACK_H = 4.0


def _hours_apart(longitude: float, offset_h: float) -> float:
    """How far the sun's clock at `longitude` is from `offset_h`, across the date line (-12..12)."""
    return (longitude / 15 - offset_h + 12) % 24 - 12


def longitude_sign_problem(longitude: float, standard_offset_h: float, zone_name: str) -> str | None:
    """Why `longitude` cannot be where a zone at UTC`standard_offset_h` keeps time, when its sign is the
    likely mistake (west of Greenwich is negative); None when they agree or the sign would not fix it."""
    apart = _hours_apart(longitude, standard_offset_h)
    if abs(apart) <= LONGITUDE_SLACK_H or abs(_hours_apart(-longitude, standard_offset_h)) > LONGITUDE_SLACK_H:
        return None
    side = "east" if longitude > 0 else "west"
    fix = "west of Greenwich is negative" if longitude > 0 else "east of Greenwich is positive"
    return (
        f"{longitude:g} is {side} of Greenwich, {abs(apart):.0f} h from {zone_name} (UTC{standard_offset_h:+g}); "
        f"{fix}: did you mean LONGITUDE={-longitude:g}? (or set TIMEZONE to the panels' zone)"
    )


def standard_offset_h(zone: tzinfo) -> float:
    """A zone's offset from UTC in hours outside daylight saving time (the smaller of January's and July's)."""
    year = datetime.now(timezone.utc).year
    offsets = [datetime(year, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 7)]
    return min(o.total_seconds() for o in offsets if o is not None) / 3600 if any(offsets) else 0.0
