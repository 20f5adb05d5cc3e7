"""The daily rollup's rules at their thresholds (mutation testing: bench/mutation.py): a repeated reading,
yesterday's midnight, the jump bound of 1 kW an inverter, three notes a row, a failure on an earlier day."""

from datetime import date, datetime, timedelta, timezone

import pytest

from pvs6sup.core import rollup
from pvs6sup.core.rollup_records import DayState, Observation, Sample, Tally

UTC = timezone.utc
T0 = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def _obs(at, site_kwh=None, inverters=(), site_kw=None):
    """inverters: (serial, kw, kWh) triples."""
    return Observation(
        at,
        Sample(rollup.SITE, site_kw, site_kwh),
        tuple(Sample(serial, kw, kwh, "working", None, None) for serial, kw, kwh in inverters),
    )


def _row(rows, serial):
    [row] = [r for r in rows if r.serial == serial]
    return row


def test_a_reading_not_newer_than_the_last_is_ignored():
    state = DayState()
    rollup.observe(state, _obs(T0, 100.0), UTC)
    rollup.observe(state, _obs(T0, 200.0), UTC)
    rollup.observe(state, _obs(T0 - MIN, 100.5), UTC)
    assert state.tallies[rollup.SITE].readings == 1
    rollup.observe(state, _obs(T0 + timedelta(seconds=1), 100.001), UTC)
    assert state.tallies[rollup.SITE].readings == 2
    assert state.tallies[rollup.SITE].energy_kwh == pytest.approx(0.001)


def test_a_delta_from_yesterdays_midnight_counts_one_from_before_does_not():
    midnight = datetime(2026, 6, 20, 0, 0, tzinfo=UTC)
    for last_at, counted in ((midnight, True), (midnight - timedelta(seconds=1), False)):
        state = DayState()
        state.tallies[rollup.SITE] = Tally(last_kwh=100.0, last_at=last_at.timestamp())
        state.day = date(2026, 6, 21)
        rollup.observe(state, _obs(T0, 101.0), UTC)
        tally = state.tallies[rollup.SITE]
        if counted:
            assert tally.energy_kwh == pytest.approx(1.0) and tally.excluded == 0
        else:
            assert tally.energy_kwh is None and tally.excluded == 1
            assert tally.notes == [["12:00", "12:00", "1 kWh made while not recording", 1]]
        assert tally.last_kwh == 101.0


def test_an_inverters_jump_is_bounded_by_one_kilowatt():
    # 5 minutes at 1 kW with the 1.5 slack and 0.01 rounding: 0.135 kWh at most
    for made, trusted in ((0.13, True), (0.14, False)):
        state = DayState()
        rollup.observe(state, _obs(T0, None, [("A", 0.5, 10.0)]), UTC)
        rollup.observe(state, _obs(T0 + 5 * MIN, None, [("A", 0.5, 10.0 + made)]), UTC)
        tally = state.tallies["A"]
        assert (tally.energy_kwh is not None) == trusted, made


@pytest.mark.parametrize(("count", "made", "trusted"), [(0, 0.13, True), (0, 0.14, False), (2, 0.26, True)])
def test_the_sites_jump_is_bounded_by_one_kilowatt_an_inverter_and_at_least_one(count, made, trusted):
    inverters = [(f"S{i}", 0.1, None) for i in range(count)]
    state = DayState()
    rollup.observe(state, _obs(T0, 10.0, inverters), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 10.0 + made, inverters), UTC)
    assert (state.tallies[rollup.SITE].energy_kwh is not None) == trusted


def test_three_runs_of_problems_are_named_and_the_rest_counted():
    tally = Tally()
    stamp = T0.timestamp()
    for n, why in enumerate(["reads 0", "went down from 2 to 1 kWh", "reads 0", "unknown", "jumped 9 kWh"]):
        rollup._exclude(tally, stamp + 60 * n, UTC, why)
    assert [note[2] for note in tally.notes] == ["reads 0", "went down from 2 to 1 kWh", "reads 0"]
    assert tally.excluded == 5
    assert rollup._why(tally) == "12:00 reads 0; 12:01 went down from 2 to 1 kWh; 12:02 reads 0; +2 more"


