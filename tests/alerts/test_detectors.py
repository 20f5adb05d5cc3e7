"""The alert detectors on hand-made readings: what fires, what stays quiet, and when."""

from datetime import datetime, timedelta, timezone

from pvs6sup.alerts import detectors
from pvs6sup.alerts.detectors import DetectorState, Judgement, Thresholds, observe_failure, observe_reading
from pvs6sup.alerts.incidents import update
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures

NOON = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)  # solar noon at the default site
MIDNIGHT = datetime(2026, 6, 21, 8, 0, tzinfo=timezone.utc)
LAT, LON = 37.42, -122.08
SERIALS = [f"E00X0000000{i:04d}" for i in range(1, 9)]


def inverter(serial, kw, when, state=None, lifetime=None, heard=None):
    return InverterReading(
        serial=serial,
        state=state or ("working" if kw > 0.001 else "error"),
        model="AC_Module_Type_E",
        power_kw=kw,
        dc_power_kw=None,
        lifetime_kwh=lifetime,
        temperature_c=None,
        measured_at=heard or when,
    )


def reading(when, inverters, cloud=None, production=None):
    total = sum(inv.power_kw or 0 for inv in inverters) if production is None else production
    site = SiteFigures(total, None, None, None, None, None, None, None, "inverters")
    return Reading(when, DeviceList(None, (), tuple(inverters)), site, cloud_cover_pct=cloud)


def site_at(when, kw=0.25, **special):
    """All inverters at kw, except those given as SERIAL-index=kw or =(kw, state)."""
    result = []
    for index, serial in enumerate(SERIALS):
        value = special.get(f"i{index}", kw)
        if value is None:
            continue
        if isinstance(value, tuple):
            result.append(inverter(serial, value[0], when, state=value[1]))
        else:
            result.append(inverter(serial, value, when))
    return result


def known_since_yesterday():
    """A state that has seen every inverter work for days, so today's mornings are judged as usual."""
    state = DetectorState()
    for days in range(Thresholds().learning_days, 0, -1):
        before = NOON - timedelta(days=days)
        observe_reading(state, reading(before, site_at(before)), latitude=LAT, longitude=LON)
    return state


def run(readings, state=None, **kwargs):
    """Feed readings; return the firing judgements of the last one, as (kind, serial) pairs."""
    state = state or known_since_yesterday()
    last = []
    for r in readings:
        last = observe_reading(state, r, latitude=LAT, longitude=LON, **kwargs)
    return {(j.kind, j.serial) for j in last if j.firing}, state


def series(start, count, build, step=5):
    return [build(start + timedelta(minutes=step * n), n) for n in range(count)]


def test_an_inverter_in_error_while_its_siblings_produce_is_offline_after_two_readings():
    readings = series(NOON, 2, lambda t, n: reading(t, site_at(t, i2=(0.0, "error"))))
    one, _ = run(readings[:1])
    two, _ = run(readings)
    assert one == set()
    assert two == {(detectors.OFFLINE, SERIALS[2])}


def test_the_offline_message_names_the_masked_inverter_and_both_powers():
    state = known_since_yesterday()
    for t in [NOON + timedelta(minutes=5 * n) for n in range(3)]:
        judgements = observe_reading(state, reading(t, site_at(t, i2=(0.0, "error"))), latitude=LAT, longitude=LON)
    [fired] = [j for j in judgements if j.firing]
    assert fired.detail == "0 W vs 250 W median"
    assert "E00…0003" in fired.message and SERIALS[2] not in fired.message


def test_in_its_first_days_an_inverter_must_be_down_three_hours_before_it_counts():
    readings = series(NOON, 36, lambda t, n: reading(t, site_at(t, i2=(0.0, "error"))))
    early, state = run(readings[:35], DetectorState())
    late, _ = run(readings[35:], state)
    assert early == set()
    assert late == {(detectors.OFFLINE, SERIALS[2])}


def test_an_inverter_in_deep_shade_every_morning_is_not_down_once_its_late_start_is_learned():
    state = known_since_yesterday()
    fired_each_morning = []
    for day in range(1, 5):
        dawn = NOON.replace(hour=14) + timedelta(days=day)  # 6:00 solar time

        def build(t, n):
            return reading(t, site_at(t, kw=0.1, i5=(0.0, "error") if n < 12 else 0.1))  # wakes at 7:00

        fired = set()
        for r in series(dawn, 24, build):
            fired |= {(j.kind, j.serial) for j in observe_reading(state, r, latitude=LAT, longitude=LON) if j.firing}
        fired_each_morning.append(fired)
    assert fired_each_morning[0] == {(detectors.OFFLINE, SERIALS[5])}  # the first shaded morning is news
    assert fired_each_morning[1:] == [set(), set(), set()]


