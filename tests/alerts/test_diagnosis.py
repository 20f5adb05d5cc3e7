"""The likely cause of an inverter alert and the energy lost (alerts/diagnosis.py), on hand-made figures: each cause
from the evidence that names it, unknown when the evidence does not, and the energy counted once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import diagnosis
from pvs6sup.alerts.diagnosis import (
    BIN_AT,
    CLUES,
    DOWN_OWED,
    EFF_N,
    EFF_OWN,
    EFF_SIBS,
    LAST_LOW,
    LOW_SINCE,
    OWED,
    V_N,
    V_OWN,
    V_SIBS,
    diagnose,
    energy_text,
    explain,
    note_judged,
    observe,
)
from pvs6sup.alerts.incidents import update
from pvs6sup.alerts.judgement import OFFLINE, UNDERPERFORMING, Judgement
from pvs6sup.alerts.memory import DetectorState, InverterTrack
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures

NOW = datetime(2026, 6, 10, 20, 0, tzinfo=timezone.utc)
HOURS = NOW.timestamp() / 3600
LOW = Judgement(UNDERPERFORMING, "A", True, "A makes 67 % of its usual", "67 % of its usual output")


def clues(volts=(54.0, 54.2), efficiency=(0.95, 0.96), bins=None, since_h=6.0):
    """Figures as diagnosis keeps them: voltages and efficiencies seen 20 times, `bins` {bin: gap} updated within
    the shortfall that began `since_h` hours ago."""
    found = [0.0] * CLUES
    if volts:
        found[V_OWN], found[V_SIBS], found[V_N] = volts[0], volts[1], 20
    if efficiency:
        found[EFF_OWN], found[EFF_SIBS], found[EFF_N] = efficiency[0], efficiency[1], 20
    if bins:
        found[LOW_SINCE], found[LAST_LOW] = HOURS - since_h, HOURS - 0.1
        for index, gap in bins.items():
            found[BIN_AT + 2 * index], found[BIN_AT + 2 * index + 1] = gap, HOURS - 0.5
    return found


def test_a_panel_a_third_down_in_voltage_is_a_failed_bypass_diode_with_its_figures():
    cause, why = diagnose(LOW, clues(volts=(36.1, 54.2), bins={2: -0.4}), HOURS)
    assert cause == diagnosis.PANEL
    assert "36 V while its siblings' is 54 V" in why and "bypass diode" in why and "not the microinverter" in why


def test_normal_voltage_with_low_efficiency_is_the_microinverter():
    cause, why = diagnose(LOW, clues(efficiency=(0.67, 0.95), bins={2: -0.35}), HOURS)
    assert cause == diagnosis.INVERTER
    assert "67 %" in why and "95 %" in why and "voltage is normal" in why


def test_low_at_some_hours_and_usual_at_others_is_shade_even_with_a_panel_voltage_normal():
    cause, why = diagnose(LOW, clues(bins={0: -0.01, 1: 0.0, 4: -0.45, 5: -0.3}, since_h=30), HOURS)
    assert cause == diagnosis.SHADE
    assert "between 14:00 and 18:00" in why and "not a fault" in why


def test_low_at_every_sun_position_with_normal_voltage_and_efficiency_is_the_microinverter():
    cause, why = diagnose(LOW, clues(bins={1: -0.36, 2: -0.35, 3: -0.37}), HOURS)
    assert cause == diagnosis.INVERTER
    assert "30 % low at every sun position" in why


@pytest.mark.parametrize(
    "evidence",
    [
        clues(bins={2: -0.36, 3: -0.35}),  # only two bins seen: shade at those hours is still possible
        clues(volts=None, bins={1: -0.36, 2: -0.35, 3: -0.37}),  # no panel voltage: the panel is not ruled out
        clues(volts=(50.0, 54.2), bins={1: -0.36, 2: -0.35, 3: -0.37}),  # 8 % low: neither normal nor a substring
        clues(bins={0: 0.0, 3: -0.12}),  # low at some hours, but too shallow to be a shadow
    ],
)
def test_what_the_evidence_does_not_tell_is_said_to_be_unknown(evidence):
    cause, why = diagnose(LOW, evidence, HOURS)
    assert cause == diagnosis.UNKNOWN
    assert why.startswith("The cause is not known yet")


def test_a_dead_inverter_whose_panel_still_gives_its_voltage_is_the_microinverter_else_unknown():
    dead = Judgement(OFFLINE, "A", True, "A is producing nothing", "0 W vs 290 W median")
    assert diagnose(dead, clues(), HOURS, (64.0, 54.0))[0] == diagnosis.INVERTER
    assert diagnose(dead, clues(), HOURS, (0.0, 54.0))[0] == diagnosis.UNKNOWN
    assert diagnose(dead, clues(), HOURS, None)[0] == diagnosis.UNKNOWN
    stale = Judgement(OFFLINE, "A", True, "A has not reported", "not reporting")
    cause, why = diagnose(stale, clues(), HOURS)
    assert cause == diagnosis.FROZEN and "the PVS, not the roof" in why
    missing = Judgement(OFFLINE, "A", True, "A is missing", "missing from the device list")
    assert diagnose(missing, clues(), HOURS)[0] == diagnosis.UNKNOWN


def _reading(powers: dict[str, float | None], volts: dict[str, float] | None = None) -> Reading:
    inverters = tuple(
        InverterReading(
            serial,
            "working" if kw else "error",
            None,
            kw,
            kw / 0.96 if kw else None,
            None,
            None,
            NOW,
            (volts or {}).get(serial, 54.0 if kw else None),
        )
        for serial, kw in powers.items()
    )
    site = SiteFigures(None, None, None, None, None, None, None, None, None)
    return Reading(NOW, DeviceList(None, (), inverters), site)


def _state(serials: list[str]) -> DetectorState:
    tracks = {s: InverterTrack(siblings=[o for o in serials if o != s]) for s in serials}
    return DetectorState(site_peak_kw=0.3 * len(serials), inverters=tracks)


def test_several_inverters_down_at_the_same_moment_are_their_branch_circuit_and_two_are_not():
    serials = [f"S{i}" for i in range(8)]
    state = _state(serials)
    for serial in ("S0", "S1", "S2"):
        state.inverters[serial].offline_streak = 2
    reading = _reading({s: (None if s in ("S0", "S1", "S2") else 0.3) for s in serials})
    down = [Judgement(OFFLINE, s, True, f"{s} down", "0 W vs 300 W median") for s in ("S0", "S1", "S2")]
    told = explain(state, reading, down)
    assert {j.cause for j in told} == {diagnosis.BRANCH}
    assert "3 inverters went down at the same moment" in told[0].evidence
    state.inverters["S2"].offline_streak = 40  # down since long before the other two: not one trip
    assert {j.cause for j in explain(state, reading, down)} == {diagnosis.UNKNOWN}


def test_a_dead_inverters_loss_is_its_siblings_median_counted_once_into_its_incident():
    serials = ["A", "B", "C", "D"]
    state = _state(serials)
    state.inverters["A"].offline_streak = 1
    reading = _reading({"A": 0.0, "B": 0.3, "C": 0.31, "D": 0.29})
    observe(state, reading, 5 / 60)  # down for one reading before its alert: counted too
    state.inverters["A"].offline_streak = 2
    observe(state, reading, 5 / 60)
    dead = Judgement(OFFLINE, "A", True, "A is producing nothing", "0 W vs 300 W median")
    incidents: dict = {}
    (raised,) = update(incidents, explain(state, reading, [dead]), NOW)
    assert raised.lost_kwh == pytest.approx(2 * 0.3 * 5 / 60)
    observe(state, reading, 5 / 60)
    update(incidents, explain(state, reading, [dead]), NOW + timedelta(minutes=5))
    assert incidents["inverter:A"].lost_kwh == pytest.approx(3 * 0.3 * 5 / 60)


def test_what_an_inverter_lost_while_starting_late_is_forgotten_once_it_works():
    state = _state(["A", "B", "C"])
    state.inverters["A"].offline_streak = 1  # deep morning shade: down, not yet alerted
    observe(state, _reading({"A": 0.0, "B": 0.3, "C": 0.3}), 5 / 60)
    assert state.inverters["A"].clues[DOWN_OWED] == pytest.approx(0.025)
    state.inverters["A"].offline_streak = 0
    observe(state, _reading({"A": 0.29, "B": 0.3, "C": 0.3}), 5 / 60)
    assert state.inverters["A"].clues[DOWN_OWED] == 0.0  # a later alert does not inherit it


def test_voltage_and_efficiency_are_followed_in_good_light_while_it_falls_short_only():
    serials = ["A", "B", "C"]
    state = _state(serials)
    state.inverters["A"].gauge.since = NOW - timedelta(hours=1)  # its gauge counts a shortfall
    observe(state, _reading({"A": 0.2, "B": 0.3, "C": 0.3}, {"A": 36.0, "B": 54.0, "C": 54.4}), 5 / 60)
    mine = state.inverters["A"].clues
    assert (mine[V_OWN], mine[V_SIBS], mine[V_N]) == (36.0, 54.2, 1)
    assert mine[EFF_OWN] == pytest.approx(0.96) and mine[EFF_N] == 1
    assert state.inverters["B"].clues == []  # working as usual: nothing kept, nothing written each cycle
    observe(state, _reading({"A": 0.005, "B": 0.01, "C": 0.01}, {"A": 20.0, "B": 30.0, "C": 30.0}), 5 / 60)
    assert state.inverters["A"].clues[V_N] == 1  # dawn: its voltage says nothing


def test_the_energy_owed_counts_from_the_first_low_reading_and_a_passing_shadow_starts_no_shortfall():
    track = InverterTrack()
    note_judged(track, NOW, 12.0, -0.4, None, 0.01, False, 0.05)  # a cloud's shadow: the smoothed gap is not low
    assert track.clues[OWED] == 0.01 and track.clues[LOW_SINCE] == 0
    note_judged(track, NOW, 12.0, 0.0, 0.0, -0.001, False, 0.05)  # back to normal: nothing is kept
    assert track.clues == []
    for step in range(3):
        note_judged(track, NOW + timedelta(minutes=5 * step), 12.0, -0.4, -0.4 if step else None, 0.02, False, 0.05)
    assert track.clues[OWED] == pytest.approx(0.06)
    assert track.clues[LOW_SINCE] == pytest.approx((NOW + timedelta(minutes=5)).timestamp() / 3600, abs=1e-3)


def test_an_incident_keeps_a_known_cause_when_a_later_judgement_does_not_know_or_says_another():
    incidents: dict = {}
    known = Judgement(UNDERPERFORMING, "A", True, "low", "", diagnosis.PANEL, "36 V", 0.5)
    unsure = Judgement(UNDERPERFORMING, "A", True, "low", "", diagnosis.UNKNOWN, "not known", 0.25)
    update(incidents, [known], NOW)
    update(incidents, [unsure], NOW + timedelta(minutes=5))
    incident = incidents["inverter:A"]
    assert (incident.cause, incident.evidence, incident.lost_kwh) == (diagnosis.PANEL, "36 V", 0.75)
    repaired = Judgement(UNDERPERFORMING, "A", True, "low", "", diagnosis.SHADE, "low until noon, fine after", 0.1)
    update(incidents, [repaired], NOW + timedelta(minutes=10))  # the charts falling after a repair: not shade
    assert (incident.cause, incident.evidence) == (diagnosis.PANEL, "36 V")


def test_an_incident_learns_its_cause_once_it_is_known():
    incidents: dict = {}
    update(incidents, [Judgement(UNDERPERFORMING, "A", True, "low", "", diagnosis.UNKNOWN, "not known", 0.1)], NOW)
    later = Judgement(UNDERPERFORMING, "A", True, "low", "", diagnosis.SHADE, "16:00 to 18:00", 0.1)
    update(incidents, [later], NOW + timedelta(days=1, minutes=5))
    assert incidents["inverter:A"].cause == diagnosis.SHADE


def test_energy_lost_in_words_per_day_and_in_money_with_a_price():
    assert energy_text(None, 3.0) == ""
    assert energy_text(0.42, 0.2) == "About 0.4 kWh lost so far."
    assert energy_text(0.04, 0.2, 0.3) == "About 0.04 kWh lost so far (0.01 at 0.30 a kWh)."
    assert energy_text(4.2, 3.0) == "About 4.2 kWh lost so far (1.4 kWh a day)."
    assert energy_text(4.2, 3.0, 0.3) == (
        "About 4.2 kWh lost so far (1.4 kWh a day; at 0.30 a kWh, 0.42 a day, 153 a year if it stays so)."
    )
