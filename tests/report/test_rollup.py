"""The daily rollup: energy from lifetime deltas, the glitch guard, gaps, kill-safety and rebuild."""

from __future__ import annotations

import contextlib
import csv
from collections import defaultdict
from datetime import date, datetime

import pytest

from pvs6sup.core import rollup
from pvs6sup.store import csvlog, rollup_file
from tests.support.report_sim import ZONE, Plan, local, simulate


def serial(index: int) -> str:
    return f"E00X000007{index + 1:05d}"


def glitchy_plan() -> Plan:
    plan = Plan(days=3, inverter_count=6, failed=frozenset({4}))
    plan.gaps = [(local(1, 10, plan), local(1, 14, plan))]  # day 2: the Pi off over midday
    zero_from, zero_to = local(0, 11, plan), local(0, 12.5, plan)
    spike_at, drop_at = local(0, 15, plan), local(2, 9, plan)

    def inverter_glitch(moment: datetime, device: dict) -> str | None:
        if zero_from <= moment < zero_to:
            return "0"  # reads 0 for 90 minutes, then recovers
        if moment == spike_at:
            return str(float(device["ltea_3phsum_kwh"]) + 500)  # an impossible jump, once
        return None

    def meter_glitch(moment: datetime, device: dict) -> str | None:
        return "12.5" if moment == drop_at else None  # the register steps far down, once

    plan.glitches = {serial(1): inverter_glitch, "site": meter_glitch}
    return plan


def run_live(tmp_path, plan: Plan, write_csv: bool = False) -> dict[date, dict[str, float]]:
    """Feed every reading to the rollup; return each day's true energy (last truth - previous last truth)."""
    last_truth: dict[str, float] = {}
    energy: dict[date, dict[str, float]] = defaultdict(dict)
    for sim in simulate(plan):
        if write_csv:
            csvlog.append_reading(tmp_path, sim.reading, ZONE)
        rollup_file.record(tmp_path, sim.reading, ZONE)
        day = sim.reading.fetched_at.astimezone(ZONE).date()
        for key, kwh in sim.truth_kwh.items():
            start = last_truth.get(key, kwh)
            energy[day][key] = energy[day].get(key, 0.0) + kwh - start
            last_truth[key] = kwh
    return energy


