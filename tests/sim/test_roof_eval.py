"""The evaluation harness's own bookkeeping on one short roof: generate -> Replayer -> evaluate -> table.

Not the detector's quality (bench/alerts_eval.py reports that): which fault an event is matched to, what
counts as a false alarm, and latency in daylight minutes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bench.alerts_eval import evaluate_roof, roofs_markdown
from pvs6sup.alerts.incidents import Event
from pvs6sup.sim.roof import Face, Obstruction, RoofModel
from tests.support.sim.roofs import (
    BROKEN,
    CLEAR,
    CREEPING,
    DEAD,
    LOSS,
    OVERCAST,
    Fault,
    RoofScenario,
    day_length_min,
    daylight_minutes,
    evaluate,
    solar_midnight,
    target_min,
)

LAT, LON = 37.42, -122.08
START = solar_midnight(date(2026, 12, 1), LON)


def at(day: int, hour: float) -> datetime:
    return START + timedelta(days=day, hours=hour)


SHORT = RoofScenario(
    "short",
    "6 days, 6 inverters on two faces",
    RoofModel(
        latitude=LAT,
        longitude=LON,
        faces=(Face("south", 20, 180, 4), Face("west", 25, 270, 2)),
        obstructions=(Obstruction(frozenset({3}), 205, 250, 24, 0.8),),
        seed=31,
    ),
    START,
    6,
    (Fault(DEAD, 1, at(5, 3.0)),),
    (CLEAR, BROKEN, OVERCAST, CLEAR, BROKEN, CLEAR),
    gaps=((at(2, 12.0), at(2, 13.0)),),
    bad_answers=((at(3, 9.0), at(3, 9.1)),),
)


@pytest.fixture(scope="module")
def result():
    return evaluate_roof(SHORT, groups="learned")


def test_the_whole_chain_runs_and_counts_its_captures(result) -> None:
    (run,) = result.passes
    assert run.groups == "learned"
    assert run.captures == 6 * 288 - 12  # the hour the Pi was off
    assert run.unusable == 2  # the garbage answers


def test_the_dead_fault_is_reported_against_its_own_serial(result) -> None:
    (outcome,) = result.passes[0].outcomes
    assert outcome.serial == SHORT.serial(1)
    assert outcome.target_min == 15
    assert outcome.raised is None or outcome.raised >= at(5, 3.0)


def test_a_raised_event_on_a_healthy_serial_is_a_false_alarm_and_one_on_the_fault_is_matched() -> None:
    healthy = Event(at(5, 14.0), "raised", "inverter_underperforming", SHORT.serial(4), "made little")
    early = Event(at(4, 12.0), "raised", "inverter_offline", SHORT.serial(1), "before its fault")
    hit = Event(at(5, 8.5), "raised", "inverter_offline", SHORT.serial(1), "no output")
    again = Event(at(5, 10.0), "raised", "inverter_offline", SHORT.serial(1), "no output")
    resolved = Event(at(5, 9.0), "resolved", "inverter_offline", SHORT.serial(3), "back")
    outcomes, false_alarms = evaluate(SHORT, [healthy, early, hit, again, resolved])
    (outcome,) = outcomes
    assert outcome.raised == hit.time and outcome.raised_count == 2
    assert outcome.latency_min == daylight_minutes(LAT, LON, at(5, 3.0), hit.time)
    assert 0 < outcome.latency_min <= 60  # the night before counts for nothing
    assert false_alarms == [healthy, early]


def test_a_creeping_loss_counts_from_its_full_size_and_an_earlier_alert_is_zero() -> None:
    creeping = Fault(CREEPING, 2, at(5, 0.0), factor=0.8, ramp_days=2)
    scenario = RoofScenario("c", "creeping", SHORT.model, START, 10, (creeping,))
    early = Event(at(6, 12.0), "raised", "inverter_underperforming", SHORT.serial(2), "low")
    (outcome,), _ = evaluate(scenario, [early])
    assert outcome.latency_min == 0 and outcome.passed
    assert outcome.target_min == day_length_min(scenario, creeping.full_at)
    assert 400 < outcome.target_min < 700  # a December day's daylight minutes in California


@pytest.mark.parametrize(("loss", "days"), [(0.3, None), (0.25, 1), (0.2, 1), (0.15, 2), (0.1, 7)])
def test_targets_follow_the_issue(loss: float, days: int | None) -> None:
    fault = Fault(LOSS, 0, at(5, 0.0), factor=1 - loss)
    expected = 240 if days is None else days * day_length_min(SHORT, fault.full_at)
    assert target_min(SHORT, fault) == expected


def test_the_table_names_every_fault_and_every_false_alarm(result) -> None:
    table = roofs_markdown([result])
    assert f"| short | learned | dead | - | {SHORT.serial(1)[-5:]} |" in table
    assert "- short (learned):" in table
    assert ("ALL TARGETS MET" in table) != ("TARGETS NOT MET" in table)
