"""The stalled streams (alerts/stalled.py) at their thresholds, exactly at, just under and just over (mutation
testing: bench/mutation.py): a report 10 minutes old, more than half the inverters, 5 % of the best production,
the sun 10° and 20° up. The thresholds are written out as numbers here, not read from the module."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import stalled
from pvs6sup.alerts.judgement import INVERTERS_STALLED, METERS_STALLED
from pvs6sup.alerts.memory import DetectorState
from pvs6sup.core.models import DeviceList, InverterReading, MeterReading, Reading, SiteFigures, SupervisorStatus

NOW = datetime(2026, 6, 21, 12, 0, tzinfo=timezone.utc)
SUN = 45.0


def _inv(serial: str, kw: float | None, age_s: float) -> InverterReading:
    return InverterReading(serial, "working", None, kw, None, None, None, NOW - timedelta(seconds=age_s))


def _meter(role: str, kw: float, age_s: float) -> MeterReading:
    return MeterReading(f"PVS6M00X0001{role[0]}", role, None, kw, None, None, None, NOW - timedelta(seconds=age_s))


def _reading(inverters, meters=(), pvs_time: datetime | None = None) -> Reading:
    supervisor = SupervisorStatus(None, None, None, None, None, None, None, pvs_time, None)
    site = SiteFigures(None, None, None, None, None, None, None, None, None)
    return Reading(NOW, DeviceList(supervisor, tuple(meters), tuple(inverters)), site)


def _frozen(count: int, kw: float = 0.25, age_s: float = 900) -> list[InverterReading]:
    return [_inv(f"F{i}", kw, age_s) for i in range(count)]


def _moving(*kws: float | None) -> list[InverterReading]:
    return [_inv(f"M{i}", kw, 20) for i, kw in enumerate(kws)]


def _kinds(streams: stalled.Streams) -> set[tuple[str, bool]]:
    return {(j.kind, j.firing) for j in streams.judgements}


@pytest.mark.parametrize(("age_s", "still"), [(599.0, False), (600.0, True), (601.0, True)])
def test_a_report_stands_still_from_10_minutes_old(age_s, still):
    streams = stalled.observe(DetectorState(), _reading(_frozen(4, age_s=age_s)), SUN)
    assert streams.frozen == (frozenset({"F0", "F1", "F2", "F3"}) if still else frozenset())


def test_a_reports_age_is_told_by_the_pvss_own_clock():
    reading = _reading(_frozen(4, age_s=600), pvs_time=NOW - timedelta(minutes=5))  # 5 minutes old by the PVS
    assert stalled.observe(DetectorState(), reading, SUN).frozen == frozenset()


@pytest.mark.parametrize(("frozen", "moving", "still"), [(2, 2, False), (3, 2, True)])
def test_the_inverters_stand_still_when_more_than_half_their_reports_do(frozen, moving, still):
    reading = _reading(_frozen(frozen, kw=0.0) + _moving(*[0.0] * moving))
    streams = stalled.observe(DetectorState(), reading, -10.0)  # night: no evidence, so nothing is told either way
    assert ((INVERTERS_STALLED, False) in _kinds(streams)) is not still


@pytest.mark.parametrize(
    ("peak_kw", "sun_deg", "evidence"),
    [
        (20.0, 20.0, True),  # the frozen reports claim 1.0 kW: exactly 5 % of the best, the sun exactly 20° up
        (20.0, 19.99, False),
        (20.001, 20.0, False),  # 1.0 kW is just under 5 %
        (0.5, 20.0, True),
        (0.0, 20.0, False),  # no best production known yet: no claim counts
    ],
)
def test_without_a_production_meter_frozen_reports_claiming_5_percent_of_the_best_with_the_sun_20_up(
    peak_kw, sun_deg, evidence
):
    state = DetectorState(peak_production_kw=peak_kw)
    streams = stalled.observe(state, _reading(_frozen(4)), sun_deg)
    assert state.inverters_still_since == (NOW if evidence else None)
    assert streams.inverters_stalled is evidence


@pytest.mark.parametrize(("sun_deg", "evidence"), [(10.0, True), (9.99, False), (None, False)])
def test_with_the_meters_standing_still_too_the_sun_10_up_is_enough(sun_deg, evidence):
    state = DetectorState()
    meters = [_meter("production", 0.0, 900), _meter("consumption", 0.4, 900)]
    streams = stalled.observe(state, _reading(_frozen(4, kw=0.0), meters), sun_deg)
    assert state.inverters_still_since == (NOW if evidence else None)
    assert streams.meters_still and streams.inverters_stalled is evidence


@pytest.mark.parametrize(
    ("peak_kw", "meter_kw", "evidence"),
    [(10.0, 1.0, True), (10.0, 0.999, False), (0.5, 1.0, True), (0.0, 1.0, False)],
)
def test_a_production_meter_counting_5_percent_of_the_best_beyond_the_moving_reports(peak_kw, meter_kw, evidence):
    state = DetectorState(peak_production_kw=peak_kw)
    inverters = _frozen(5, kw=0.0) + _moving(0.25, 0.25, None)  # the moving ones make 0.5 kW
    stalled.observe(state, _reading(inverters, [_meter("production", meter_kw, 5)]), -10.0)  # night: the meter tells
    assert state.inverters_still_since == (NOW if evidence else None)


def test_a_stall_names_the_last_report_heard_and_the_meters_their_last():
    state = DetectorState(peak_production_kw=2.0, inverters_still_since=NOW - timedelta(minutes=30))
    inverters = [_inv("F0", 0.25, 15 * 60), _inv("F1", 0.25, 12 * 60), _inv("F2", 0.25, 14 * 60)]
    streams = stalled.observe(state, _reading(inverters), SUN)
    [told] = [j for j in streams.judgements if j.firing]
    assert told.message == "The PVS is answering but has not heard from the inverters since 11:48 UTC: restart the PVS."
    state = DetectorState(meters_still_since=NOW - timedelta(minutes=30))
    meters = [_meter("production", 1.0, 15 * 60), _meter("consumption", 0.4, 12 * 60)]
    streams = stalled.observe(state, _reading(_moving(0.25, 0.25), meters), SUN)
    assert (METERS_STALLED, True) in _kinds(streams)
    assert [j.detail for j in streams.judgements if j.firing] == ["unchanged since 11:48 UTC"]
