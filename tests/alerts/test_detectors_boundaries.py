"""Every threshold of the alert detectors exactly at, just under and just over (mutation testing:
bench/mutation.py). The thresholds are written out as numbers here, not read from Thresholds, so that a
changed default is noticed. At longitude 0 the solar hour is the UTC hour, exactly."""

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import detectors, normal
from pvs6sup.alerts.detectors import DetectorState, Judgement, observe_failure, observe_reading
from pvs6sup.core.models import ERROR, DeviceList, InverterReading, MeterReading, Reading, SiteFigures

T0 = datetime(2026, 6, 21, 12, 0, tzinfo=timezone.utc)  # solar noon at longitude 0
SERIALS = [f"E00X0000000{i:04d}" for i in range(1, 9)]
TINY = 1e-9
MIN = timedelta(minutes=1)


def _inv(serial, kw, when, state="working", heard=None):
    return InverterReading(
        serial=serial,
        state=state,
        model="AC_Module_Type_E",
        power_kw=kw,
        dc_power_kw=None,
        lifetime_kwh=None,
        temperature_c=None,
        measured_at=heard or when,
    )


def _reading(when, inverters, cloud=None, production=None):
    total = sum(inv.power_kw or 0 for inv in inverters) if production is None else production
    site = SiteFigures(total, None, None, None, None, None, None, None, "inverters")
    return Reading(when, DeviceList(None, (), tuple(inverters)), site, cloud_cover_pct=cloud)


def _site(when, kw=0.25, serials=SERIALS, **special):
    """Every inverter at kw but those given as iN=kw, iN=(kw, state), iN=None (absent)."""
    result = []
    for index, serial in enumerate(serials):
        value = special.get(f"i{index}", kw)
        if value is None:
            continue
        kw_, state = value if isinstance(value, tuple) else (value, "working")
        result.append(_inv(serial, kw_, when, state))
    return result


def _seasoned(days=3, serials=SERIALS):
    """A state that has seen every inverter work at noon for `days` days before T0's."""
    state = DetectorState()
    for back in range(days, 0, -1):
        when = T0 - timedelta(days=back)
        observe_reading(state, _reading(when, _site(when, serials=serials)), longitude=0.0)
    return state


def _feed(state, moments, build, **kwargs):
    """The judgements of the last reading, fed at each moment."""
    kwargs.setdefault("longitude", 0.0)
    last = []
    for when in moments:
        last = observe_reading(state, build(when), **kwargs)
    return last


def _firing(judgements):
    return {(j.kind, j.serial) for j in judgements if j.firing}


def _offline(n):
    return {(detectors.OFFLINE, SERIALS[n])}


def _two(start=T0, step=timedelta(minutes=5)):
    return [start, start + step]


# offline: the siblings' median must reach judge_kw = 0.02 kW


def test_judged_from_a_median_of_exactly_two_hundredths_of_a_kilowatt():
    at = _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, kw=0.02, i2=(0.0, ERROR))))
    assert _firing(at) == _offline(2)
    under = _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, kw=0.02 - TINY, i2=(0.0, ERROR))))
    streams = {detectors.INVERTERS_STALLED}  # the stream moves: judged clean whatever the light (alerts/stalled.py)
    assert [j for j in under if j.kind not in streams] == [Judgement(detectors.PVS_UNREACHABLE, None, False)]


def test_two_inverters_are_a_group_one_is_not():
    pair = SERIALS[:2]
    state = _seasoned(serials=pair)
    fired = _feed(state, _two(), lambda t: _reading(t, _site(t, serials=pair, i1=(0.0, ERROR))))
    assert _firing(fired) == _offline(1)
    alone = SERIALS[:1]
    state = _seasoned(serials=alone)
    judged = _feed(state, _two(), lambda t: _reading(t, _site(t, serials=alone, i0=(0.25, ERROR))))
    assert [j for j in judged if j.kind == detectors.OFFLINE] == []


def test_producing_nothing_is_two_hundredths_of_the_median_or_less():
    at = _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, i3=0.02 * 0.25)))
    assert _firing(at) == _offline(3)
    over = _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, i3=0.02 * 0.25 + TINY)))
    assert _firing(over) == set()
    assert Judgement(detectors.OFFLINE, SERIALS[3], False) in over