def daily_rows(path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_energy_equals_the_lifetime_deltas_through_glitches_and_a_gap(tmp_path):
    plan = glitchy_plan()
    truth = run_live(tmp_path, plan)
    rows = daily_rows(tmp_path / "daily.csv")
    days = sorted(truth)[:-1]  # the last day is still open (in the state, not in daily.csv)
    assert sorted({r["date"] for r in rows}) == [d.isoformat() for d in days]
    assert len(rows) == len(days) * (1 + plan.inverter_count)
    for row in rows:
        expected = truth[date.fromisoformat(row["date"])][row["serial"]]
        assert float(row["energy_kwh"]) == pytest.approx(expected, abs=1e-6), row
    by_key = {(r["date"], r["serial"]): r for r in rows}
    day0, day1 = days[0].isoformat(), days[1].isoformat()
    glitched = by_key[(day0, serial(1))]
    assert int(glitched["excluded"]) == 19  # 18 readings of 0 and one jump
    assert glitched["excluded_why"].startswith("11:00-12:25 reads 0 (18 readings); 15:00 jumped 500.0")
    assert glitched["excluded_why"].endswith("kWh in 300 s, more than 1 kW could make")
    dead = by_key[(day0, serial(4))]
    assert float(dead["energy_kwh"]) == 0 and dead["no_data"] == "0"  # dead is 0 kWh, not unknown
    healthy = by_key[(day0, serial(0))]
    assert healthy["excluded"] == "0" and healthy["excluded_why"] == ""
    assert float(healthy["peak_kw"]) > 0.25
    assert int(by_key[(day1, "site")]["readings"]) == 288 - 48  # the 4-hour gap
    assert by_key[(day1, "site")]["pvs_failures"] == "0"
    assert by_key[(day0, "site")]["readings"] == "288"

    state = rollup_file.load_state(tmp_path)  # the open day: the site's drop is noted there
    assert state.tallies["site"].excluded == 1
    assert state.tallies["site"].energy_kwh == pytest.approx(truth[max(truth)]["site"], abs=1e-6)
    assert state.tallies["site"].notes[0][2].endswith(" to 12.5 kWh")


def test_a_kill_between_the_append_and_the_state_never_writes_a_day_twice(tmp_path, monkeypatch):
    plan = Plan(days=2, inverter_count=3, failed=frozenset())
    readings = [s.reading for s in simulate(plan)]
    real_save = rollup_file.save_state
    killed = []

    def kill_at_day_change(data_dir, state):
        if state.day and state.day.day == 21 and not killed:
            killed.append(state.day)
            raise KeyboardInterrupt("killed")  # daily.csv appended, the state never saved
        real_save(data_dir, state)

    monkeypatch.setattr(rollup_file, "save_state", kill_at_day_change)
    for reading in readings:
        with contextlib.suppress(KeyboardInterrupt):
            rollup_file.record(tmp_path, reading, ZONE)
    assert killed
    rows = daily_rows(tmp_path / "daily.csv")
    keys = [(r["date"], r["serial"]) for r in rows]
    assert len(keys) == len(set(keys)) == 4  # day 1: the site and 3 inverters, once


def test_a_torn_append_is_completed_not_duplicated(tmp_path):
    plan = Plan(days=2, inverter_count=3, failed=frozenset())
    readings = [s.reading for s in simulate(plan)]
    boundary = next(i for i, r in enumerate(readings) if r.fetched_at.astimezone(ZONE).day == 21)
    for reading in readings[: boundary + 1]:
        rollup_file.record(tmp_path, reading, ZONE)
    path = tmp_path / "daily.csv"
    whole = path.read_bytes()
    lines = whole.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + lines[3][:10])  # killed in the middle of the append: a torn row
    state = rollup_file.load_state(tmp_path)
    state.day, state.last_at = date(2026, 6, 20), None  # ...and before the state moved on
    rollup_file.save_state(tmp_path, state)
    # the state's tallies are already the new day's, so recompute the finished rows from the original text
    finished = [rollup.parse_row(next(csv.reader([line.decode()]))) for line in lines[1:]]
    rollup_file._finish(tmp_path, [r for r in finished if r])
    assert path.read_bytes() == whole


@pytest.mark.slow
def test_rebuild_from_the_csvs_gives_the_rows_the_cycle_wrote(tmp_path):
    live, rebuilt = tmp_path / "live", tmp_path / "rebuilt"
    run_live(live, glitchy_plan(), write_csv=True)
    with (live / "readings.csv").open(newline="") as r, (live / "inverters-2026-06.csv").open(newline="") as i:
        days = rollup_file.rebuild(rebuilt, csv.DictReader(r), csv.DictReader(i), ZONE)
    assert days == 2

    def without_failures(path):
        return [{k: v for k, v in row.items() if k != "pvs_failures"} for row in daily_rows(path)]

    assert without_failures(rebuilt / "daily.csv") == without_failures(live / "daily.csv")
    assert {r["pvs_failures"] for r in daily_rows(rebuilt / "daily.csv")} == {""}  # not in the CSVs: unknown
    assert (
        rollup.state_to_json(rollup_file.load_state(rebuilt))["tallies"]
        == rollup.state_to_json(rollup_file.load_state(live))["tallies"]
    )


def test_pvs_failures_count_on_the_site_row_and_a_replayed_reading_is_ignored(tmp_path):
    plan = Plan(days=1, inverter_count=2, failed=frozenset())
    readings = [s.reading for s in simulate(plan)][:10]
    for reading in readings:
        rollup_file.record(tmp_path, reading, ZONE)
    rollup_file.record(tmp_path, readings[3], ZONE)  # an older reading again: ignored
    rollup_file.record_failure(tmp_path, readings[-1].fetched_at, ZONE)
    state = rollup_file.load_state(tmp_path)
    [site] = [r for r in rollup.rows(state) if r.serial == "site"]
    assert (site.readings, site.pvs_failures) == (10, 1)


