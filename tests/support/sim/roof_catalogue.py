"""The named roof scenarios the alert evaluation runs: places, seasons, faces, shade, weather and faults.

Every fault starts on day 5 or later (the detector learns the roof first). The three after the first nine were added
after the detector was tuned on those nine, as a check on roofs it had not seen; `ca-summer-stalled`, added last,
has the site's stalled streams (issue #22 part 4). Times are local solar time (`at(day, hour)`); inverter indexes
run face by face. Scenario `ca-winter-quiet` has no fault at all.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from pvs6sup.sim.roof import Face, Obstruction, RoofModel
from tests.support.sim.roofs import (
    BROKEN,
    CLEAR,
    CREEPING,
    DEAD,
    HAZY,
    INVERTERS_STALLED,
    LOSS,
    METERS_STALLED,
    MISSING,
    NOT_REPORTING,
    OVERCAST,
    SITE,
    Fault,
    RoofScenario,
    solar_midnight,
)

CALIFORNIA = (37.42, -122.08)
MELBOURNE = (-37.81, 144.96)
SYDNEY = (-33.87, 151.21)
SEATTLE = (47.6, -122.3)
JOHANNESBURG = (-26.2, 28.0)
DENVER = (39.7, -105.0)

Span = tuple[tuple[int, float], tuple[int, float]]  # ((day, solar hour), (day, solar hour))


def weather(seed: int, days: int, clear: float, hazy: float, broken: float, overcast: float) -> tuple[str, ...]:
    """Each day's sky drawn with these weights (repeatable)."""
    rng = random.Random(seed)
    return tuple(rng.choices((CLEAR, HAZY, BROKEN, OVERCAST), (clear, hazy, broken, overcast), k=days))


def roof(
    name: str,
    description: str,
    place: tuple[float, float],
    first: date,
    days: int,
    faces: tuple[Face, ...],
    faults: list[tuple[str, int, tuple[int, float], tuple[int, float] | None, float, float]],
    sky: tuple[str, ...],
    obstructions: tuple[Obstruction, ...] = (),
    spread_pct: float = 3.0,
    gaps: tuple[Span, ...] = (),
    bad: tuple[Span, ...] = (),
    seed: int = 11,
) -> RoofScenario:
    """A scenario from solar-time positions: faults are (kind, index, start, end or None, factor, ramp_days)."""
    latitude, longitude = place
    start = solar_midnight(first, longitude)

    def at(moment: tuple[int, float]) -> datetime:
        return start + timedelta(days=moment[0], hours=moment[1])

    model = RoofModel(
        latitude=latitude,
        longitude=longitude,
        faces=faces,
        obstructions=obstructions,
        spread_pct=spread_pct,
        seed=seed,
    )
    return RoofScenario(
        name,
        description,
        model,
        start,
        days,
        tuple(
            Fault(kind, index, at(begin), at(end) if end else None, factor, ramp)
            for kind, index, begin, end, factor, ramp in faults
        ),
        sky,
        tuple((at(a), at(b)) for a, b in gaps),
        tuple((at(a), at(b)) for a, b in bad),
        seed=seed,
    )