def test_the_message_of_an_inverter_producing_nothing():
    [fired] = [j for j in _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, i3=0.001))) if j.firing]
    assert fired.message == "Inverter E00…0004 is producing nothing: 1 W while its siblings make 250 W (median)."
    assert fired.detail == "1 W vs 250 W median"
    [fired] = [j for j in _feed(_seasoned(), _two(), lambda t: _reading(t, _site(t, i3=(0.25, ERROR)))) if j.firing]
    assert fired.message.startswith("Inverter E00…0004 is in STATE error: 250 W while")


def _stale_by(behind_s):
    def build(t):
        invs = _site(t)
        invs[4] = _inv(SERIALS[4], 0.25, t, heard=t - timedelta(seconds=behind_s))
        return _reading(t, invs)

    return build


def test_a_report_half_an_hour_behind_is_still_fresh_a_second_more_is_stale():
    assert _firing(_feed(_seasoned(), _two(), _stale_by(1800))) == set()
    fired = _feed(_seasoned(), _two(), _stale_by(1801))
    assert _firing(fired) == _offline(4)
    [j] = [j for j in fired if j.firing]
    assert j.message == "Inverter E00…0005 has not reported for 30 min while its siblings report (median 250 W)."
    assert j.detail == "not reporting"


def test_a_report_without_a_time_is_not_reporting_at_all():
    def build(t):
        invs = _site(t)
        invs[4] = InverterReading(SERIALS[4], "working", "AC_Module_Type_E", 0.25, None, None, None, None)
        return _reading(t, invs)

    state = _seasoned()
    state.inverters[SERIALS[4]].measured_at = None
    [j] = [j for j in _feed(state, _two(), build) if j.firing]
    assert j.message == "Inverter E00…0005 has not reported at all while its siblings report (median 250 W)."


def test_readings_half_an_hour_apart_keep_the_streak_a_second_more_starts_it_afresh():
    def dead(t):
        return _reading(t, _site(t, i2=(0.0, ERROR)))

    assert _firing(_feed(_seasoned(), _two(step=timedelta(minutes=30)), dead)) == _offline(2)
    assert _firing(_feed(_seasoned(), _two(step=timedelta(minutes=30, seconds=1)), dead)) == set()


def test_learning_lasts_three_days_from_the_first_day_seen():
    def dead(t):
        return _reading(t, _site(t, i2=(0.0, ERROR)))

    assert _firing(_feed(_seasoned(days=2), _two(), dead)) == set()  # day 3: still learning, waits 36
    assert _firing(_feed(_seasoned(days=3), _two(), dead)) == _offline(2)  # day 4: judged as usual


def test_while_learning_thirty_six_readings_down_are_due():
    def dead(t):
        return _reading(t, _site(t, i2=(0.0, ERROR)))

    moments = [T0 + 5 * MIN * n for n in range(36)]
    assert _firing(_feed(_seasoned(days=2), moments[:35], dead)) == set()
    assert _firing(_feed(_seasoned(days=2), moments, dead)) == _offline(2)


def test_a_late_starter_is_due_a_quarter_hour_after_its_usual_hour_exactly():
    def dead(t):
        return _reading(t, _site(t, i5=(0.0, ERROR)))

    def with_wake(hour):
        state = _seasoned()
        state.inverters[SERIALS[5]].wake_hour = hour
        return state

    assert _firing(_feed(with_wake(11.75), _two(T0 - 5 * MIN), dead)) == _offline(5)  # 12:00 = 11:45 + 0:15
    assert _firing(_feed(with_wake(11.75 + TINY), _two(T0 - 5 * MIN), dead)) == set()


def test_the_usual_start_hour_moves_five_minutes_earlier_a_day_it_starts_on_time():
    state = _seasoned()
    state.inverters[SERIALS[5]].wake_hour = 7.0
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    assert state.inverters[SERIALS[5]].wake_hour == pytest.approx(7.0 - 5 / 60, abs=1e-12)
    state = _seasoned()
    state.inverters[SERIALS[5]].wake_hour = 0.05
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    assert state.inverters[SERIALS[5]].wake_hour == 0.0


