"""Evaluation: simulated days of 5-minute captures with weather and injected faults, replayed through the alerts.

The full month (20 inverters, 30 days) runs in bench/alerts_eval.py; this is a shorter window with every
fault kind, small enough for the suite, held to the same targets. The detectors spend an inverter's first
3 days learning its mornings (deep shade looks like a dead inverter at dawn), so dawn faults come later.
"""

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.commands.replay import Replayer
from pvs6sup.sim.legacy_pvs import SiteModel
from tests.support.sim.month import DEAD, DEGRADED, MISSING, NOT_REPORTING, Fault, Scenario, captures, evaluate

START = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)  # midnight in California


def solar(day: int, hour: float) -> datetime:
    return START + timedelta(days=day, hours=hour + 1.14)  # solar time at the simulated site


@pytest.fixture(scope="module")
def outcome():
    scenario = Scenario(
        START,
        days=9,
        inverter_count=10,
        faults=[
            Fault(DEAD, 2, solar(3, 3), solar(3, 15)),  # dies in the night, after the 3 days of learning
            Fault(NOT_REPORTING, 5, solar(2, 11), solar(2, 17)),
            Fault(MISSING, 7, solar(4, 2), solar(4, 12)),
            Fault(DEGRADED, 4, solar(6, 0), solar(7, 0)),
            Fault(DEAD, 8, solar(7, 13.5), solar(8, 10)),  # dies at lunch
        ],
        gaps=[(solar(5, 10), solar(5, 14.5)), (solar(8, 1), solar(8, 9))],
        bad_answers=[(solar(5, 16), solar(5, 16.3))],
        overcast_days=frozenset({4}),
    )
    model = SiteModel()
    replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
    events = []
    for moment, body in captures(scenario):
        events += replayer.feed(moment, body)
    return evaluate(scenario, events)


def latency(outcome, kind):
    faults, _ = outcome
    return [o.latency_min for o in faults if o.fault.kind == kind]


@pytest.mark.slow
def test_a_dead_inverter_is_caught_within_15_minutes_of_daylight(outcome):
    assert all(m is not None and m <= 15 for m in latency(outcome, DEAD))


def test_a_missing_inverter_is_caught_within_15_minutes_of_daylight(outcome):
    assert all(m is not None and m <= 15 for m in latency(outcome, MISSING))


def test_an_inverter_that_stops_reporting_is_caught_within_60_minutes(outcome):
    assert all(m is not None and m <= 60 for m in latency(outcome, NOT_REPORTING))


def test_a_30_percent_degraded_inverter_is_caught_on_its_first_day(outcome):
    faults, _ = outcome
    [degraded] = [o for o in faults if o.fault.kind == DEGRADED]
    assert degraded.raised is not None and degraded.raised < degraded.fault.start + timedelta(days=1)
    assert degraded.kind == "inverter_underperforming"


def test_nothing_else_is_ever_raised_no_false_alarm_from_clouds_shade_nights_or_gaps(outcome):
    _, false_alarms = outcome
    assert false_alarms == []


def test_each_fault_is_one_incident_raised_once(outcome):
    faults, _ = outcome
    assert [o.raised_count for o in faults] == [1] * len(faults)