def test_a_run_of_one_kind_is_one_note():
    tally = Tally()
    for n in range(3):
        rollup._exclude(tally, T0.timestamp() + 60 * n, UTC, f"went down from {5 - n} to 1 kWh")
    assert tally.notes == [["12:00", "12:02", "went down from 5 to 1 kWh", 3]]
    assert rollup._why(tally) == "12:00-12:02 went down from 5 to 1 kWh (3 readings)"
    assert rollup._why(Tally()) == ""


def test_a_failure_counts_on_the_same_day_finishes_a_day_on_a_later_one_and_not_an_earlier_one():
    state = DayState()
    assert rollup.note_failure(state, T0, UTC) == []
    assert (state.day, state.pvs_failures) == (date(2026, 6, 21), 1)
    rollup.observe(state, _obs(T0 + MIN, 1.0), UTC)
    assert rollup.note_failure(state, T0 + 2 * MIN, UTC) == []
    assert state.pvs_failures == 2
    rollup.note_failure(state, T0 - timedelta(days=1), UTC)  # the clock stepped back a day
    assert (state.day, state.pvs_failures) == (date(2026, 6, 21), 2)
    [site] = rollup.note_failure(state, T0 + timedelta(days=1), UTC)
    assert site.pvs_failures == 2 and (state.day, state.pvs_failures) == (date(2026, 6, 22), 1)


def test_a_new_day_forgets_an_inverter_absent_all_day_and_keeps_the_rest():
    state = DayState()
    rollup.observe(state, _obs(T0, 1.0, [("A", 0.1, 5.0), ("B", 0.1, 5.0)]), UTC)
    next_day = T0 + timedelta(days=1)
    finished = rollup.observe(state, _obs(next_day, 1.0, [("A", 0.1, 5.0)]), UTC)
    assert [r.serial for r in finished] == [rollup.SITE, "A", "B"]
    assert state.tallies["B"].readings == state.tallies["B"].no_data == 1  # missing all of the new day so far
    finished = rollup.observe(state, _obs(next_day + timedelta(days=1), 1.0, [("A", 0.1, 5.0)]), UTC)
    assert "B" not in state.tallies and [r.serial for r in finished] == [rollup.SITE, "A", "B"]
    assert state.tallies["A"].last_kwh == 5.0 and state.tallies["A"].readings == 1


def test_peak_and_no_data():
    state = DayState()
    rollup.observe(state, _obs(T0, None, [("A", 0.2, None)]), UTC)
    rollup.observe(state, _obs(T0 + MIN, None, [("A", 0.3, None)]), UTC)
    rollup.observe(state, _obs(T0 + 2 * MIN, None, [("A", 0.1, None)]), UTC)
    rollup.observe(state, _obs(T0 + 3 * MIN, None, [("A", None, None)]), UTC)
    [site, a] = rollup.rows(state)
    assert (a.peak_kw, a.readings, a.no_data, a.energy_kwh) == (0.3, 4, 1, None)
    assert (site.readings, site.no_data, site.pvs_failures) == (4, 4, 0)


def test_a_reset_register_is_trusted_after_two_consistent_readings():
    state = DayState()
    rollup.observe(state, _obs(T0, 500.0), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 2.0), UTC)  # reset: went down
    assert state.tallies[rollup.SITE].last_kwh == 500.0
    rollup.observe(state, _obs(T0 + 10 * MIN, 2.05), UTC)  # grows from the new value
    tally = state.tallies[rollup.SITE]
    assert tally.last_kwh == 2.05 and tally.candidate_kwh is None and tally.energy_kwh is None
    rollup.observe(state, _obs(T0 + 15 * MIN, 2.1), UTC)
    assert state.tallies[rollup.SITE].energy_kwh == pytest.approx(0.05)


def test_a_one_reading_spike_is_never_trusted_and_a_zero_is_no_candidate():
    state = DayState()
    rollup.observe(state, _obs(T0, 500.0), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 0.0), UTC)
    assert state.tallies[rollup.SITE].candidate_kwh is None
    rollup.observe(state, _obs(T0 + 10 * MIN, 900.0), UTC)
    rollup.observe(state, _obs(T0 + 15 * MIN, 500.01), UTC)
    tally = state.tallies[rollup.SITE]
    assert tally.last_kwh == 500.01 and tally.energy_kwh == pytest.approx(0.01) and tally.excluded == 2