@pytest.mark.parametrize(("late", "learned"), [(0, False), (1, True), (36, True), (37, False)])
def test_a_late_start_is_learned_after_up_to_thirty_six_readings_down(late, learned):
    state = _seasoned()
    track = state.inverters[SERIALS[5]]
    _feed(state, [T0], lambda t: _reading(t, _site(t, i5=(0.0, ERROR))))
    track.wake_hour = 1.0
    track.late_today = late
    _feed(state, [T0 + 5 * MIN], lambda t: _reading(t, _site(t)))
    expected = 12 + 5 / 60 if learned else 1.0 - 5 / 60
    assert track.wake_hour == pytest.approx(expected, abs=1e-9)
    assert track.late_today == 0 and track.woke_day == "2026-06-21"


# missing


def _missing_after(gone_for, kw=0.25, **kwargs):
    state = _seasoned()
    _feed(state, [T0], lambda t: _reading(t, _site(t, kw=kw)), **kwargs)
    later = T0 + gone_for
    judgements = _feed(state, _two(later), lambda t: _reading(t, _site(t, kw=kw, i6=None)), **kwargs)
    return state, judgements


def test_an_inverter_gone_seven_days_is_still_missing_a_second_more_is_removed():
    state, judgements = _missing_after(timedelta(days=7) - 5 * MIN)
    assert _firing(judgements) == _offline(6) and SERIALS[6] in state.inverters
    state, judgements = _missing_after(timedelta(days=7) - 5 * MIN + timedelta(seconds=1))
    assert SERIALS[6] not in state.inverters
    assert _firing(judgements) == set()


def test_missing_is_judged_from_a_siblings_median_of_two_hundredths():
    _, judgements = _missing_after(5 * MIN, kw=0.02)
    assert _firing(judgements) == _offline(6)
    _, judgements = _missing_after(5 * MIN, kw=0.02 - TINY)
    assert _firing(judgements) == set()


@pytest.mark.parametrize(("elevation", "judged"), [(5.0, True), (5.0 - TINY, False)])
def test_missing_is_judged_with_the_sun_five_degrees_up(monkeypatch, elevation, judged):
    monkeypatch.setattr(detectors, "sun_elevation_deg", lambda *_: elevation)
    _, judgements = _missing_after(5 * MIN, kw=0.0, latitude=0.0)
    assert _firing(judgements) == (_offline(6) if judged else set())


def test_missing_takes_two_readings_and_starts_afresh_after_a_gap():
    state = _seasoned()
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    one = _feed(state, [T0 + 5 * MIN], lambda t: _reading(t, _site(t, i6=None)))
    assert _firing(one) == set()
    two = _feed(state, [T0 + 10 * MIN], lambda t: _reading(t, _site(t, i6=None)))
    assert _firing(two) == _offline(6)
    assert two[-1].message == "Inverter E00…0007 is missing from the PVS's device list in daylight."
    state = _seasoned()
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    after_gap = _feed(state, [T0 + 31 * MIN], lambda t: _reading(t, _site(t, i6=None)))
    assert state.inverters[SERIALS[6]].missing_streak == 1 and _firing(after_gap) == set()


# no production: sun 20° up, under 2 % of the best seen, 3 readings, not at 85 % cloud or more


def _no_production(monkeypatch, elevation=30.0, production=0.0, cloud=10.0, count=3, peak=1.0, step=5 * MIN):
    monkeypatch.setattr(detectors, "sun_elevation_deg", lambda *_: elevation)
    state = DetectorState(peak_production_kw=peak)
    moments = [T0 + step * n for n in range(count)]
    judgements = _feed(
        state, moments, lambda t: _reading(t, _site(t, kw=0.0), cloud=cloud, production=production), latitude=0.0
    )
    return [j for j in judgements if j.kind == detectors.NO_PRODUCTION]


def test_no_production_with_the_sun_exactly_twenty_degrees_up(monkeypatch):
    [fired] = _no_production(monkeypatch, elevation=20.0)
    assert fired.firing
    assert fired.message == (
        "The site produces 0 W with the sun 20° high (cloud cover 10 %); its best so far is 1000 W."
    )
    assert fired.detail == "0 W with the sun 20° up"
    assert _no_production(monkeypatch, elevation=20.0 - TINY) == []


def test_no_production_is_two_hundredths_of_the_best_or_less(monkeypatch):
    [fired] = _no_production(monkeypatch, production=0.02)
    assert fired.firing
    assert _no_production(monkeypatch, production=0.02 + TINY) == [Judgement(detectors.NO_PRODUCTION, None, False)]


