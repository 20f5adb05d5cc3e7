"""The underperformance detector: each working inverter against what it usually makes beside its siblings on
the same roof face (alerts/normal.py), with the faces found weekly, or daily until every inverter has its
siblings (alerts/faces.py). Pure.

Nothing is configured: the normal, the faces and the shade are learned from the readings. INVERTER_GROUPS,
when set, names the siblings instead of the learned faces. An inverter is judged only where its normal and
at least two siblings' normals have been learned at this time of day and kind of light; until then it is
"learning", which `status` shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime

from pvs6sup.alerts import diagnosis, normal
from pvs6sup.alerts.faces import MOST_SIBLINGS, facing, find_faces, seed_siblings
from pvs6sup.alerts.judgement import UNDERPERFORMING, Judgement, clean
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.core.values import mask_serial

FACES_EVERY_DAYS = 7
PEAK_DECAY = 0.9998  # per reading: the site's best output sinks about 6 % a day unless seen again


def judge(
    state: DetectorState,
    powers_kw: dict[str, float],
    book: normal.NormalBook,
    now: datetime,
    day: str,
    solar_hour: float,
    hours: float,
    latitude: float | None,
    groups_given: bool,
    t: normal.Tuning = normal.TUNING,
    solar_time: bool = True,
    seeds: Callable[[], tuple[tuple[str, ...], ...]] | None = None,
) -> list[Judgement]:
    """Judge and learn from the inverters working now (`powers_kw`: serial -> output); `hours` is the time this
    reading stands for (energy); `solar_time` is False when LONGITUDE is unknown (then the hours are UTC's and
    a face cannot be named); `seeds` gives the layout's azimuth groups (LAYOUT_FILE), read only when the faces
    are found. Returns a judgement for each inverter that could be judged."""
    if len(powers_kw) < 3:
        return []
    site_kw = sum(powers_kw.values())
    state.site_peak_kw = max(site_kw, state.site_peak_kw * PEAK_DECAY)
    share = site_kw / state.site_peak_kw if state.site_peak_kw > 0 else 0.0
    if share < t.min_light:
        return []
    light = min(1.0, share / t.full_light)  # dawn and dusk count less; an overcast noon counts fully
    if state.faces_day != day and _faces_due(state, powers_kw, day, seeds is not None):
        _find_faces(state, book, day, groups_given, seeds() if seeds is not None else ())
    table = book.table(normal.bin_of(solar_hour))
    normal.close_day(table, day, t)
    beam = normal.clearness(site_kw, table, t)
    tracks = state.inverters

    suspects = {serial for serial in powers_kw if normal.suspect(tracks[serial].gauge, t)}
    suspects_after = set(suspects)
    # Each learned ratio, and each sibling at par, once per reading (not once for every inverter that compares
    # with it), for each way of reading the normal in use: alike (on one face) or not; usually only one is.
    ratios: dict[bool, dict[str, float]] = {}
    at_par: dict[bool, dict[str, float]] = {}
    for alike in {tracks[serial].alike for serial in powers_kw}:
        learned = ratios[alike] = {}
        for serial in powers_kw:
            ratio = normal.learned_ratio(table.cells.get(serial), beam, t, alike)
            if ratio is not None:
                learned[serial] = ratio
        at_par[alike] = {s: normal.at_par(powers_kw[s], own) for s, own in learned.items() if s not in suspects}
    results: list[Judgement] = []
    for serial, power_kw in powers_kw.items():
        track = tracks[serial]
        mine = ratios[track.alike].get(serial)
        if mine is None:
            continue
        pool = at_par[track.alike]
        expected = normal.expected_kw(mine, [pool[other] for other in track.siblings if other in pool])
        if expected is None or expected <= 0:
            continue
        gauge = track.gauge
        gap = math.log(max(power_kw, 1e-6) / expected)
        smooth = normal.step_gauge(gauge, gap, light, now, t)
        lost_kwh = (expected - power_kw) * hours
        diagnosis.note_judged(track, now, solar_hour, gap, smooth, lost_kwh, gauge.since is not None, t.slack)
        gauge.slow = min(gauge.slow, 3 * t.limit)  # bounded, so that a repair resolves within hours
        gauge.fast = min(gauge.fast, 3 * t.fast_limit)
        if gauge.since is not None:
            gauge.made_kwh += power_kw * hours
            gauge.expected_kwh += expected * hours
        today = _today(state, serial, track, day)
        today[1] += power_kw * hours  # type: ignore[operator]  # rounded when the state is written
        today[2] += expected * hours  # type: ignore[operator]
        now_suspect = normal.suspect(gauge, t, smooth)
        if now_suspect:
            suspects_after.add(serial)  # it teaches nothing this reading either
        else:
            suspects_after.discard(serial)
        if normal.firing(gauge, t):
            results.append(_verdict(state, serial, track, now, latitude, groups_given, solar_time))
        elif smooth is not None and not now_suspect:
            results.append(clean(UNDERPERFORMING, serial))

    site_median = normal.median(list(powers_kw.values()))
    for serial, power_kw in powers_kw.items():
        if power_kw <= 0 or serial in suspects_after:  # suspicion as it stands after this reading
            continue
        cell = table.cells.get(serial)
        if cell is None:
            cell = table.cells[serial] = [0.0] * normal.CELL_SIZE
        if beam >= 0.7:
            normal.add_sample(cell, normal.CLEAR, math.log(power_kw / site_median))
        elif beam <= 0.3:
            normal.add_sample(cell, normal.DIFFUSE, math.log(power_kw / site_median))
    table.envelope_kw = max(site_kw, table.envelope_kw * (1 - t.envelope_decay))
    return results


def _faces_due(state: DetectorState, powers_kw: dict[str, float], day: str, seeded: bool = False) -> bool:
    """The faces are found again weekly (a roof does not move; it costs O(inverters²)), or the first day an
    inverter working now has no siblings yet (the first days after install, a replacement)."""
    if not state.faces_day or any(not state.inverters[serial].siblings for serial in powers_kw):
        return True
    ungrouped = [serial for serial in powers_kw if not state.inverters[serial].group] if seeded else []
    if ungrouped:  # siblings may be the layout's: found again daily until every face is learned
        learned = {serial for face in state.faces for serial in face.members}
        if any(serial not in learned for serial in ungrouped):
            return True
    return (date.fromisoformat(day) - date.fromisoformat(state.faces_day)).days >= FACES_EVERY_DAYS


def _find_faces(
    state: DetectorState, book: normal.NormalBook, day: str, groups_given: bool, seeds: tuple[tuple[str, ...], ...] = ()
) -> None:
    """The faces from the learned normal, each inverter's siblings, and the end of the cells of
    inverters that are gone (replaced ones learn afresh under their new serial). An inverter nothing is learned
    of yet takes its siblings from the layout's azimuth `seeds`, if it is in one."""
    tables = book.every_table()
    known = state.inverters
    for table in tables.values():
        normal.close_day(table, day)
        for serial in [s for s in table.cells if s not in known]:
            del table.cells[serial]
    faces, siblings, ranked = find_faces(tables, known)
    state.faces, state.faces_day = faces, day
    on_a_face = {serial for face in faces if len(face.members) >= 3 for serial in face.members}
    seeded = seed_siblings(faces, siblings, seeds, known) if seeds else {}
    for serial, track in known.items():
        if groups_given and track.group:
            group = {s for s, other in known.items() if other.group == track.group and s != serial}
            alike = [s for s in ranked.get(serial, []) if s in group]  # the most alike first, as on a face
            track.siblings = (alike + sorted(group.difference(alike)))[:MOST_SIBLINGS]
            track.alike = True
        elif serial in seeded:
            track.siblings, track.alike = seeded[serial], True
        else:
            track.siblings = siblings.get(serial, [])
            track.alike = serial in on_a_face