def test_rows_leave_out_an_inverter_never_read_today():
    state = DayState(day=date(2026, 6, 21))
    state.tallies[rollup.SITE] = Tally()
    state.tallies["A"] = Tally(readings=0)
    state.tallies["B"] = Tally(readings=1)
    assert [r.serial for r in rollup.rows(state)] == [rollup.SITE, "B"]
    assert rollup.rows(DayState()) == []


def test_a_daily_line_parses_back_and_a_short_one_does_not():
    state = DayState()
    rollup.observe(state, _obs(T0, 1.0, [("A", 0.1, 5.0)]), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 1.02, [("A", 0.1, 5.01)]), UTC)
    found = rollup.rows(state)
    lines = rollup.encode_rows(found).decode().splitlines()
    parsed = [rollup.parse_row(line.split(",")) for line in lines]
    assert [(r.serial, r.readings, r.excluded_why) for r in parsed] == [(r.serial, r.readings, "") for r in found]
    assert [r.energy_kwh for r in parsed] == [0.02, 0.01]
    assert rollup.parse_row(lines[0].split(",")[:-1]) is None
    assert rollup.parse_row([*lines[0].split(","), "x"]) is None
    assert rollup.parse_row(rollup.header().decode().strip().split(",")) is None


def test_a_rebuild_leaves_the_open_day_with_no_failures_and_its_rows_with_unknown():
    observations = [_obs(T0, 1.0), _obs(T0 + timedelta(days=1), 1.5)]
    finished, state = rollup.rebuild(observations, UTC)
    assert state.pvs_failures == 0
    assert [(r.serial, r.pvs_failures, r.readings) for r in finished] == [(rollup.SITE, None, 1)]


def test_a_register_reset_under_one_kilowatt_hour_is_trusted_too():
    state = DayState()
    rollup.observe(state, _obs(T0, 500.0), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 0.5), UTC)
    rollup.observe(state, _obs(T0 + 10 * MIN, 0.55), UTC)
    assert state.tallies[rollup.SITE].last_kwh == 0.55


def test_a_new_register_value_that_then_jumps_is_not_trusted():
    state = DayState()
    rollup.observe(state, _obs(T0, 500.0), UTC)
    rollup.observe(state, _obs(T0 + 5 * MIN, 2.0), UTC)
    rollup.observe(state, _obs(T0 + 10 * MIN, 50.0), UTC)  # 48 kWh in 5 minutes from the candidate: no
    tally = state.tallies[rollup.SITE]
    assert tally.last_kwh == 500.0 and tally.candidate_kwh == 50.0


def test_one_problem_past_the_notes_is_one_more():
    tally = Tally()
    for n, why in enumerate(["reads 0", "went down from 2 to 1 kWh", "unknown", "jumped 9 kWh"]):
        rollup._exclude(tally, T0.timestamp() + 60 * n, UTC, why)
    assert rollup._why(tally).endswith("; 12:02 unknown; +1 more")


def test_a_daily_line_keeps_its_failures_apart_from_its_exclusions():
    row = rollup.parse_row(["2026-06-21", "site", "1.5", "0.9", "288", "3", "7", "2", "12:00 reads 0"])
    assert row is not None
    assert (row.readings, row.no_data, row.pvs_failures, row.excluded) == (288, 3, 7, 2)
    assert rollup.parse_row(["2026-06-21", "A", "", "", "1", "0", "", "0", ""]).pvs_failures is None


def test_a_reading_in_the_csvs_twice_takes_its_inverter_rows_once():
    readings = [{"timestamp": T0.isoformat(), "production_kw": "1"}] * 2
    readings.append({"timestamp": (T0 + 5 * MIN).isoformat(), "production_kw": "1"})
    inverters = [
        {"timestamp": T0.isoformat(), "serial": "A", "power_kw": "0.1"},
        {"timestamp": (T0 + 5 * MIN).isoformat(), "serial": "A", "power_kw": "0.2"},
    ]
    found = list(rollup.observations_from_csv(readings, inverters))
    assert [len(o.inverters) for o in found] == [1, 0, 1]
    assert found[2].inverters[0].power_kw == 0.2


@pytest.mark.parametrize(("value", "kept"), [(-0.00004, "0.0"), (-0.0, "0.0"), (1.23456, "1.2346"), (None, "None")])
def test_a_figure_is_kept_as_the_csv_writes_it_to_4_decimals_never_as_minus_0(value, kept):
    assert repr(rollup._csv_float(value)) == kept
