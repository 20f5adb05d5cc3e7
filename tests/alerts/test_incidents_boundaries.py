"""The incident lifecycle's thresholds exactly at and just under (mutation testing: bench/mutation.py)."""

from datetime import datetime, timedelta, timezone

from pvs6sup.alerts.incidents import update
from pvs6sup.alerts.judgement import NO_PRODUCTION, OFFLINE, UNDERPERFORMING, Judgement, clean
from pvs6sup.alerts.memory import InverterTrack

T0 = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
SERIAL = "E00X000000001392"
DAY = timedelta(hours=24)


def _offline(message="first"):
    return Judgement(OFFLINE, SERIAL, True, message, "detail " + message)


def test_a_reminder_comes_a_day_after_the_last_notice_exactly():
    incidents: dict = {}
    update(incidents, [_offline()], T0)
    assert update(incidents, [_offline()], T0 + DAY - timedelta(seconds=1)) == []
    [reminder] = update(incidents, [_offline()], T0 + DAY)
    assert (reminder.event, reminder.raised_at) == ("reminder", T0)
    assert update(incidents, [_offline()], T0 + 2 * DAY - timedelta(seconds=1)) == []
    [again] = update(incidents, [_offline()], T0 + 2 * DAY)
    assert again.event == "reminder"


def test_an_inverter_incident_keeps_the_figures_it_was_raised_with():
    incidents: dict = {}
    update(incidents, [_offline("first")], T0)
    update(incidents, [_offline("second")], T0 + timedelta(minutes=5))
    [incident] = incidents.values()
    assert (incident.message, incident.detail) == ("first", "detail first")
    # a site condition is told as it is now
    update(incidents, [Judgement(NO_PRODUCTION, None, True, "a", "a")], T0)
    update(incidents, [Judgement(NO_PRODUCTION, None, True, "b", "b")], T0 + timedelta(minutes=5))
    assert incidents[NO_PRODUCTION].message == "b"


def test_of_two_equally_specific_verdicts_in_one_cycle_the_first_is_kept():
    incidents: dict = {}
    [raised] = update(incidents, [_offline("first"), _offline("second")], T0)
    assert raised.message == "first"
    incidents = {}
    under = Judgement(UNDERPERFORMING, SERIAL, True, "under", "")
    [raised] = update(incidents, [under, _offline("dead")], T0)
    assert (raised.kind, raised.message) == (OFFLINE, "dead")


def test_resolved_at_the_third_clean_verdict_exactly():
    incidents: dict = {}
    update(incidents, [_offline()], T0)
    clean = [Judgement(OFFLINE, SERIAL, False)]
    assert update(incidents, clean, T0 + timedelta(minutes=5)) == []
    assert update(incidents, clean, T0 + timedelta(minutes=10)) == []
    [resolved] = update(incidents, clean, T0 + timedelta(minutes=15))
    assert resolved.event == "resolved" and resolved.message == "Fine again. When it was raised: first"


def test_a_new_inverter_track_starts_at_zero():
    track = InverterTrack()
    assert (track.offline_streak, track.late_today, track.wake_hour, track.missing_streak) == (0, 0, 0.0, 0)
    assert (track.group, track.first_day, track.woke_day, track.day) == (0, "", "", "")


def test_only_a_clean_verdict_of_its_own_kind_and_inverter_counts_towards_resolving():
    incidents: dict = {}
    update(incidents, [_offline()], T0)
    others = [clean(UNDERPERFORMING, SERIAL), clean(OFFLINE, "E00X000000009999"), clean(NO_PRODUCTION)]
    for minutes in range(5, 60, 5):
        assert update(incidents, others, T0 + timedelta(minutes=minutes)) == []
    assert incidents[f"inverter:{SERIAL}"].clean_streak == 0
    for minutes in (60, 65):
        assert update(incidents, [clean(OFFLINE, SERIAL)], T0 + timedelta(minutes=minutes)) == []
    [resolved] = update(incidents, [clean(OFFLINE, SERIAL)], T0 + timedelta(minutes=70))
    assert (resolved.event, resolved.serial) == ("resolved", SERIAL)