def test_no_production_waits_three_readings_and_says_nothing_meanwhile(monkeypatch):
    assert _no_production(monkeypatch, count=2) == []
    [fired] = _no_production(monkeypatch, count=3)
    assert fired.firing
    assert _no_production(monkeypatch, count=3, step=31 * MIN) == []  # each reading after a gap starts afresh
    [fired] = _no_production(monkeypatch, count=3, step=30 * MIN)
    assert fired.firing


def test_no_production_is_the_weather_from_eighty_five_percent_cloud(monkeypatch):
    assert _no_production(monkeypatch, cloud=85.0) == []
    [fired] = _no_production(monkeypatch, cloud=85.0 - TINY)
    assert fired.firing
    [fired] = _no_production(monkeypatch, cloud=None)
    assert "(cloud cover unknown)" in fired.message


def test_no_production_is_not_judged_before_any_production_was_seen(monkeypatch):
    assert _no_production(monkeypatch, peak=0.0) == []


def test_no_production_falls_back_on_the_inverters_sum(monkeypatch):
    monkeypatch.setattr(detectors, "sun_elevation_deg", lambda *_: 30.0)
    state = DetectorState(peak_production_kw=1.0)
    invs = [_inv(SERIALS[0], 0.3, T0), _inv(SERIALS[1], 0.2, T0), _inv(SERIALS[2], None, T0)]
    r = Reading(T0, DeviceList(None, (), tuple(invs)), SiteFigures(None, *[None] * 7, "inverters"))
    observe_reading(state, r, latitude=0.0, longitude=0.0)
    assert state.peak_production_kw == 1.0
    r = Reading(T0 + 5 * MIN, DeviceList(None, (), tuple(invs * 3)), SiteFigures(None, *[None] * 7, "x"))
    observe_reading(state, r, latitude=0.0, longitude=0.0)
    assert state.peak_production_kw == 1.5  # 3 x 0.5 kW, under the 9 inverters' 4.5 kW


# the PVS unreachable: 12 failed cycles


def test_the_pvs_is_unreachable_at_the_twelfth_failed_cycle():
    state = DetectorState()
    verdicts = [observe_failure(state)[0] for _ in range(12)]
    assert [v.firing for v in verdicts] == [False] * 11 + [True]
    assert verdicts[-1].message == "The PVS has not answered for 12 cycles in a row."
    assert verdicts[-1].detail == "no answer for 12 cycles"


def test_delivery_backlog_a_day_exactly():
    assert detectors.delivery_backlog([("PVOutput", 86400.0)])[0].firing
    assert not detectors.delivery_backlog([("PVOutput", 86400.0 - TINY)])[0].firing


# the small helpers


def test_group_of_and_the_median():
    groups = (("A1", "B1"), ("C2",))
    assert detectors.group_of("XXB1", groups) == 1
    assert detectors.group_of("XXC2", groups) == 2
    assert detectors.group_of("XXD3", groups) == 0
    assert detectors._median([]) is None
    assert detectors._median([3.0, 1.0, 2.0]) == 2.0
    assert detectors._median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_solar_day_and_hour_turn_with_the_longitude():
    late = datetime(2026, 6, 21, 23, 0, tzinfo=timezone.utc)
    assert detectors.solar_day(late, 15.0) == "2026-06-22"
    assert detectors.solar_day(late, 14.9) == "2026-06-21"
    assert detectors.solar_day(late, None) == "2026-06-21"
    assert detectors._solar_hour(T0, 15.0) == 13.0
    assert detectors._solar_hour(T0, -30.0) == 10.0
    assert detectors._solar_hour(T0, None) == 12.0


def test_inverter_groups_split_the_siblings():
    groups = ((SERIALS[0][-4:], SERIALS[1][-4:]),)
    state = _seasoned()
    judgements = _feed(state, _two(), lambda t: _reading(t, _site(t, i0=(0.0, ERROR))), groups=groups)
    # a group of two, one dead: the median is 0.125 kW, so it is judged, and the other six judged apart
    assert _firing(judgements) == _offline(0)
    assert state.inverters[SERIALS[0]].group == 1 and state.inverters[SERIALS[2]].group == 0


# what the underperformance judge is given


