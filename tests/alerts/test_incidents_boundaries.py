"""The incident lifecycle's thresholds exactly at and just under (mutation testing: bench/mutation.py)."""

from datetime import datetime, timedelta, timezone

from pvs6sup.alerts.incidents import update
from pvs6sup.alerts.judgement import NO_PRODUCTION, OFFLINE, UNDERPERFORMING, Judgement
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