def _today(state: DetectorState, serial: str, track: InverterTrack, day: str) -> list[object]:
    """Today's energy made and expected over judged readings; a finished day goes to `state.closed`, which the
    edge files for the report's trend (the state, rewritten every cycle, keeps only today)."""
    if not track.today or track.today[0] != day:
        if track.today and float(track.today[2]) > 0:  # type: ignore[arg-type]
            state.closed.append([serial, *track.today])
        track.today = [day, 0.0, 0.0]
    return track.today


def _verdict(
    state: DetectorState,
    serial: str,
    track: InverterTrack,
    now: datetime,
    latitude: float | None,
    given: bool,
    solar: bool,
) -> Judgement:
    gauge = track.gauge
    share = gauge.made_kwh / gauge.expected_kwh if gauge.expected_kwh > 0 else None
    since_s = (now - gauge.since).total_seconds() if gauge.since else 0.0
    lost_kwh = max(0.0, gauge.expected_kwh - gauge.made_kwh)
    where = _where(state, serial, track, latitude, given, solar)
    shown = f"{share * 100:.0f} %" if share is not None else "less than"
    days = since_s / 86400
    lost = f"about {lost_kwh / days:.1f} kWh a day" if days >= 1 else f"{lost_kwh:.2f} kWh so far"
    message = (
        f"Inverter {mask_serial(serial)} has made {shown} of what it usually makes beside {where}, "
        f"for {duration(since_s)} ({lost})."
    )
    return Judgement(UNDERPERFORMING, serial, True, message, f"{shown} of its usual output")


def _where(
    state: DetectorState, serial: str, track: InverterTrack, latitude: float | None, given: bool, solar: bool
) -> str:
    count = len(track.siblings)
    siblings = f"its {count} sibling" + ("" if count == 1 else "s")
    if given and track.group:
        return f"{siblings} in INVERTER_GROUPS group {track.group}"
    for face in state.faces:
        if serial in face.members and len(face.members) > 2:
            side = facing(face.peak_hour, latitude) if solar else "same"
            return f"{siblings} on the {side} face"
    return f"{siblings} nearest in how they follow the sun"


def duration(seconds: float) -> str:
    """'40 minutes', '3 hours', '2 days': how long, as a person says it."""
    if seconds < 90 * 60:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    if seconds < 36 * 3600:
        hours = round(seconds / 3600)
        return f"{hours} hours"
    days = round(seconds / 86400)
    return f"{days} days"


def learning(state: DetectorState, book: normal.NormalBook, t: normal.Tuning = normal.TUNING) -> dict[str, int]:
    """How many 20-minute bins of the day each inverter has learned in clear light (status shows who is
    still learning: an inverter is judged only in bins it has learned)."""
    counts = dict.fromkeys(state.inverters, 0)
    for table in book.every_table().values():
        for serial, cell in table.cells.items():
            if serial in counts and cell[normal.CLEAR + 1] >= t.min_days:
                counts[serial] += 1
    return counts


def daily_shares(days: Sequence[Sequence[object]]) -> tuple[tuple[str, float | None], ...]:
    """[day, made, expected] entries as (day, made / expected), None where nothing was expected."""
    out: list[tuple[str, float | None]] = []
    for day, made, expected in days:
        expected_kwh = float(expected)  # type: ignore[arg-type]
        out.append((str(day), float(made) / expected_kwh if expected_kwh > 0 else None))  # type: ignore[arg-type]
    return tuple(out)