def _spy(monkeypatch):
    calls = []

    def judge(state, powers_kw, book, now, day, solar_hour, hours, latitude, groups_given, tuning, solar_time, **_):
        calls.append((dict(powers_kw), solar_hour, hours, groups_given, solar_time))
        return [Judgement(detectors.UNDERPERFORMING, SERIALS[0], False)]

    monkeypatch.setattr(detectors.underperf, "judge", judge)
    return calls


@pytest.mark.parametrize(
    ("apart_s", "hours"),
    [(1, 1 / 3600), (300, 300 / 3600), (600, 600 / 3600), (601, 5 / 60), (0, 5 / 60), (-60, 5 / 60), (1800, 5 / 60)],
)
def test_a_reading_stands_for_the_time_since_the_last_up_to_ten_minutes(monkeypatch, apart_s, hours):
    calls = _spy(monkeypatch)
    state = DetectorState()
    book = normal.MemoryBook()
    for when in (T0, T0 + timedelta(seconds=apart_s)):
        judgements = observe_reading(state, _reading(when, _site(when)), longitude=0.0, book=book)
    assert calls[0][2] == 5 / 60  # the first reading
    assert calls[1][2] == pytest.approx(hours, abs=1e-12)
    assert Judgement(detectors.UNDERPERFORMING, SERIALS[0], False) in judgements


def test_the_judge_gets_the_working_inverters_and_the_solar_hour(monkeypatch):
    calls = _spy(monkeypatch)
    state = _seasoned()
    invs = _site(T0, i1=(0.0, ERROR))
    invs[2] = InverterReading(SERIALS[2], "working", "AC_Module_Type_E", None, None, None, None, T0)
    observe_reading(state, _reading(T0, invs), longitude=15.0, book=normal.MemoryBook())
    [(powers, solar_hour, _, groups_given, solar_time)] = calls
    assert powers == {serial: 0.25 for serial in SERIALS if serial not in (SERIALS[1], SERIALS[2])}
    assert (solar_hour, groups_given, solar_time) == (13.0, False, True)
    observe_reading(state, _reading(T0, _site(T0)), book=normal.MemoryBook(), groups=((SERIALS[0][-4:],),))
    assert calls[1][3:] == (True, False)
    assert state.inverters[SERIALS[1]].group == 0 and state.inverters[SERIALS[0]].group == 1


def test_without_groups_every_inverter_is_in_group_zero():
    state = _seasoned()
    assert {track.group for track in state.inverters.values()} == {0}


def test_a_reading_resets_the_failed_cycles():
    state = DetectorState()
    for _ in range(5):
        observe_failure(state)
    observe_reading(state, _reading(T0, _site(T0)), longitude=0.0)
    assert state.failed_cycles == 0
    verdicts = [observe_failure(state)[0].firing for _ in range(12)]
    assert verdicts == [False] * 11 + [True]


def test_an_inverter_that_worked_today_is_offline_at_its_second_reading_down():
    state = _seasoned()
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    dead = _feed(state, [T0 + 5 * MIN], lambda t: _reading(t, _site(t, i2=(0.0, ERROR))))
    assert _firing(dead) == set() and state.inverters[SERIALS[2]].late_today == 0
    dead = _feed(state, [T0 + 10 * MIN], lambda t: _reading(t, _site(t, i2=(0.0, ERROR))))
    assert _firing(dead) == _offline(2)
    assert state.inverters[SERIALS[2]].late_today == 0  # it woke today: not late


@pytest.mark.parametrize(("late", "learned"), [(36, True), (37, False)])
def test_a_late_start_after_up_to_thirty_six_readings_is_learned_as_shade(late, learned):
    state = _seasoned()
    state.inverters[SERIALS[5]].wake_hour = 1.0
    start = T0 - 4 * timedelta(hours=1)  # 8:00 solar time
    moments = [start + 5 * MIN * n for n in range(late)]
    _feed(state, moments, lambda t: _reading(t, _site(t, i5=(0.0, ERROR))))
    assert state.inverters[SERIALS[5]].late_today == late
    woke = start + 5 * MIN * late
    _feed(state, [woke], lambda t: _reading(t, _site(t)))
    hour = (woke - T0).total_seconds() / 3600 + 12
    assert state.inverters[SERIALS[5]].wake_hour == pytest.approx(hour if learned else 1.0 - 5 / 60, abs=1e-9)