def test_a_damaged_state_is_set_aside_and_the_rollup_starts_afresh(tmp_path, caplog):
    (tmp_path / "rollup-state.json").write_text("{not json")
    assert rollup_file.load_state(tmp_path).day is None
    assert (tmp_path / "rollup-state.json.damaged").exists()
    assert "started afresh" in caplog.text


def test_read_since_reads_the_tail_of_a_long_file(tmp_path):
    rows = [
        rollup.DailyRow(date.fromordinal(date(2025, 1, 1).toordinal() + d), s, 1.5, 0.3, 288, 0, None, 0, "")
        for d in range(400)
        for s in ("site", *(f"E{i:03d}" for i in range(30)))
    ]
    (tmp_path / "daily.csv").write_bytes(rollup.header() + rollup.encode_rows(rows))
    since = date(2026, 1, 1)
    found = rollup_file.read_since(tmp_path, since)
    assert found == [r for r in rows if r.day >= since]
    assert rollup_file.read_since(tmp_path, date(2024, 1, 1)) == rows


# The open day's state after glitchy_plan(), as the dataclasses.asdict encoder wrote it (before the rollup's
# records replaced its dataclasses): the live cycle still writes these very bytes.
GLITCHY_STATE = (
    b'{"version":1,"day":"2026-06-22","last_at":1782197700.0,"pvs_failures":0,"tallies":{'
    b'"site":{"energy_kwh":11.420000000000073,"peak_kw":1.4669,"readings":288,"excluded":1,'
    b'"notes":[["09:00","09:00","went down from 15603.44 to 12.5 kWh",1]],"last_kwh":15613.99,'
    b'"last_at":1782197700.0},'
    b'"E00X00000700001":{"energy_kwh":2.2988000000000284,"peak_kw":0.2954,"readings":288,'
    b'"last_kwh":2637.761,"last_at":1782197700.0,"state":"error","temperature_c":18.0,'
    b'"reported_at":1782184800.0},'
    b'"E00X00000700002":{"energy_kwh":2.2743000000000393,"peak_kw":0.2923,"readings":288,'
    b'"last_kwh":2565.5186,"last_at":1782197700.0,"state":"error","temperature_c":18.0,'
    b'"reported_at":1782184800.0},'
    b'"E00X00000700003":{"energy_kwh":2.344500000000153,"peak_kw":0.301,"readings":288,'
    b'"last_kwh":2797.5599,"last_at":1782197700.0,"state":"error","temperature_c":18.0,'
    b'"reported_at":1782184800.0},'
    b'"E00X00000700004":{"energy_kwh":2.2630999999996675,"peak_kw":0.2905,"readings":288,'
    b'"last_kwh":2425.4464,"last_at":1782197700.0,"state":"error","temperature_c":18.0,'
    b'"reported_at":1782184800.0},'
    b'"E00X00000700005":{"energy_kwh":0.0,"peak_kw":0.0,"readings":288,"last_kwh":2743.3874,'
    b'"last_at":1782197700.0,"state":"error","temperature_c":18.0,"reported_at":1781981700.0},'
    b'"E00X00000700006":{"energy_kwh":2.3049999999998363,"peak_kw":0.2958,"readings":288,'
    b'"last_kwh":2522.7824,"last_at":1782197700.0,"state":"error","temperature_c":18.0,'
    b'"reported_at":1782184800.0}}}'
)


@pytest.mark.slow
def test_the_live_state_file_holds_the_bytes_the_former_encoder_wrote(tmp_path):
    run_live(tmp_path, glitchy_plan())
    assert (tmp_path / "rollup-state.json").read_bytes() == GLITCHY_STATE
