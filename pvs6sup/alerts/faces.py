"""The roof's faces, found from the learned normal: inverters whose share of the site's output rises and falls
alike through the day sit on one face. Pure.

Two inverters on one face keep a nearly constant ratio from morning to evening (a few % of panel spread,
plus a tree's shade for an hour); an east and a west panel swap places across the day. The distance
between two inverters is the median, over the day's bins, of how far their log ratio strays from its own
median: a tree that shades one panel for an hour or two moves it little. Faces are the groups linked by
small distances; each inverter's siblings are the rest of its face (12 of them on a large one), or its
nearest inverters when its face is too small to judge by.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pvs6sup.alerts.normal import BinTable, bin_hour, median
from pvs6sup.core.records import FrozenRecord

SAME_FACE = 0.06  # median stray of the log ratio below which two inverters share a face
PROFILE_DAYS = 1  # clear days a bin needs to count in a profile
MIN_BINS = 6  # bins two inverters must share to be compared (two hours)
NEAREST = 4  # siblings taken by nearness for an inverter whose face has fewer than 3 members
MOST_SIBLINGS = 12  # on a large face, 12 of the others: as good a median, and a cycle stays O(inverters)


class Face(FrozenRecord):
    """One roof face as found: its members and the solar hour at which it makes the most."""

    members: tuple[str, ...]
    peak_hour: float | None


def _profiles(tables: dict[int, BinTable], serials: Iterable[str]) -> dict[str, dict[int, float]]:
    wanted = set(serials)
    profiles: dict[str, dict[int, float]] = {serial: {} for serial in wanted}
    for key, table in tables.items():
        for serial, cell in table.cells.items():
            if serial in wanted and cell[1] >= PROFILE_DAYS:
                profiles[serial][key] = cell[0]
    return profiles


def distance(a: dict[int, float], b: dict[int, float]) -> float:
    """How far apart two profiles are (inf when they share too few bins)."""
    gaps = [value - b[key] for key, value in a.items() if key in b]
    if len(gaps) < MIN_BINS:
        return math.inf
    centre = median(gaps)
    return median([abs(gap - centre) for gap in gaps])


def find_faces(
    tables: dict[int, BinTable], serials: Iterable[str]
) -> tuple[list[Face], dict[str, list[str]], dict[str, list[str]]]:
    """The faces (earliest peak first), each inverter's siblings (none for those not comparable yet), and every
    inverter's others ranked from the most alike."""
    profiles = {s: p for s, p in _profiles(tables, serials).items() if len(p) >= MIN_BINS}
    names = sorted(profiles)
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    near: dict[str, list[tuple[float, str]]] = {name: [] for name in names}
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            apart = distance(profiles[first], profiles[second])
            if apart == math.inf:
                continue
            near[first].append((apart, second))
            near[second].append((apart, first))
            if apart < SAME_FACE:
                parent[root(first)] = root(second)

    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    faces = [Face(tuple(members), _peak_hour(tables, members, profiles)) for members in groups.values()]
    faces.sort(key=lambda face: (face.peak_hour if face.peak_hour is not None else 99.0, face.members))

    siblings: dict[str, list[str]] = {}
    for face in faces:
        for at, serial in enumerate(face.members):
            others = face_siblings(face, at)
            if len(others) < 2:
                others = [other for _, other in sorted(near[serial])[:NEAREST]]
            siblings[serial] = others
    by_likeness = {name: [other for _, other in sorted(near[name])] for name in names}
    return faces, siblings, by_likeness


def seed_siblings(
    faces: list[Face], siblings: dict[str, list[str]], seeds: tuple[tuple[str, ...], ...], serials: Iterable[str]
) -> dict[str, list[str]]:
    """Siblings from the layout's azimuth groups (LAYOUT_FILE) for the inverters nothing has been learned of yet
    (in no face found, no siblings): the others of their group, up to MOST_SIBLINGS. The learned faces win."""
    learned = {serial for face in faces for serial in face.members}
    seeded = {}
    for serial in serials:
        if serial in learned or siblings.get(serial):
            continue
        group = next((members for members in seeds if serial in members), ())
        others = [other for other in group if other != serial][:MOST_SIBLINGS]
        if len(others) >= 2:
            seeded[serial] = others
    return seeded


def face_siblings(face: Face, at: int) -> list[str]:
    """The siblings of the face's member number `at`: the others, or on a large face the next MOST_SIBLINGS of
    them in the face's order (all alike by construction; taken in order, the state file need not list them)."""
    members = face.members
    count = min(MOST_SIBLINGS, len(members) - 1)
    return [members[(at + step) % len(members)] for step in range(1, count + 1)]


def _peak_hour(tables: dict[int, BinTable], members: list[str], profiles: dict[str, dict[int, float]]) -> float | None:
    """The solar hour at which the face makes the most on a clear day: the site's clear envelope × the face's
    median share, averaged over an hour of bins so that one odd bin does not decide."""
    output: dict[int, float] = {}
    for key, table in tables.items():
        shares = [math.exp(profiles[m][key]) for m in members if key in profiles[m]]
        if shares and table.envelope_kw > 0:
            output[key] = table.envelope_kw * median(shares)
    if not output:
        return None
    smooth = {key: sum(output.get(k, 0.0) for k in (key - 1, key, key + 1)) for key in output}
    return bin_hour(max(smooth, key=lambda key: (smooth[key], -key)))


def facing(peak_hour: float | None, latitude: float | None) -> str:
    """Words for where a face points, from when it peaks: 'south', 'west', 'north-east'…"""
    if peak_hour is None:
        return "unknown"
    towards_sun = "north" if latitude is not None and latitude < 0 else "south"
    offset = peak_hour - 12.0
    if abs(offset) < 0.75:
        return towards_sun
    side = "east" if offset < 0 else "west"
    return side if abs(offset) >= 1.75 else f"{towards_sun}-{side}"


def clock(hour: float) -> str:
    whole = int(hour)
    return f"{whole:02d}:{round((hour - whole) * 60) % 60:02d}"


def describe(faces: list[Face], latitude: float | None, longitude: float | None = 0.0) -> list[str]:
    """One line a face, as `status` and the report show them. Without LONGITUDE the hours are UTC's and the
    direction cannot be told."""
    lines = []
    for face in faces:
        count = len(face.members)
        noun = "inverter" if count == 1 else "inverters"
        if face.peak_hour is None:
            lines.append(f"{count} {noun}, no peak yet")
        elif longitude is None:
            lines.append(f"{count} {noun} peak at {clock(face.peak_hour)} UTC (set LONGITUDE to name the face)")
        else:
            when = f"peak at {clock(face.peak_hour)} solar time"
            lines.append(f"{count} {noun} {when} ({facing(face.peak_hour, latitude)} face)")
    return lines
