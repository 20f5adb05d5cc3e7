"""The diagnosis (alerts/diagnosis.py) at its thresholds, exactly at, just under and just over (mutation testing:
bench/mutation.py). The thresholds and the clues' layout (kept in the state file) are written out as numbers here,
not read from the module, so that a changed one is noticed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import diagnosis
from pvs6sup.alerts.diagnosis import diagnose, energy_text, explain, note_judged, observe
from pvs6sup.alerts.judgement import OFFLINE, UNDERPERFORMING, Judgement
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures

NOW = datetime(2026, 6, 10, 20, 0, tzinfo=timezone.utc)  # a whole hour: NOW's hours since 1970 are exact
HOURS = NOW.timestamp() / 3600
ODD = NOW + timedelta(minutes=5)  # its hours have more than 3 decimals (…0.08333)
ODD_HOURS = ODD.timestamp() / 3600
LOW = Judgement(UNDERPERFORMING, "A", True, "A makes 67 % of its usual", "67 % of its usual output")
DEAD = Judgement(OFFLINE, "A", True, "A is producing nothing", "0 W vs 290 W median")
# the clues' layout: 0-9 the figures, then six 2-hour bins of solar time from 06:00, [gap, hour updated] each
V_OWN, V_SIBS, V_N, EFF_OWN, EFF_SIBS, EFF_N, OWED, LOW_SINCE, LAST_LOW, DOWN_OWED = range(10)


def _clues(volts=(54.0, 54.2), volts_n=20, efficiency=(0.95, 0.96), efficiency_n=20, bins=None, last_low_h=0.1):
    """Hand-made clues: `bins` {bin: gap} updated half an hour ago, in a shortfall begun 30 h ago whose last low
    reading was `last_low_h` ago."""
    found = [0.0] * 22
    found[V_OWN], found[V_SIBS], found[V_N] = volts[0], volts[1], volts_n
    found[EFF_OWN], found[EFF_SIBS], found[EFF_N] = efficiency[0], efficiency[1], efficiency_n
    if bins:
        found[LOW_SINCE], found[LAST_LOW] = HOURS - 30, HOURS - last_low_h
        for index, gap in bins.items():
            found[10 + 2 * index], found[11 + 2 * index] = gap, HOURS - 0.5
    return found


def _cause(clues, judgement=LOW):
    return diagnose(judgement, clues, HOURS)[0]


# --- the clues' layout and note_judged ---


@pytest.mark.parametrize(
    ("solar_hour", "at"),
    [(3.0, 10), (6.0, 10), (7.99, 10), (8.0, 12), (12.0, 16), (16.0, 20), (17.99, 20), (18.0, 20), (23.0, 20)],
)
def test_a_judged_reading_goes_to_its_2_hour_bin_of_22_clues(solar_hour, at):
    track = InverterTrack()
    note_judged(track, ODD, solar_hour, -0.3, None, 0.01, True, 0.05)
    assert len(track.clues) == 22
    assert track.clues[at] == -0.3 and track.clues[at + 1] == round(ODD_HOURS, 3) != round(ODD_HOURS, 4)
    assert [i for i, value in enumerate(track.clues) if value and i >= 10] == [at, at + 1]


@pytest.mark.parametrize(("gap", "kept"), [(-0.7, -0.5), (-0.5, -0.5), (0.5, 0.5), (0.7, 0.5)])
def test_a_bins_gap_is_clipped_to_half_either_way(gap, kept):
    track = InverterTrack()
    note_judged(track, NOW, 12.0, gap, None, 0.0, True, 0.05)
    assert track.clues[16] == kept


@pytest.mark.parametrize(("age_h", "followed"), [(71.9, True), (72.0, False), (100.0, False)])
def test_a_bin_follows_its_gap_three_tenths_of_the_way_while_updated_within_72_hours(age_h, followed):
    track = InverterTrack()
    note_judged(track, NOW - timedelta(hours=age_h), 12.0, -0.2, None, 0.0, True, 0.05)
    note_judged(track, NOW, 12.0, -0.31237, None, 0.0, True, 0.05)
    assert track.clues[16] == (-0.2337 if followed else -0.3124)  # -0.2 + 0.3 × (-0.11237); 4 decimals


@pytest.mark.parametrize(("smooth", "low"), [(None, False), (-0.1, False), (-0.105, True), (-0.2, True)])
def test_a_shortfall_begins_below_a_smoothed_gap_of_minus_a_tenth(smooth, low):
    track = InverterTrack()
    note_judged(track, ODD, 12.0, -0.3, smooth, 0.01, True, 0.05)
    assert (track.clues[LOW_SINCE], track.clues[LAST_LOW]) == ((round(ODD_HOURS, 3),) * 2 if low else (0.0, 0.0))


@pytest.mark.parametrize(("pause_h", "new_run"), [(47.0, False), (48.0, False), (49.0, True)])
def test_a_shortfall_is_the_same_one_while_it_recurs_within_48_hours(pause_h, new_run):
    track = InverterTrack()
    note_judged(track, NOW, 12.0, -0.3, -0.3, 0.01, True, 0.05)
    later = NOW + timedelta(hours=pause_h)
    note_judged(track, later, 12.0, -0.3, -0.3, 0.01, True, 0.05)
    assert track.clues[LOW_SINCE] == (later.timestamp() / 3600 if new_run else HOURS)
    assert track.clues[LAST_LOW] == later.timestamp() / 3600


@pytest.mark.parametrize(("gap", "owed"), [(-0.0501, 0.0123456 + 0.01), (-0.05, 0.0), (0.0, 0.0)])
def test_the_energy_owed_counts_below_minus_the_slack_and_is_cleared_above(gap, owed):
    track = InverterTrack()
    note_judged(track, NOW, 12.0, -0.3, -0.3, 0.0123456, True, 0.05)  # a shortfall: clues kept
    assert track.clues[OWED] == 0.01235  # 5 decimals
    note_judged(track, NOW + timedelta(minutes=5), 12.0, gap, None, 0.01, False, 0.05)
    assert track.clues[OWED] == pytest.approx(owed, abs=1e-5)


@pytest.mark.parametrize(("after_h", "kept"), [(47.0, True), (48.0, True), (49.0, False)])
def test_clues_are_kept_for_48_hours_after_the_last_low_reading(after_h, kept):
    track = InverterTrack()
    note_judged(track, NOW, 12.0, -0.3, -0.3, 0.01, True, 0.05)
    note_judged(track, NOW + timedelta(hours=after_h), 12.0, 0.0, 0.0, 0.0, False, 0.05)
    assert bool(track.clues) is kept


def test_what_an_inverter_lost_while_down_keeps_its_clues_past_48_hours():
    track = InverterTrack()
    note_judged(track, NOW, 12.0, -0.3, -0.3, 0.01, True, 0.05)
    track.clues[DOWN_OWED] = 0.4
    note_judged(track, NOW + timedelta(hours=49), 12.0, 0.0, 0.0, 0.0, False, 0.05)
    assert track.clues[DOWN_OWED] == 0.4 and track.clues[OWED] == 0.0


# --- observe: the voltage and efficiency beside the siblings' ---


def _inv(serial, kw, volts=54.0, dc_kw=None):
    dc = (kw / 0.96 if kw else None) if dc_kw is None else dc_kw
    return InverterReading(serial, "working" if kw else "error", None, kw, dc, None, None, NOW, volts)


def _reading(*inverters):
    site = SiteFigures(None, None, None, None, None, None, None, None, None)
    return Reading(NOW, DeviceList(None, (), tuple(inverters)), site)


def _state(serials, peak_kw=None, **siblings):
    tracks = {s: InverterTrack(siblings=siblings.get(s, [o for o in serials if o != s])) for s in serials}
    return DetectorState(site_peak_kw=0.3 * len(serials) if peak_kw is None else peak_kw, inverters=tracks)


def test_a_figure_follows_a_fifth_of_the_way_to_4_decimals():
    state = _state(["A", "B", "C"])
    state.inverters["A"].gauge.since = NOW
    observe(state, _reading(_inv("A", 0.2, 36.0), _inv("B", 0.3), _inv("C", 0.3)), 5 / 60)
    observe(state, _reading(_inv("A", 0.2, 36.1234), _inv("B", 0.3), _inv("C", 0.3)), 5 / 60)
    clues = state.inverters["A"].clues
    assert (clues[V_OWN], clues[V_SIBS], clues[V_N]) == (36.0247, 54.0, 2)  # 36 + 0.2 × 0.1234, 4 decimals


def test_figures_are_followed_when_every_inverter_falls_short():
    state = _state(["A", "B", "C"])
    for track in state.inverters.values():
        track.gauge.since = NOW
    observe(state, _reading(_inv("A", 0.2), _inv("B", 0.2), _inv("C", 0.2)), 5 / 60)
    assert [track.clues[V_N] for track in state.inverters.values()] == [1, 1, 1]


@pytest.mark.parametrize(("median_kw", "told"), [(0.15 * 3.0 / 3, True), (0.15 * 3.0 / 3 * 0.999, False)])
def test_figures_are_told_from_siblings_at_15_percent_of_an_inverters_best(median_kw, told):
    state = _state(["A", "B", "C"], peak_kw=3.0)
    state.inverters["A"].gauge.since = NOW
    observe(state, _reading(_inv("A", 0.1), _inv("B", median_kw), _inv("C", median_kw)), 5 / 60)
    assert state.inverters["A"].clues[V_N : V_N + 1] == ([1] if told else [])


def test_a_sibling_making_nothing_is_not_a_working_one():
    state = _state(["A", "B", "C", "D"])
    state.inverters["A"].offline_streak = 1
    observe(state, _reading(_inv("A", 0.0), _inv("B", 0.3), _inv("C", 0.2), _inv("D", 0.0, 20.0)), 1.0)
    assert state.inverters["A"].clues[DOWN_OWED] == 0.25  # the median of B and C


@pytest.mark.parametrize(("siblings", "lost"), [(["B", "C"], 0.3), (["B"], 0.2)])
def test_two_working_siblings_are_enough_else_the_rest_of_its_group(siblings, lost):
    state = _state(["A", "B", "C", "D", "E"], A=siblings)
    state.inverters["A"].offline_streak = 1
    reading = _reading(_inv("A", 0.0), _inv("B", 0.3), _inv("C", 0.3), _inv("D", 0.1), _inv("E", 0.1))
    observe(state, reading, 1.0)
    assert state.inverters["A"].clues[DOWN_OWED] == lost  # group: median of B, C, D, E


@pytest.mark.parametrize(("own_kw", "lost"), [(0.0123456, 0.28765), (0.35, 0.0)])
def test_a_down_inverter_loses_its_siblings_median_less_what_it_makes_never_below_zero(own_kw, lost):
    state = _state(["A", "B", "C"])
    state.inverters["A"].offline_streak = 1
    observe(state, _reading(_inv("A", own_kw), _inv("B", 0.3), _inv("C", 0.3)), 1.0)
    assert state.inverters["A"].clues[DOWN_OWED] == lost  # 5 decimals


def test_a_panel_without_a_voltage_has_its_efficiency_followed_only():
    state = _state(["A", "B", "C"])
    state.inverters["A"].gauge.since = NOW
    observe(state, _reading(_inv("A", 0.2, None), _inv("B", 0.3), _inv("C", 0.3)), 5 / 60)
    assert (state.inverters["A"].clues[V_N], state.inverters["A"].clues[EFF_N]) == (0, 1)


def test_a_figure_is_counted_up_to_999_readings():
    state = _state(["A", "B", "C"])
    state.inverters["A"].clues = [0.0] * 22
    state.inverters["A"].clues[V_N], state.inverters["A"].clues[EFF_N] = 998, 999
    state.inverters["A"].gauge.since = NOW
    observe(state, _reading(_inv("A", 0.2), _inv("B", 0.3), _inv("C", 0.3)), 5 / 60)
    assert (state.inverters["A"].clues[V_N], state.inverters["A"].clues[EFF_N]) == (999, 999)


@pytest.mark.parametrize(("streak", "counted"), [(0, False), (1, True)])
def test_a_missing_inverter_is_down_from_its_first_missing_reading(streak, counted):
    state = _state(["A", "B", "C", "D"])
    state.inverters["A"].missing_streak = streak
    state.inverters["D"].offline_streak = 1  # something to follow this reading
    observe(state, _reading(_inv("B", 0.3), _inv("C", 0.3), _inv("D", 0.0)), 1.0)
    assert state.inverters["A"].clues == ([0.0] * 9 + [0.3] + [0.0] * 12 if counted else [])


# --- explain ---


def test_only_firing_inverter_judgements_are_explained_and_each_inverter_once():
    state = _state(["A", "B", "C"])
    state.inverters["A"].clues = _clues()
    state.inverters["A"].clues[OWED] = 0.123456
    clean_b = Judgement(UNDERPERFORMING, "B", False)
    also = Judgement(UNDERPERFORMING, "A", True, "A makes less", "")
    out = explain(state, _reading(_inv("A", 0.2), _inv("B", 0.3), _inv("C", 0.3)), [LOW, clean_b, also])
    assert out[0].lost_kwh == 0.1235 and out[1:] == [clean_b, also]  # 4 decimals


@pytest.mark.parametrize(("streaks", "cause"), [((2, 2, 4), diagnosis.BRANCH), ((2, 2, 5), diagnosis.INVERTER)])
def test_inverters_down_within_two_readings_of_each_other_are_their_branch_circuit(streaks, cause):
    serials = ["S0", "S1", "S2", "S3", "S4"]
    state = _state(serials)
    for serial, streak in zip(serials, streaks, strict=False):
        state.inverters[serial].offline_streak = streak
    reading = _reading(_inv("S0", 0.0), _inv("S1", 0.0), _inv("S2", 0.0), _inv("S3", 0.3), _inv("S4", 0.3))
    down = [Judgement(OFFLINE, s, True, f"{s} down", "0 W vs 300 W median") for s in serials[:3]]
    assert {j.cause for j in explain(state, reading, down)} == {cause}  # else: their panels give 54 V


def test_only_inverters_making_nothing_count_toward_a_branch_circuit():
    serials = ["S0", "S1", "S2", "S3", "S4"]
    state = _state(serials)
    for serial in serials[:3]:
        state.inverters[serial].offline_streak = 2
    reading = _reading(_inv("S0", 0.0), _inv("S1", 0.0), _inv("S3", 0.2), _inv("S4", 0.3))
    judgements = [
        Judgement(OFFLINE, "S0", True, "S0 down", "0 W vs 300 W median"),
        Judgement(OFFLINE, "S1", True, "S1 down", "0 W vs 300 W median"),
        Judgement(OFFLINE, "S2", True, "S2 is missing", "missing from the device list"),
        Judgement(UNDERPERFORMING, "S3", True, "S3 makes less", "67 % of its usual output"),
    ]
    assert diagnosis.BRANCH not in {j.cause for j in explain(state, reading, judgements)}


@pytest.mark.parametrize(
    ("a_volts", "others", "cause"),
    [
        (52.0, [(0.3, 54.0), (0.3, 54.0)], diagnosis.INVERTER),
        (52.0, [(0.3, 54.0)], diagnosis.UNKNOWN),  # one sibling's voltage: not enough
        (40.0, [(0.3, 54.0), (0.3, 54.0), (0.0, 20.0), (0.0, 20.0)], diagnosis.UNKNOWN),  # dark ones not counted
        (None, [(0.3, 54.0), (0.3, 54.0)], diagnosis.UNKNOWN),
    ],
)
def test_a_dead_inverters_panel_voltage_now_is_told_beside_its_working_siblings(a_volts, others, cause):
    serials = ["A"] + [f"S{i}" for i in range(len(others))]
    state = _state(serials)
    state.inverters["A"].siblings = [*serials[1:], "GONE"]  # a sibling the PVS no longer lists
    inverters = [_inv("A", 0.0, a_volts)] + [_inv(s, kw, v) for s, (kw, v) in zip(serials[1:], others, strict=True)]
    assert explain(state, _reading(*inverters), [DEAD])[0].cause == cause


# --- diagnose ---


@pytest.mark.parametrize(
    ("volts", "cause"),
    [((0.95 * 54.0, 54.0), diagnosis.INVERTER), ((0.949 * 54.0, 54.0), diagnosis.UNKNOWN), ((40.0, 54.0), "unknown")],
)
def test_a_dead_inverters_panel_is_normal_from_95_percent_of_its_siblings_voltage(volts, cause):
    assert diagnose(DEAD, _clues(), HOURS, volts)[0] == cause


@pytest.mark.parametrize(
    ("ratio", "cause"),
    [(0.849, diagnosis.PANEL), (0.85, diagnosis.UNKNOWN), (0.949, diagnosis.UNKNOWN), (0.95, diagnosis.INVERTER)],
)
def test_a_panel_below_85_percent_is_a_substring_and_from_95_percent_normal(ratio, cause):
    clues = _clues(volts=(ratio * 54.0, 54.0), efficiency=(0.90, 0.96))  # low efficiency: the inverter if normal
    assert _cause(clues) == cause


@pytest.mark.parametrize(("own", "cause"), [(0.96 - 0.05, diagnosis.UNKNOWN), (0.908, diagnosis.INVERTER)])
def test_an_efficiency_more_than_5_points_below_the_siblings_is_the_inverter(own, cause):
    assert _cause(_clues(efficiency=(own, 0.96))) == cause


@pytest.mark.parametrize(("count", "cause"), [(2, diagnosis.UNKNOWN), (3, diagnosis.PANEL)])
def test_a_voltage_is_told_after_3_readings(count, cause):
    assert _cause(_clues(volts=(36.0, 54.0), volts_n=count)) == cause


@pytest.mark.parametrize(("count", "cause"), [(2, diagnosis.UNKNOWN), (3, diagnosis.INVERTER)])
def test_an_efficiency_is_told_after_3_readings(count, cause):
    assert _cause(_clues(efficiency=(0.5, 0.96), efficiency_n=count)) == cause


def test_siblings_without_a_voltage_tell_nothing_and_any_above_0_do():
    assert _cause(_clues(volts=(36.0, 0.0), efficiency=(0.5, 0.96))) == diagnosis.UNKNOWN
    assert _cause(_clues(volts=(0.3, 0.5))) == diagnosis.PANEL


@pytest.mark.parametrize(("last_low_h", "cause"), [(47.0, "shade"), (48.0, "shade"), (49.0, "unknown")])
def test_the_bins_tell_shade_while_the_last_low_reading_is_within_48_hours(last_low_h, cause):
    assert _cause(_clues(bins={0: 0.0, 4: -0.4}, last_low_h=last_low_h)) == cause


@pytest.mark.parametrize(
    ("bins", "cause"),
    [
        ({0: 0.0, 4: -0.15}, diagnosis.SHADE),  # the lowest bin exactly 15 % deep
        ({0: 0.0, 4: -0.16}, diagnosis.SHADE),
        ({0: 0.0, 4: -0.149}, diagnosis.UNKNOWN),
        ({0: -0.04, 4: -0.3}, diagnosis.UNKNOWN),  # -0.04 is not as usual
        ({0: -0.042, 4: -0.3}, diagnosis.UNKNOWN),
        ({0: -0.039, 4: -0.3}, diagnosis.SHADE),
        ({0: 0.0, 4: -0.1}, diagnosis.UNKNOWN),  # -0.1 is not low
        ({0: 0.0, 3: -0.105, 4: -0.2}, diagnosis.SHADE),
    ],
)
def test_shade_is_low_bins_beside_usual_ones_and_one_at_least_15_percent_deep(bins, cause):
    assert _cause(_clues(bins=bins)) == cause


@pytest.mark.parametrize(
    ("bins", "low", "usual"),
    [
        ({0: 0.0, 4: -0.4}, "between 14:00 and 16:00", "between 06:00 and 08:00"),
        ({0: 0.0, 1: 0.0, 4: -0.4}, "between 14:00 and 16:00", "at other hours"),
        ({0: 0.0, 3: -0.1, 4: -0.2}, "between 14:00 and 16:00", "between 06:00 and 08:00"),  # -0.1 is not low
        ({0: 0.0, 3: -0.101, 4: -0.2}, "between 12:00 and 16:00", "between 06:00 and 08:00"),
    ],
)
def test_shade_names_the_hours_low_and_as_usual(bins, low, usual):
    cause, why = diagnose(LOW, _clues(bins=bins), HOURS)
    assert cause == diagnosis.SHADE
    assert why.startswith(f"It makes less only {low} solar time and as usual {usual}:")


@pytest.mark.parametrize(("updated_h", "cause"), [(30.0, diagnosis.SHADE), (30.001, diagnosis.UNKNOWN)])
def test_a_bin_counts_when_updated_from_the_moment_the_shortfall_began(updated_h, cause):
    clues = _clues(bins={0: 0.0, 4: -0.4})  # the shortfall began 30 h ago
    clues[11] = HOURS - updated_h  # the usual bin's last update
    assert _cause(clues) == cause


@pytest.mark.parametrize(("third", "cause"), [(-0.1, diagnosis.UNKNOWN), (-0.101, diagnosis.INVERTER)])
def test_low_at_every_sun_position_means_every_bin_below_minus_a_tenth(third, cause):
    assert _cause(_clues(bins={1: -0.3, 2: -0.3, 3: third})) == cause


@pytest.mark.parametrize(
    ("lost", "days", "price", "text"),
    [
        (0.1, 0.5, None, "About 0.1 kWh lost so far."),
        (0.099, 0.5, None, "About 0.10 kWh lost so far."),
        (3.0, 1.0, None, "About 3.0 kWh lost so far (3.0 kWh a day)."),
        (3.0, 1.5, None, "About 3.0 kWh lost so far (2.0 kWh a day)."),
        (3.0, 0.99, None, "About 3.0 kWh lost so far."),
        (1.0, 0.5, 100.0, "About 1.0 kWh lost so far (100 at 100 a kWh)."),
        (1.0, 0.5, 99.99, "About 1.0 kWh lost so far (99.99 at 99.99 a kWh)."),
    ],
)
def test_energy_lost_in_words_at_a_tenth_of_a_kwh_a_day_and_100_in_money(lost, days, price, text):
    assert energy_text(lost, days, price) == text
