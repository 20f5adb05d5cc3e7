"""The likely cause and the energy lost, end to end on simulated roofs: a raw archive replayed by the real CLI
(`pvs6_supervisor.py replay`), and captures fed to the Replayer, judged against the simulator's truth (which
inverter has which fault, and what it would have made without it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pvs6sup.alerts import diagnosis
from pvs6sup.commands.replay import Replayer
from pvs6sup.sim.roof import Face, Obstruction, RoofModel
from tests.e2e.test_roofs_replay import replayed_events
from tests.support.harness import Harness
from tests.support.sim.roof_catalogue import weather
from tests.support.sim.roofs import (
    DEAD,
    DIODE,
    INVERTER,
    LOSS,
    NOT_REPORTING,
    SHADE,
    Fault,
    RoofScenario,
    captures,
    energy_lost_kwh,
    solar_midnight,
)

LAT, LON = 37.42, -122.08
START = solar_midnight(date(2026, 6, 1), LON)


def at(day: int, hour: float) -> datetime:
    return START + timedelta(days=day, hours=hour)


# One south face of 12 under a mixed June sky: a panel loses a bypass diode, another inverter converts 30 % less,
# a third gets new shade on summer evenings (the sun in the west, low); the first two are repaired later.
FAULTS = RoofScenario(
    "diagnosis",
    "California, June; south 12; a failed bypass diode, a failing inverter stage, new evening shade",
    RoofModel(latitude=LAT, longitude=LON, faces=(Face("south", 20, 180, 12),), seed=5),
    START,
    12,
    (
        Fault(DIODE, 2, at(6, 3.0), at(9, 3.0), factor=2 / 3),
        Fault(INVERTER, 5, at(7, 10.0), at(10, 20.0), factor=0.7),
        Fault(SHADE, 7, at(6, 0.0), obstruction=Obstruction(frozenset({7}), 240, 300, 35, 0.8)),
    ),
    weather(3, 12, 0.5, 0.2, 0.2, 0.1),
)

# A branch circuit trips (four inverters down at the same moment), the PVS's report of another freezes, and a
# third loses 30 % with no sign of why at first.
BRANCH = RoofScenario(
    "branch",
    "California, June; south 12; a branch trip, a frozen report, a plain loss",
    RoofModel(latitude=LAT, longitude=LON, faces=(Face("south", 20, 180, 12),), seed=6),
    START,
    9,
    (
        *(Fault(DEAD, index, at(6, 11.0), at(6, 15.0)) for index in (2, 3, 4, 5)),
        Fault(NOT_REPORTING, 9, at(7, 10.0), at(7, 14.0)),
        Fault(LOSS, 10, at(6, 3.0), factor=0.7),
    ),
    weather(3, 9, 0.5, 0.2, 0.2, 0.1),
)


def _close(found: float, truth: float) -> bool:
    return abs(found - truth) <= 0.15 * truth


@pytest.mark.slow
def test_the_cli_names_a_diode_and_an_inverter_fault_never_calls_shade_a_fault_and_counts_the_energy_lost(
    harness: Harness,
) -> None:
    events = replayed_events(harness, FAULTS)
    serial = FAULTS.serial
    raised = {e.serial: e for e in reversed(events) if e.event == "raised"}  # the first of each
    assert raised[serial(2)].cause == diagnosis.PANEL
    assert "36 V while its siblings' is 54 V" in raised[serial(2)].evidence
    assert raised[serial(5)].cause == diagnosis.INVERTER
    assert "voltage is normal" in raised[serial(5)].evidence
    for index, cause in ((2, diagnosis.PANEL), (5, diagnosis.INVERTER)):  # reminders and the resolution too
        assert {e.cause for e in events if e.serial == serial(index)} == {cause}
    shaded = [e for e in events if e.serial == serial(7)]
    assert {e.cause for e in shaded} <= {diagnosis.SHADE, diagnosis.UNKNOWN}
    assert diagnosis.SHADE in {e.cause for e in shaded}  # once it has been seen at other hours too
    assert {e.serial for e in events} <= {serial(2), serial(5), serial(7)}
    for fault in FAULTS.faults[:2]:  # repaired: the resolution counts the whole incident's loss
        (resolved,) = [e for e in events if e.serial == serial(fault.index) and e.event == "resolved"]
        assert fault.end is not None
        truth = energy_lost_kwh(FAULTS, fault.index, fault.start, fault.end)
        assert _close(resolved.lost_kwh, truth), (fault.kind, resolved.lost_kwh, truth)


@pytest.mark.slow
def test_replay_names_a_branch_trip_and_a_frozen_report_and_counts_their_energy() -> None:
    replayer = Replayer(latitude=LAT, longitude=LON)
    events = [event for moment, body in captures(BRANCH) for event in replayer.feed(moment, body)]
    serial = BRANCH.serial
    tripped = [e for e in events if e.event == "raised" and e.serial in {serial(i) for i in (2, 3, 4, 5)}]
    assert len(tripped) == 4 and {e.cause for e in tripped} == {diagnosis.BRANCH}
    assert len({e.time for e in tripped}) == 1
    truth = energy_lost_kwh(BRANCH, 2, at(6, 11.0), at(6, 15.0))
    for index in (2, 3, 4, 5):
        (resolved,) = [e for e in events if e.serial == serial(index) and e.event == "resolved"]
        assert resolved.lost_kwh is not None
        assert _close(resolved.lost_kwh, energy_lost_kwh(BRANCH, index, at(6, 11.0), at(6, 15.0))), truth
    frozen = [e for e in events if e.serial == serial(9)]
    assert [(e.event, e.cause) for e in frozen] == [("raised", diagnosis.FROZEN), ("resolved", diagnosis.FROZEN)]
    assert {e.lost_kwh for e in frozen} == {None}  # it may have worked all along: what it lost is not known
    # The plain loss: unknown at first (normal voltage and efficiency, a few hours seen), the microinverter once
    # it is low at every sun position; its open incident has counted the loss so far.
    lossy = [e for e in events if e.serial == serial(10)]
    assert lossy[0].event == "raised" and lossy[0].cause == diagnosis.UNKNOWN
    assert lossy[-1].cause == diagnosis.INVERTER and "at every sun position" in lossy[-1].evidence
    incident = replayer.incidents[f"inverter:{serial(10)}"]
    assert incident.lost_kwh is not None
    assert _close(incident.lost_kwh, energy_lost_kwh(BRANCH, 10, at(6, 3.0), BRANCH.end))