def test_an_inverter_is_offline_only_after_two_readings_down_in_a_row():
    state = _seasoned()
    _feed(state, [T0], lambda t: _reading(t, _site(t)))
    assert _firing(_feed(state, [T0 + 5 * MIN], lambda t: _reading(t, _site(t, i2=(0.0, ERROR))))) == set()


def test_the_time_an_inverter_last_reported_is_remembered():
    state = _seasoned()
    heard = T0 - 2 * MIN
    _feed(state, [T0], lambda t: _reading(t, [*_site(t)[:4], _inv(SERIALS[4], 0.25, t, heard=heard), *_site(t)[5:]]))
    assert state.inverters[SERIALS[4]].measured_at == heard


def test_the_minutes_behind_of_a_stale_report():
    [j] = [j for j in _feed(_seasoned(), _two(), _stale_by(3600)) if j.firing]
    assert j.message.startswith("Inverter E00…0005 has not reported for 60 min")


def test_the_solar_day_without_a_longitude_turns_at_utc_midnight_exactly():
    assert detectors.solar_day(datetime(2026, 6, 21, 23, 59, 59, tzinfo=timezone.utc), None) == "2026-06-21"
    assert detectors.solar_day(datetime(2026, 6, 22, 0, 0, 0, tzinfo=timezone.utc), None) == "2026-06-22"


def test_no_production_against_a_best_of_two_kilowatts(monkeypatch):
    [fired] = _no_production(monkeypatch, production=0.04, peak=2.0)
    assert fired.firing
    assert _no_production(monkeypatch, production=0.04 + TINY, peak=2.0)[0].firing is False


def test_a_production_between_two_readings_of_nothing_starts_the_count_afresh(monkeypatch):
    monkeypatch.setattr(detectors, "sun_elevation_deg", lambda *_: 30.0)
    state = DetectorState(peak_production_kw=1.0)
    fired = []
    for n, production in enumerate([0.0, 0.0, 0.5, 0.0, 0.0]):
        when = T0 + 5 * MIN * n
        r = _reading(when, _site(when, kw=0.0), cloud=10.0, production=production)
        fired += _firing(observe_reading(state, r, latitude=0.0, longitude=0.0))
    assert fired == []


# the stalled streams (alerts/stalled.py): what the judges are given while a report or a stream stands still


@pytest.mark.parametrize(("behind_s", "given"), [(599, True), (600, False)])
def test_an_inverter_whose_own_report_is_ten_minutes_old_is_not_given_to_the_judge(monkeypatch, behind_s, given):
    calls = _spy(monkeypatch)
    invs = _site(T0)
    invs[3] = _inv(SERIALS[3], 0.25, T0, heard=T0 - timedelta(seconds=behind_s))  # its siblings heard just now
    judgements = observe_reading(_seasoned(), _reading(T0, invs), longitude=0.0, book=normal.MemoryBook())
    assert (SERIALS[3] in calls[0][0]) is given
    assert Judgement(detectors.OFFLINE, SERIALS[3], False) in judgements  # judged all the same: not offline


def test_while_the_inverters_are_stalled_none_is_judged_from_its_stale_figures(monkeypatch):
    calls = _spy(monkeypatch)
    invs = _site(T0, i1=(0.0, ERROR))
    frozen = [_inv(inv.serial, inv.power_kw, T0, inv.state, heard=T0 - 15 * MIN) for inv in invs]
    judgements = observe_reading(
        _seasoned(), _reading(T0, frozen), latitude=45.0, longitude=0.0, book=normal.MemoryBook()
    )  # noon in June, the frozen reports claiming 1.75 kW: a stall, from this reading on
    assert [j for j in judgements if j.kind == detectors.OFFLINE] == [] and calls[0][0] == {}


def test_with_the_meters_standing_still_no_production_is_judged_from_the_inverters():
    meters = (MeterReading("PVS6M00X0001p", "production", None, 0.0, None, None, None, T0 - 15 * MIN),)
    invs = _site(T0)
    site = SiteFigures(0.0, None, None, None, None, None, None, None, "meter")
    reading = Reading(T0, DeviceList(None, meters, tuple(invs)), site, cloud_cover_pct=10.0)
    state = DetectorState(peak_production_kw=2.0)
    judgements = observe_reading(state, reading, latitude=45.0, longitude=0.0)
    assert Judgement(detectors.NO_PRODUCTION, None, False) in judgements  # 2 kW from the inverters, not 0 W