def test_an_inverter_that_usually_starts_late_is_still_down_soon_after_its_usual_hour():
    state = known_since_yesterday()
    state.inverters[SERIALS[5]].wake_hour = 7.0
    dawn = NOON.replace(hour=14) + timedelta(days=1)
    readings = series(dawn, 24, lambda t, n: reading(t, site_at(t, kw=0.1, i5=(0.0, "error"))))
    first = None
    for r in readings:
        if any(j.firing for j in observe_reading(state, r, latitude=LAT, longitude=LON)):
            first = r.fetched_at
            break
    assert first is not None
    solar_hour = (first.timestamp() / 3600 + LON / 15) % 24
    assert 7.25 <= solar_hour < 7.5


def test_every_inverter_in_error_at_night_is_not_judged_at_all():
    readings = series(MIDNIGHT, 24, lambda t, n: reading(t, site_at(t, kw=0.0)))
    fired, _ = run(readings)
    assert fired == set()


def test_a_dead_sibling_does_not_drag_the_median_so_the_healthy_ones_stay_quiet():
    readings = series(NOON, 60, lambda t, n: reading(t, site_at(t, i0=(0.0, "error"), i1=(0.0, "error"))))
    fired, _ = run(readings)
    assert fired == {(detectors.OFFLINE, SERIALS[0]), (detectors.OFFLINE, SERIALS[1])}


def test_a_passing_cloud_shadow_over_some_panels_raises_nothing():
    def build(t, n):
        shaded = 8 <= n < 14  # half an hour of shadow on three neighbours
        shadow = {"i3": 0.06, "i4": 0.05, "i5": 0.07} if shaded else {}
        return reading(t, site_at(t, **shadow))

    fired, _ = run(series(NOON, 30, build))
    assert fired == set()


def test_dawn_with_siblings_making_a_few_watts_is_not_judged():
    fired, _ = run(series(NOON, 6, lambda t, n: reading(t, site_at(t, kw=0.015, i2=(0.0, "error")))))
    assert fired == set()


def test_a_report_stale_by_more_than_half_an_hour_while_siblings_update_is_not_reporting():
    frozen = NOON - timedelta(minutes=40)

    def build(t, n):
        invs = site_at(t)
        invs[4] = inverter(SERIALS[4], 0.25, t, heard=frozen)
        return reading(t, invs)

    fired, _ = run(series(NOON, 3, build))
    assert fired == {(detectors.OFFLINE, SERIALS[4])}


def test_an_inverter_gone_from_the_list_it_was_in_is_reported_missing_in_daylight():
    first = [reading(NOON, site_at(NOON))]
    gone = series(NOON + timedelta(minutes=5), 3, lambda t, n: reading(t, site_at(t, i6=None)))
    fired, _ = run(first + gone)
    assert fired == {(detectors.OFFLINE, SERIALS[6])}
    quiet_night, _ = run(series(MIDNIGHT + timedelta(days=1), 3, lambda t, n: reading(t, site_at(t, kw=0.0, i6=None))))
    assert quiet_night == set()


def test_a_gap_while_the_pi_was_off_starts_every_streak_afresh():
    before = series(NOON, 1, lambda t, n: reading(t, site_at(t, i2=(0.0, "error"))))
    after = series(NOON + timedelta(hours=3), 1, lambda t, n: reading(t, site_at(t, i2=(0.0, "error"))))
    fired, _ = run(before + after)
    assert fired == set()


# Underperformance against the learned normal: tests/alerts/test_normal.py.


def test_the_pvs_is_unreachable_after_n_failed_cycles_and_cleared_by_a_reading():
    state = DetectorState()
    verdicts = [observe_failure(state)[0].firing for _ in range(Thresholds().unreachable_cycles)]
    assert verdicts[-2:] == [False, True]
    after = observe_reading(state, reading(NOON, site_at(NOON)), latitude=LAT, longitude=LON)
    assert detectors.Judgement(detectors.PVS_UNREACHABLE, None, False) in after


def test_no_production_fires_under_a_clear_sky_but_not_under_overcast():
    def clear(t, n):
        return reading(t, site_at(t, kw=0.0), cloud=10)

    def overcast(t, n):
        return reading(t, site_at(t, kw=0.0), cloud=95)

    sunny = [reading(NOON - timedelta(days=1), site_at(NOON - timedelta(days=1)))]
    fired, _ = run(sunny + series(NOON, 3, clear))
    assert (detectors.NO_PRODUCTION, None) in fired
    fired, _ = run(sunny + series(NOON, 6, overcast))
    assert fired == set()