def _catalogue() -> list[RoofScenario]:
    ca_quiet_sky = list(weather(5, 28, 0.25, 0.15, 0.35, 0.25))
    ca_quiet_sky[3:6] = [OVERCAST, OVERCAST, BROKEN]
    overcast_week = list(weather(9, 24, 0.4, 0.2, 0.3, 0.1))
    overcast_week[5:12] = [OVERCAST] * 7
    return [
        roof(
            "ca-winter-south-tree",
            "California, December; one south face of 12; a tree shades 3 panels on winter afternoons",
            CALIFORNIA,
            date(2026, 12, 1),
            28,
            (Face("south", 22, 180, 12),),
            [
                (DEAD, 3, (6, 3.0), (8, 12.0), 0.0, 0.0),  # dies at night: seen at dawn
                (LOSS, 10, (9, 10.0), None, 0.70, 0.0),  # 30 % on a tree-shaded panel
                (CREEPING, 5, (12, 0.0), None, 0.85, 3.0),
            ],
            weather(1, 28, 0.45, 0.2, 0.25, 0.1),
            (Obstruction(frozenset({9, 10, 11}), 205, 250, 24, 0.85),),
            gaps=(((7, 11.0), (7, 15.5)), ((16, 1.0), (16, 8.0))),
            bad=(((11, 12.0), (11, 12.2)),),
            seed=21,
        ),
        roof(
            "ca-summer-south-west",
            "California, June; south 8 + west 6, no shade, mostly clear; 20 % on the west face, 10 % creeping south",
            CALIFORNIA,
            date(2026, 6, 1),
            24,
            (Face("south", 20, 180, 8), Face("west", 25, 270, 6)),
            [
                (LOSS, 11, (6, 9.0), None, 0.80, 0.0),
                (MISSING, 2, (10, 14.0), (11, 9.0), 0.0, 0.0),
                (CREEPING, 4, (8, 0.0), None, 0.90, 4.0),
            ],
            weather(2, 24, 0.7, 0.15, 0.1, 0.05),
            spread_pct=2.5,
            gaps=(((13, 12.0), (13, 12.5)),),
            bad=(((15, 9.0), (15, 9.1)),),
            seed=22,
        ),
        roof(
            "ca-winter-three-faces",
            "California, December-January; south 8 + east 5 + west 5, a chimney shades 3 panels on winter mornings",
            CALIFORNIA,
            date(2026, 12, 5),
            28,
            (Face("south", 20, 180, 8), Face("east", 25, 90, 5), Face("west", 25, 270, 5)),
            [
                (LOSS, 10, (7, 13.0), None, 0.75, 0.0),  # 25 % on the small east face
                (NOT_REPORTING, 15, (9, 10.5), (9, 16.0), 0.0, 0.0),
                (DEAD, 17, (12, 12.5), (14, 12.0), 0.0, 0.0),  # dies at lunch
                (LOSS, 8, (16, 0.0), None, 0.85, 0.0),  # 15 % on a chimney-shaded panel
            ],
            weather(3, 28, 0.4, 0.2, 0.3, 0.1),
            (Obstruction(frozenset({0, 8, 9}), 110, 150, 18, 0.9),),
            gaps=(((20, 13.0), (20, 17.0)),),
            bad=(((4, 11.0), (4, 11.2)), ((18, 2.0), (18, 2.3))),
            seed=23,
        ),
        roof(
            "melbourne-winter-north-west",
            "Melbourne, June (southern winter); north 10 + west 6, a tree on 3 north panels on winter afternoons",
            MELBOURNE,
            date(2026, 6, 1),
            28,
            (Face("north", 20, 0, 10), Face("west", 22, 270, 6)),
            [
                (LOSS, 13, (6, 11.0), None, 0.70, 0.0),
                (LOSS, 8, (10, 0.0), None, 0.85, 0.0),  # 15 % on a tree-shaded panel
                (DEAD, 2, (15, 8.0), (16, 18.0), 0.0, 0.0),
            ],
            weather(4, 28, 0.2, 0.2, 0.35, 0.25),
            (Obstruction(frozenset({7, 8, 9}), 300, 335, 22, 0.8),),
            spread_pct=3.5,
            gaps=(((12, 9.0), (12, 11.0)),),
            seed=24,
        ),
        roof(
            "sydney-summer-east-west",
            "Sydney, December (southern summer); east 8 + west 8 and no north face; creeping 20 %, missing, 10 %",
            SYDNEY,
            date(2026, 12, 1),
            24,
            (Face("east", 18, 80, 8), Face("west", 18, 260, 8)),
            [
                (CREEPING, 3, (5, 0.0), None, 0.80, 2.0),
                (MISSING, 12, (9, 6.0), (9, 18.0), 0.0, 0.0),
                (LOSS, 14, (11, 7.0), None, 0.90, 0.0),
            ],
            weather(5, 24, 0.4, 0.1, 0.35, 0.15),
            spread_pct=2.0,
            bad=(((7, 13.0), (7, 13.2)),),
            seed=25,
        ),
        roof(
            "ca-winter-quiet",
            "California, December-January; south 10 + east 6 with a tree and a chimney, stormy; NO fault",
            CALIFORNIA,
            date(2026, 12, 10),
            28,
            (Face("south", 22, 180, 10), Face("east", 30, 95, 6)),
            [],
            tuple(ca_quiet_sky),
            (
                Obstruction(frozenset({7, 8}), 210, 245, 20, 0.9),
                Obstruction(frozenset({10, 11}), 115, 140, 15, 0.95),
            ),
            spread_pct=4.0,
            gaps=(((2, 12.0), (2, 12.3)), ((8, 10.0), (8, 16.0)), ((19, 0.0), (19, 9.5))),
            bad=(((6, 10.0), (6, 10.2)), ((13, 14.0), (13, 14.1)), ((22, 11.0), (22, 11.3))),
            seed=26,
        ),
        roof(
            "ca-spring-big-roof",
            "California, March; 34 inverters on south 16 + west 10 + east 8, a tree on 4 west panels",
            CALIFORNIA,
            date(2026, 3, 1),
            28,
            (Face("south", 20, 180, 16), Face("west", 25, 270, 10), Face("east", 25, 90, 8)),
            [
                (DEAD, 5, (5, 2.0), (6, 12.0), 0.0, 0.0),
                (LOSS, 24, (8, 10.0), None, 0.80, 0.0),  # 20 % on a tree-shaded panel
                (CREEPING, 30, (11, 0.0), None, 0.70, 5.0),
                (LOSS, 12, (14, 0.0), None, 0.90, 0.0),
                (MISSING, 19, (18, 11.0), (18, 11.75), 0.0, 0.0),
                (NOT_REPORTING, 27, (20, 8.0), (21, 9.0), 0.0, 0.0),
            ],
            weather(7, 28, 0.35, 0.2, 0.3, 0.15),
            (Obstruction(frozenset({22, 23, 24, 25}), 240, 275, 25, 0.7),),
            gaps=(((9, 14.0), (9, 14.4)),),
            bad=(((16, 12.0), (16, 12.2)),),
            seed=27,
        ),
        roof(
            "melbourne-summer-steep-north",
            "Melbourne, December; one steep (45°) north-north-east face of 6, 4 % spread; 30 % loss and a dawn death",
            MELBOURNE,
            date(2026, 12, 10),
            21,
            (Face("north", 45, 10, 6),),
            [
                (LOSS, 1, (6, 12.0), None, 0.70, 0.0),
                (DEAD, 4, (12, 0.0), (13, 0.0), 0.0, 0.0),
            ],
            weather(8, 21, 0.45, 0.15, 0.3, 0.1),
            spread_pct=4.0,
            seed=28,
        ),
        roof(
            "ca-winter-overcast-week",
            "California, January; south 6 + west 6, a week of overcast from day 5 with a loss and a death in it",
            CALIFORNIA,
            date(2027, 1, 5),
            24,
            (Face("south", 20, 180, 6), Face("west", 20, 270, 6)),
            [
                (LOSS, 8, (6, 10.0), None, 0.80, 0.0),
                (DEAD, 0, (9, 12.0), (10, 12.0), 0.0, 0.0),
                (CREEPING, 2, (14, 0.0), None, 0.85, 2.0),
            ],
            tuple(overcast_week),
            spread_pct=3.0,
            seed=29,
        ),
        # Held out: written after the detector was tuned on the nine above, and passed unchanged.
        roof(
            "seattle-autumn-se-nw",
            "Seattle, September to October (the equinox); south-east 8 + north-west 6 (a weak face), a tree on 2 "
            "south-east panels in the morning, a cloudy climate; 15 % on the weak face, 10 %, a death, 20 % creeping",
            SEATTLE,
            date(2026, 9, 10),
            42,
            (Face("south-east", 30, 135, 8), Face("north-west", 30, 315, 6)),
            [
                (LOSS, 10, (6, 11.0), None, 0.85, 0.0),
                (LOSS, 5, (12, 0.0), None, 0.90, 0.0),
                (DEAD, 3, (20, 3.0), (21, 12.0), 0.0, 0.0),
                (CREEPING, 12, (25, 0.0), None, 0.80, 4.0),
            ],
            weather(31, 42, 0.2, 0.2, 0.3, 0.3),
            (Obstruction(frozenset({0, 1}), 60, 120, 25, 0.7),),
            spread_pct=3.0,
            seed=41,
        ),
        roof(
            "joburg-winter-north-east",
            "Johannesburg, July (southern winter); a flat north face of 12 and an east face of 4, a chimney on 2 "
            "north panels in the afternoon; 30 % at 9:00, 20 % on the east face, missing for 4 hours",
            JOHANNESBURG,
            date(2026, 7, 1),
            28,
            (Face("north", 10, 0, 12), Face("east", 30, 90, 4)),
            [
                (LOSS, 2, (5, 9.0), None, 0.70, 0.0),
                (LOSS, 13, (10, 0.0), None, 0.80, 0.0),
                (MISSING, 7, (15, 10.0), (15, 14.0), 0.0, 0.0),
            ],
            weather(32, 28, 0.6, 0.2, 0.15, 0.05),
            (Obstruction(frozenset({10, 11}), 280, 330, 30, 0.9),),
            spread_pct=4.0,
            seed=42,
        ),
        roof(
            "denver-tiny-february",
            "Denver, February; a tiny system of 4 on one south face; 25 % from a winter afternoon",
            DENVER,
            date(2027, 2, 1),
            24,
            (Face("south", 35, 170, 4),),
            [(LOSS, 1, (7, 13.0), None, 0.75, 0.0)],
            weather(33, 24, 0.35, 0.2, 0.25, 0.2),
            spread_pct=2.5,
            seed=43,
        ),
        # Added for issue #22 part 4, after the twelve above: the PVS answers while a stream stands still.
        roof(
            "ca-summer-stalled",
            "California, June; south 8 + west 6; the inverters' reports stand still for 4 hours at midday, the "
            "meters' for 3 hours, and the inverters' again from 2:00 until 10:00",
            CALIFORNIA,
            date(2026, 6, 1),
            21,
            (Face("south", 20, 180, 8), Face("west", 25, 270, 6)),
            [
                (INVERTERS_STALLED, SITE, (5, 11.0), (5, 15.0), 0.0, 0.0),
                (METERS_STALLED, SITE, (7, 10.0), (7, 13.0), 0.0, 0.0),
                (INVERTERS_STALLED, SITE, (9, 2.0), (9, 10.0), 0.0, 0.0),
                (DEAD, 3, (11, 9.0), (11, 16.0), 0.0, 0.0),  # the per-inverter detectors still see one
            ],
            weather(34, 21, 0.5, 0.2, 0.2, 0.1),
            spread_pct=3.0,
            seed=44,
        ),
    ]


SCENARIOS: list[RoofScenario] = _catalogue()
