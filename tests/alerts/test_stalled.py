"""A stalled stream (alerts/stalled.py) through observe_reading: told after it held 30 minutes, never as no
production while the meter counts, nothing judged or learned from the frozen figures, clean once it moves; and
the quiet that is not a stall (night, a tripped breaker, dusk on one face) is not told."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from pvs6sup.alerts import detectors, normal
from pvs6sup.alerts.detectors import DetectorState, observe_reading
from pvs6sup.core.models import ERROR, DeviceList, InverterReading, MeterReading, Reading, SiteFigures

T0 = datetime(2026, 6, 21, 11, 0, tzinfo=timezone.utc)  # an hour before solar noon at longitude 0
SERIALS = [f"E00X0000000{i:04d}" for i in range(1, 9)]
STEP = timedelta(minutes=5)
ZONE = timezone(timedelta(hours=2), "CEST")
PLACE = {"latitude": 45.0, "longitude": 0.0, "zone": ZONE}


def _inverter(serial: str, kw: float, heard: datetime | None, state: str = "working") -> InverterReading:
    return InverterReading(serial, state, "AC_Module_Type_E", kw, None, None, None, heard)


def _meter(role: str, kw: float, heard: datetime | None) -> MeterReading:
    return MeterReading(f"PVS6M00X0001{role[0]}", role, None, kw, None, None, None, heard)


def _reading(
    when: datetime,
    kw: float = 0.25,
    frozen: dict[int, tuple[float, datetime]] | None = None,
    meter_kw: float | None = None,
    meter_heard: datetime | None = None,
    meters: bool = True,
) -> Reading:
    """Every inverter at `kw`, heard now, but those `frozen` (index -> the kW and time they stand still at); the
    production meter counts what the inverters really make (`meter_kw`, else all at `kw`)."""
    frozen = frozen or {}
    inverters = tuple(
        _inverter(s, *frozen[i]) if i in frozen else _inverter(s, kw, when - timedelta(seconds=40))
        for i, s in enumerate(SERIALS)
    )
    made = kw * len(SERIALS) if meter_kw is None else meter_kw
    heard = meter_heard or when
    found = (_meter("production", made, heard), _meter("consumption", 0.4, heard)) if meters else ()
    production = made if meters else sum(inv.power_kw or 0.0 for inv in inverters)
    site = SiteFigures(production, None, None, None, None, None, None, None, "meter" if meters else "inverters")
    return Reading(when, DeviceList(None, found, inverters), site, cloud_cover_pct=10.0)


def _learned(state: DetectorState, book: normal.MemoryBook, hours: float = 1.0) -> datetime:
    """An hour of healthy readings (the site's best is learned); returns the next reading's time."""
    when = T0
    for _ in range(int(hours * 12)):
        observe_reading(state, _reading(when), book=book, **PLACE)  # type: ignore[arg-type]
        when += STEP
    return when


def _kinds(judgements: list[detectors.Judgement], firing: bool) -> set[str]:
    return {j.kind for j in judgements if j.firing == firing}


def test_every_inverter_frozen_while_the_meter_counts_is_told_after_thirty_minutes_and_nothing_else() -> None:
    state, book = DetectorState(), normal.MemoryBook()
    start = _learned(state, book)
    heard = start - timedelta(seconds=40)  # 12:04:20 CEST: the last report the PVS got
    everyone = {i: (0.25, heard) for i in range(len(SERIALS))}
    learned = {}
    told = []
    for step in range(1, 13):  # an hour with every report standing still, the meter counting 2 kW
        judgements = observe_reading(state, _reading(start + step * STEP, frozen=everyone), book=book, **PLACE)  # type: ignore[arg-type]
        assert not {detectors.OFFLINE, detectors.UNDERPERFORMING, detectors.NO_PRODUCTION} & _kinds(judgements, True)
        if step == 1:  # a report 6 minutes old is as the PVS sends it (varserver's every 5 minutes)
            learned = copy.deepcopy(book.tables)
        else:  # standing still (10 minutes): the frozen figures are not judged at all
            assert not {detectors.OFFLINE, detectors.UNDERPERFORMING} & {j.kind for j in judgements}
        if detectors.INVERTERS_STALLED in _kinds(judgements, True):
            told.append((step, next(j for j in judgements if j.firing)))
    first_step, verdict = told[0]
    assert first_step * 5 == 40  # 10 minutes to stand still, 30 more to be told
    assert verdict.message == (
        "The PVS is answering but has not heard from the inverters since 13:59, "
        "while the production meter counts 2.00 kW: restart the PVS."
    )
    assert verdict.detail == "no report since 13:59"
    assert book.tables == learned  # the learned normal took nothing from the frozen figures
    resumed = observe_reading(state, _reading(start + 13 * STEP), book=book, **PLACE)  # type: ignore[arg-type]
    assert detectors.INVERTERS_STALLED in _kinds(resumed, False) and state.inverters_still_since is None


def test_most_inverters_frozen_are_told_with_what_the_meter_counts_beyond_the_others() -> None:
    state, book = DetectorState(), normal.MemoryBook()
    start = _learned(state, book)
    most = {i: (0.25, start - timedelta(minutes=1)) for i in range(6)}  # 6 of 8 stand still, 2 report
    for step in range(9):
        judgements = observe_reading(state, _reading(start + step * STEP, frozen=most), book=book, **PLACE)  # type: ignore[arg-type]
    [verdict] = [j for j in judgements if j.firing]
    assert verdict.kind == detectors.INVERTERS_STALLED
    assert verdict.message == (
        "The PVS is answering but has not heard from 6 of its 8 inverters since 13:59, "
        "while the production meter counts 1.50 kW more than the others report: restart the PVS."
    )


def test_a_quiet_that_is_not_a_stall_is_not_told() -> None:
    state = DetectorState()
    start = _learned(state, normal.MemoryBook())
    asleep = {i: (0.0, start - timedelta(hours=1)) for i in range(len(SERIALS))}
    # a tripped breaker: every inverter silent in full sun and the meter, which reports, counting nothing
    for step in range(12):
        off = _reading(start + step * STEP, frozen=asleep, meter_kw=0.0)
        judgements = observe_reading(state, off, **PLACE)  # type: ignore[arg-type]
        assert detectors.INVERTERS_STALLED not in {j.kind for j in judgements}
    assert _kinds(judgements, True) == {detectors.NO_PRODUCTION}  # called what it is
    # dusk on one face: 5 of 8 asleep while the meter counts no more than the 3 still reporting make
    dusk = {i: (0.0, start - timedelta(hours=1)) for i in range(5)}
    for step in range(12, 24):
        judgements = observe_reading(state, _reading(start + step * STEP, 0.05, dusk, meter_kw=0.15), **PLACE)  # type: ignore[arg-type]
        assert detectors.INVERTERS_STALLED not in _kinds(judgements, True)
    assert state.inverters_still_since is None


def test_at_night_still_reports_are_not_judged_and_start_no_spell() -> None:
    state = DetectorState(peak_production_kw=2.0)
    night = datetime(2026, 6, 21, 23, 0, tzinfo=timezone.utc)
    asleep = {i: (0.0, night - timedelta(hours=3)) for i in range(len(SERIALS))}
    for step in range(24):
        reading = _reading(night + step * STEP, 0.0, asleep, meter_kw=-0.003)
        judgements = observe_reading(state, reading, **PLACE)  # type: ignore[arg-type]
        assert detectors.INVERTERS_STALLED not in {j.kind for j in judgements}
    assert state.inverters_still_since is None


def test_meters_frozen_while_the_inverters_report_are_told_and_never_as_no_production() -> None:
    state = DetectorState()
    start = _learned(state, normal.MemoryBook())
    stuck = start - timedelta(seconds=5)
    told = []
    for step in range(1, 13):  # the meters stand still at 0 W (as at dawn) while the inverters make 2 kW
        reading = _reading(start + step * STEP, meter_kw=0.0, meter_heard=stuck)
        judgements = observe_reading(state, reading, **PLACE)  # type: ignore[arg-type]
        assert detectors.NO_PRODUCTION not in _kinds(judgements, True)
        told += [(step, j) for j in judgements if j.firing]
    first_step, verdict = told[0]
    assert (first_step * 5, verdict.kind) == (40, detectors.METERS_STALLED)
    assert verdict.message == (
        "The PVS is answering and hears its inverters, but its meters have not changed since 13:59: "
        "the site's production, consumption and grid figures are stale. Restart the PVS."
    )
    moving = observe_reading(state, _reading(start + 13 * STEP), **PLACE)  # type: ignore[arg-type]
    assert detectors.METERS_STALLED in _kinds(moving, False)


def test_without_a_production_meter_frozen_reports_claiming_production_in_daylight_are_told() -> None:
    state = DetectorState()
    when = T0
    for _ in range(12):
        observe_reading(state, _reading(when, meters=False), **PLACE)  # type: ignore[arg-type]
        when += STEP
    everyone = {i: (0.25, when - timedelta(minutes=1)) for i in range(len(SERIALS))}
    for step in range(9):
        judgements = observe_reading(state, _reading(when + step * STEP, frozen=everyone, meters=False), **PLACE)  # type: ignore[arg-type]
    [verdict] = [j for j in judgements if j.firing]
    assert verdict.message == "The PVS is answering but has not heard from the inverters since 13:59: restart the PVS."
    unplaced = DetectorState(peak_production_kw=2.0)  # where the site is, is unknown: no daylight to go by
    for step in range(12):
        judgements = observe_reading(unplaced, _reading(when + step * STEP, frozen=everyone, meters=False))
        assert detectors.INVERTERS_STALLED not in _kinds(judgements, True)


def test_frozen_reports_in_error_with_no_meter_in_daylight_are_no_production_not_a_stall() -> None:
    state = DetectorState(peak_production_kw=2.0)
    asleep = {i: (0.0, T0 - timedelta(hours=1)) for i in range(len(SERIALS))}
    frozen_in_error = _reading(T0, frozen=asleep, meters=False)
    inverters = tuple(
        InverterReading(inv.serial, ERROR, inv.model, 0.0, None, None, None, inv.measured_at)
        for inv in frozen_in_error.devices.inverters
    )
    for step in range(12):
        reading = Reading(T0 + step * STEP, DeviceList(None, (), inverters), frozen_in_error.site, cloud_cover_pct=10.0)
        judgements = observe_reading(state, reading, **PLACE)  # type: ignore[arg-type]
        assert detectors.INVERTERS_STALLED not in _kinds(judgements, True)
    assert state.inverters_still_since is None
    assert _kinds(judgements, True) == {detectors.NO_PRODUCTION}


def test_reports_without_a_time_are_taken_at_their_word_and_still_teach_the_normal() -> None:
    state, book = DetectorState(), normal.MemoryBook()
    when = T0
    for _ in range(24):  # a firmware that gives no DATATIME: nothing stands still, the meter counts 2 kW
        plain = _reading(when)
        untimed = tuple(_inverter(inv.serial, 0.25, None) for inv in plain.devices.inverters)
        reading = Reading(when, DeviceList(None, plain.devices.meters, untimed), plain.site, cloud_cover_pct=10.0)
        judgements = observe_reading(state, reading, book=book, **PLACE)  # type: ignore[arg-type]
        assert detectors.INVERTERS_STALLED in _kinds(judgements, False)
        when += STEP
    assert state.inverters_still_since is None
    assert any(SERIALS[0] in table.cells for table in book.tables.values())


def test_every_report_frozen_since_the_night_is_told_within_the_hour_after_sunrise_and_not_as_no_production() -> None:
    from pvs6sup.core.sun import sun_elevation_deg

    state = DetectorState(peak_production_kw=2.0)
    night = datetime(2026, 6, 21, 2, 0, tzinfo=timezone.utc)
    asleep = {i: (0.0, night) for i in range(len(SERIALS))}
    when, told = night, None
    while told is None and when < night + timedelta(hours=8):
        reading = _reading(when, 0.0, asleep, meter_kw=0.0, meter_heard=night)  # the PVS's figures all stand still
        judgements = observe_reading(state, reading, **PLACE)  # type: ignore[arg-type]
        assert detectors.NO_PRODUCTION not in {j.kind for j in judgements}  # what is made is not known
        told = next((j for j in judgements if j.firing), None)
        when += STEP
    risen = night
    while sun_elevation_deg(45.0, 0.0, risen) < 10:
        risen += STEP
    assert told is not None and told.kind == detectors.INVERTERS_STALLED
    assert when - STEP - risen <= timedelta(minutes=35)
    assert told.message == "The PVS is answering but has not heard from the inverters since 04:00: restart the PVS."
