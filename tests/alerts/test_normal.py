"""The learned normal (alerts/normal.py), the roof faces (alerts/faces.py) and the underperformance judge
(alerts/underperf.py), on hand-made roofs: three faces, a tree, a panel spread, nothing configured."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pvs6sup.alerts import detectors, faces, normal, normal_files, underperf
from pvs6sup.alerts.detectors import DetectorState, observe_reading
from pvs6sup.alerts.state import AlertState, load, save
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures

LAT, LON = 37.42, -122.08
SOLAR_MIDNIGHT = datetime(2026, 1, 5, 8, 8, tzinfo=timezone.utc)  # about 00:00 solar time at LON
EAST = [f"E00X0000000{i:04d}" for i in range(1, 5)]
SOUTH = [f"E00X0000000{i:04d}" for i in range(5, 11)]
WEST = [f"E00X0000000{i:04d}" for i in range(11, 14)]
ROOF = EAST + SOUTH + WEST
CENTRE = {**dict.fromkeys(EAST, 9.0), **dict.fromkeys(SOUTH, 12.0), **dict.fromkeys(WEST, 16.0)}
SPREAD = {serial: 0.97 + 0.006 * (index % 6) for index, serial in enumerate(ROOF)}  # a few % apart
TREE = SOUTH[1]  # shaded to 40 % from 14:00 to 15:30 solar time

NEW = "E00X00000009999"
REPLACED = {NEW: SOUTH[4]}  # a new serial where SOUTH[4] was

Loss = Callable[[str, int, float], float]


def clear_kw(serial: str, hour: float) -> float:
    shape = max(0.0, math.cos((hour - CENTRE[serial]) * math.pi / 12)) ** 2
    kw = 0.3 * shape * max(0.0, math.sin((hour - 6.0) * math.pi / 12)) ** 0.5 * SPREAD[serial]
    if serial == TREE and 14.0 <= hour < 15.5:
        kw *= 0.4
    return kw


def no_loss(serial: str, day: int, hour: float) -> float:
    return 1.0


def day_of_readings(day: int, loss: Loss = no_loss, roof: list[str] = ROOF) -> list[Reading]:
    readings = []
    for step in range(7 * 12, 17 * 12):
        hour = step / 12
        when = SOLAR_MIDNIGHT + timedelta(days=day, hours=hour)
        inverters = []
        for serial in roof:
            kw = round(clear_kw(REPLACED.get(serial, serial), hour) * loss(serial, day, hour), 4)
            inverters.append(InverterReading(serial, "working", "AC_Module_Type_E", kw, None, None, None, when))
        total = sum(inv.power_kw or 0.0 for inv in inverters)
        site = SiteFigures(total, None, None, None, None, None, None, None, "inverters")
        readings.append(Reading(when, DeviceList(None, (), tuple(inverters)), site))
    return readings


Seen = list[tuple[datetime, detectors.Judgement]]


def feed(
    days: range,
    loss: Loss = no_loss,
    state: DetectorState | None = None,
    book: normal.MemoryBook | None = None,
    roof: list[str] = ROOF,
    groups: tuple[tuple[str, ...], ...] = (),
) -> tuple[Seen, DetectorState, normal.MemoryBook]:
    state = state or DetectorState()
    book = book or normal.MemoryBook()
    seen = []
    for day in days:
        for reading in day_of_readings(day, loss, roof):
            for judgement in observe_reading(state, reading, groups, LAT, LON, book=book):
                if judgement.kind == detectors.UNDERPERFORMING:
                    seen.append((reading.fetched_at, judgement))
    return seen, state, book


def fired(seen: Seen) -> list[tuple[datetime, str | None]]:
    return [(when, j.serial) for when, j in seen if j.firing]


def test_a_roof_of_three_faces_a_tree_and_a_panel_spread_is_learned_without_an_alarm():
    seen, state, _ = feed(range(12))
    assert fired(seen) == []
    assert [set(face.members) for face in state.faces] == [set(EAST), set(SOUTH), set(WEST)]
    assert faces.describe(state.faces, LAT) == [
        "4 inverters peak at 07:30 solar time (east face)",
        "6 inverters peak at 12:10 solar time (south face)",
        "3 inverters peak at 16:10 solar time (west face)",
    ]
    assert faces.describe(state.faces, -LAT)[1].endswith("(north face)")  # the sun's side in the south
    assert sorted(state.inverters[TREE].siblings) == sorted(s for s in SOUTH if s != TREE)
    judged_clean = {j.serial for _, j in seen if not j.firing}
    assert judged_clean == set(ROOF)  # every inverter is judged once learned, the small west face included


def test_nothing_is_judged_while_the_roof_is_being_learned():
    seen, _, _ = feed(range(5))
    assert seen  # judged once learned, so the next line is not true of nothing
    assert all(when >= SOLAR_MIDNIGHT + timedelta(days=3) for when, _ in seen)


def test_a_sudden_30_percent_loss_fires_within_hours_and_a_15_percent_loss_within_two_days():
    def losses(serial: str, day: int, hour: float) -> float:
        if day >= 5 and serial == EAST[2]:
            return 0.7
        if day >= 5 and serial == SOUTH[3]:
            return 0.85
        return 1.0

    seen, _, _ = feed(range(9), losses)
    first = {}
    for when, serial in fired(seen):
        first.setdefault(serial, when)
    start = SOLAR_MIDNIGHT + timedelta(days=5, hours=7)
    assert set(first) == {EAST[2], SOUTH[3]}
    assert first[EAST[2]] - start < timedelta(hours=4)
    assert first[SOUTH[3]] - start < timedelta(days=2)
    message = next(j.message for _, j in seen if j.firing and j.serial == SOUTH[3])
    assert "of what it usually makes beside its 5 siblings on the south face" in message
    share = int(message.split(" has made ")[1].split(" %")[0])
    assert 80 <= share <= 88


def test_a_10_percent_loss_fires_within_a_week_and_a_creeping_one_too():
    def losses(serial: str, day: int, hour: float) -> float:
        if serial == SOUTH[0] and day >= 4:
            return 0.9
        if serial == WEST[1] and day >= 4:
            return 1 - 0.15 * min(1.0, (day - 4 + hour / 24) / 5)  # 15 % reached over five days
        return 1.0

    seen, _, _ = feed(range(12), losses)
    first = {}
    for when, serial in fired(seen):
        first.setdefault(serial, when)
    assert set(first) == {SOUTH[0], WEST[1]}
    assert first[SOUTH[0]] - (SOLAR_MIDNIGHT + timedelta(days=4)) < timedelta(days=7)


def test_a_fault_is_never_learned_as_normal():
    def losses(serial: str, day: int, hour: float) -> float:
        return 0.75 if serial == SOUTH[2] and day >= 4 else 1.0

    seen, _, _ = feed(range(12), losses)
    late = [j.firing for when, j in seen if j.serial == SOUTH[2] and when > SOLAR_MIDNIGHT + timedelta(days=6)]
    assert late and all(late)  # days later it is still judged low: its normal did not follow it down


def test_inverter_groups_name_the_siblings_instead_of_the_learned_faces():
    groups = (tuple(s[-4:] for s in EAST), tuple(s[-4:] for s in SOUTH + WEST))
    seen, state, _ = feed(range(8), groups=groups)
    assert fired(seen) == []
    assert sorted(state.inverters[WEST[0]].siblings) == sorted(s for s in SOUTH + WEST if s != WEST[0])


def test_a_replaced_inverter_learns_afresh_under_its_new_serial():
    _, state, book = feed(range(6))
    new = NEW
    roof = [new if s == SOUTH[4] else s for s in ROOF]

    def weaker(serial: str, day: int, hour: float) -> float:
        return 0.8 if serial == new else 1.0  # a different model: its own normal, not a fault

    seen, state, book = feed(range(6, 13), weaker, state, book, roof)
    assert [j for _, j in seen if j.serial == new and j.firing] == []
    judged = sorted(when for when, j in seen if j.serial == new)
    assert judged and judged[0] >= SOLAR_MIDNIGHT + timedelta(days=9)  # three days of its own first
    assert underperf.learning(state, book)[new] > 0


def test_close_day_takes_the_median_of_the_first_three_days_then_moves_by_clipped_steps():
    table = normal.BinTable()
    cell = table.cells["E"] = [0.0] * normal.CELL_SIZE
    for day, value in enumerate([0.1, -1.0, 0.12, 5.0]):  # a shadowed day, then a glitch
        normal.add_sample(cell, normal.CLEAR, value)
        normal.close_day(table, f"2026-01-0{day + 2}")
    assert cell[normal.CLEAR + 1] == 4
    assert math.isclose(cell[normal.CLEAR], 0.1 + normal.TUNING.day_weight * normal.TUNING.day_step)
    assert normal.learned_ratio(cell, beam=1.0) == cell[normal.CLEAR]
    assert normal.learned_ratio(cell, beam=0.0) is None  # diffuse light never seen: not judged


def test_a_shadow_on_some_readings_adds_nothing_while_a_steady_loss_fires():
    now = SOLAR_MIDNIGHT
    shaded = normal.Gauge()
    for index in range(60):
        gap = -1.0 if index % 18 < 12 else 0.0  # two of every three readings darkened: still a shadow's share
        normal.step_gauge(shaded, gap, 1.0, now)
    assert not normal.firing(shaded)
    lossy = normal.Gauge()
    steps = 0
    while not normal.firing(lossy):
        normal.step_gauge(lossy, math.log(0.7), 1.0, now)
        steps += 1
    assert steps <= 30  # two and a half hours of full light


def test_the_learned_normal_lives_in_one_small_file_a_bin_and_a_damaged_one_is_learned_afresh(tmp_path: Path):
    book = normal_files.FileBook(tmp_path)
    book.table(40).cells["E00X1"] = [0.5] * normal.CELL_SIZE
    book.table(40).envelope_kw = 3.25
    book.table(41)  # the cycle moved on to the next 20 minutes: 40 goes to its file, 41 travels with the state
    carried = book.save()
    assert set(carried) == {41}
    assert [p.name for p in (tmp_path / normal_files.NORMAL_DIR).iterdir()] == ["040.json"]
    again = normal_files.FileBook(tmp_path, carried)
    assert again.table(40).cells == {"E00X1": [0.5] * normal.CELL_SIZE}
    assert set(again.every_table()) == {40, 41}
    (tmp_path / normal_files.NORMAL_DIR / "040.json").write_text('{"envelope_kw": 1, "cells": {"E": [1')
    healed = normal_files.FileBook(tmp_path)
    assert healed.table(40).cells == {}
    assert (tmp_path / normal_files.NORMAL_DIR / "040.json.damaged").exists()


def test_the_bin_in_use_travels_in_the_alert_state(tmp_path: Path):
    state = AlertState()
    state.carried = {36: normal.BinTable(2.5, "2026-06-21", {"E00X1": [0.25] * normal.CELL_SIZE})}
    save(tmp_path, state)
    assert load(tmp_path).carried == state.carried