def test_delivery_backlog_is_not_judged_without_a_sink_and_clean_when_every_queue_is_empty_or_young():
    assert detectors.delivery_backlog(None) == []
    assert detectors.delivery_backlog([]) == [Judgement(detectors.DELIVERY_BACKLOG, None, False)]
    young = [("Google Sheets", 3600.0), ("PVOutput", 23.9 * 3600)]
    assert detectors.delivery_backlog(young) == [Judgement(detectors.DELIVERY_BACKLOG, None, False)]


def test_delivery_backlog_fires_for_any_one_sink_a_day_behind_and_names_it():
    [judgement] = detectors.delivery_backlog([("Google Sheets", 600.0), ("InfluxDB", 25 * 3600.0), ("MQTT", 0.0)])
    assert (judgement.kind, judgement.serial, judgement.firing) == (detectors.DELIVERY_BACKLOG, None, True)
    assert judgement.message == "Readings have waited 25 h to be delivered to InfluxDB."
    assert judgement.detail == "InfluxDB 25 h"
    [at_the_limit] = detectors.delivery_backlog([("Prometheus", 24 * 3600.0)])  # its queue keeps only a day
    assert at_the_limit.firing


def test_several_sinks_behind_are_one_judgement_naming_each_oldest_first_and_not_the_young_ones():
    backlogs = [
        ("Google Sheets", 26 * 3600.0),
        ("PVOutput", 30 * 3600.0),
        ("InfluxDB", 2 * 3600.0),
        ("Prometheus", 48 * 3600.0),
    ]
    [judgement] = detectors.delivery_backlog(backlogs)
    assert judgement.firing and judgement.serial is None
    assert judgement.message == (
        "Readings have waited 48 h to be delivered to Prometheus, 30 h to PVOutput and 26 h to Google Sheets."
    )
    assert judgement.detail == "Prometheus 48 h, PVOutput 30 h, Google Sheets 26 h"
    [two] = detectors.delivery_backlog(backlogs[:2])
    assert two.message == "Readings have waited 30 h to be delivered to PVOutput and 26 h to Google Sheets."


def test_a_backlog_incident_is_raised_once_updated_while_it_lasts_and_resolved_when_all_caught_up():
    incidents: dict = {}
    t = NOON
    raised = update(incidents, detectors.delivery_backlog([("PVOutput", 25 * 3600.0)]), t)
    assert [(e.event, e.kind) for e in raised] == [("raised", detectors.DELIVERY_BACKLOG)]
    worse = detectors.delivery_backlog([("PVOutput", 26 * 3600.0), ("InfluxDB", 24.5 * 3600.0)])
    assert update(incidents, worse, t + timedelta(hours=1)) == []  # one incident, whatever the number of sinks
    assert "InfluxDB" in incidents[detectors.DELIVERY_BACKLOG].message
    assert update(incidents, detectors.delivery_backlog(None), t + timedelta(hours=2)) == []  # not judged
    events = []
    for n in range(3):
        events += update(incidents, detectors.delivery_backlog([]), t + timedelta(hours=3, minutes=5 * n))
    assert [e.event for e in events] == ["resolved"] and incidents == {}


def test_a_dead_inverter_waiting_for_its_usual_start_hour_is_not_judged_clean_meanwhile():
    state = known_since_yesterday()
    state.inverters[SERIALS[5]].wake_hour = 7.0
    dawn = NOON.replace(hour=14) + timedelta(days=1)  # 6:00 solar time
    r = reading(dawn, site_at(dawn, kw=0.1, i5=(0.0, "error")))
    verdicts = [j for j in observe_reading(state, r, latitude=LAT, longitude=LON) if j.serial == SERIALS[5]]
    assert verdicts == []


def test_energy_guard_peak_and_lifetime_rules():
    from pvs6sup.core.energy_guard import learned_peak_kw, lifetime_problem

    cases = [  # previous peak, production, inverters -> learned peak
        (3.8, 450.0, 12, 3.8),  # a meter glitch teaches nothing
        (450.0, 3.1, 12, 6.0),  # a glitch an older version stored is brought under the inverters' limit
        (3.8, 4.0, 12, 4.0),
        (3.8, None, 12, 3.8),
        (3.8, 450.0, 0, 450.0),  # no inverter known: no limit to apply
    ]
    for previous, production, inverters, expected in cases:
        assert learned_peak_kw(previous, production, inverters) == expected
    assert lifetime_problem(100.0, 100.4, 300, 6.0) is None  # 0.4 kWh in 5 minutes at up to 6 kW
    assert lifetime_problem(100.0, 0.0, 300, 6.0) is not None  # a register that read 0
    assert lifetime_problem(100.0, 99.9, 300, 6.0) is not None  # a drop
    assert lifetime_problem(100.0, 140.0, 300, 6.0) is not None  # more than the roof can make
    assert lifetime_problem(None, 100.0, 300, 6.0) is None and lifetime_problem(None, None, 300, 6.0) is not None