def test_a_site_incident_resolves_on_clean_verdicts_of_its_own_kind():
    incidents: dict = {}
    update(incidents, [Judgement(NO_PRODUCTION, None, True, "nothing", "")], T0)
    assert update(incidents, [clean(OFFLINE, SERIAL)] * 3, T0 + timedelta(minutes=5)) == []
    for minutes in (10, 15):
        assert update(incidents, [clean(NO_PRODUCTION)], T0 + timedelta(minutes=minutes)) == []
    [resolved] = update(incidents, [clean(NO_PRODUCTION)], T0 + timedelta(minutes=20))
    assert (resolved.event, resolved.kind) == ("resolved", NO_PRODUCTION)


def test_a_clean_verdict_is_one_shared_record_equal_to_a_new_one():
    assert clean(OFFLINE, SERIAL) is clean(OFFLINE, SERIAL)
    assert clean(OFFLINE, SERIAL) == Judgement(OFFLINE, SERIAL, False)
    assert clean(NO_PRODUCTION) == Judgement(NO_PRODUCTION, None, False)
    assert clean(OFFLINE, SERIAL) != clean(UNDERPERFORMING, SERIAL)


def _low(cause, evidence="", lost=None):
    return Judgement(UNDERPERFORMING, SERIAL, True, "low", "", cause, evidence, lost)


def test_the_energy_lost_adds_up_over_an_incident_and_unknown_adds_nothing():
    incidents: dict = {}
    update(incidents, [_low("", lost=None)], T0)
    assert incidents[f"inverter:{SERIAL}"].lost_kwh is None  # never counted: unknown, not 0
    update(incidents, [_low("", lost=0.5)], T0 + timedelta(minutes=5))
    update(incidents, [_low("", lost=0.25)], T0 + timedelta(minutes=10))
    update(incidents, [_low("", lost=None)], T0 + timedelta(minutes=15))
    assert incidents[f"inverter:{SERIAL}"].lost_kwh == 0.75


def test_a_cause_is_learned_while_none_or_unknown_is_known_and_a_known_one_stays():
    incidents: dict = {}
    update(incidents, [_low("")], T0)
    incident = incidents[f"inverter:{SERIAL}"]
    update(incidents, [_low("unknown", "not known yet")], T0 + timedelta(minutes=5))
    assert (incident.cause, incident.evidence) == ("unknown", "not known yet")
    update(incidents, [_low("panel", "36 V")], T0 + timedelta(minutes=10))
    assert (incident.cause, incident.evidence) == ("panel", "36 V")
    update(incidents, [_low("panel", "35 V")], T0 + timedelta(minutes=15))  # the same cause: its latest figures
    assert (incident.cause, incident.evidence) == ("panel", "35 V")
    update(incidents, [_low("shade", "low until noon")], T0 + timedelta(minutes=20))
    update(incidents, [_low("unknown", "not known")], T0 + timedelta(minutes=25))
    update(incidents, [_low("", "")], T0 + timedelta(minutes=30))
    assert (incident.cause, incident.evidence) == ("panel", "35 V")


def test_an_event_gives_its_energy_lost_to_3_decimals_and_none_when_unknown():
    incidents: dict = {}
    [raised] = update(incidents, [_low("panel", "36 V", lost=1.23456)], T0)
    assert raised.as_json()["lost_kwh"] == 1.235
    assert raised.as_json()["cause"] == "panel"
    [zero] = update({}, [_low("", lost=0.0)], T0)
    assert zero.as_json()["lost_kwh"] == 0.0 and "cause" not in zero.as_json()
    [unknown] = update({}, [_low("")], T0)
    assert "lost_kwh" not in unknown.as_json()
