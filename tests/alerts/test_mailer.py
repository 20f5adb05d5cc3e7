"""Sending alert email to a real SMTP server on loopback: plain, STARTTLS and implicit TLS, verified."""

import ssl
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.alerts import compose, detectors, smtp
from pvs6sup.alerts.incidents import Event
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures
from pvs6sup.settings.config import EmailSettings
from tests.support.smtp_server import PASSWORD, USER, make_certificate, start_server

WHEN = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
ZONE = ZoneInfo("America/Los_Angeles")
DEAD = "E00X000000001392"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusting(certificate):
    return ssl.create_default_context(cafile=str(certificate[0]))


def settings(controller, security, user=None, password=None):
    return EmailSettings(controller.hostname, controller.port, security, user, password, timeout_s=5)


def alert_email():
    inverters = tuple(
        InverterReading(s, "working" if kw else "error", None, kw, None, None, None, WHEN)
        for s, kw in [("E00X000000001001", 0.287), (DEAD, 0.0), ("E00X000000001003", 0.29)]
    )
    reading = Reading(WHEN, DeviceList(None, (), inverters), SiteFigures(*[None] * 9))
    event = Event(WHEN, "raised", detectors.OFFLINE, DEAD, "Inverter E00…1392 is in STATE error", "0 W vs 287 W median")
    history = [(WHEN.timestamp() - 300 * n, kw) for n, kw in enumerate([0.0, 0.0, 0.25, 0.28])][::-1]
    return compose.compose(event, USER, ("owner@example.invalid", "second@example.invalid"), ZONE, reading, history)


def test_an_alert_reaches_a_plain_server_with_its_subject_text_and_html_chart():
    controller, inbox = start_server("none")
    try:
        smtp.send(settings(controller, "none"), alert_email())
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message["Subject"] == "[PVS6] Inverter E00…1392 down: 0 W vs 287 W median"  # no SITE_NAME given
    assert inbox.recipients == [["owner@example.invalid", "second@example.invalid"]]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "E00…1392" in text and "Raised Sun 21 Jun, 13:00" in text
    assert DEAD not in text and DEAD not in html and DEAD not in message["Subject"]
    assert html.count("<tr") == 3 and "background:#d9534f" in html  # one bar per inverter, the dead one red
    assert html.count("<tr style='background:#fdecea") == 1  # and its row highlighted
    assert "Recent output, Sun 21 Jun, 12:45 to 13:00 (its best 280 W)" in html


def test_starttls_with_login_sends_when_the_certificate_is_trusted(certificate, trusting):
    controller, inbox = start_server("starttls", certificate, auth=True)
    try:
        smtp.send(settings(controller, "starttls", USER, PASSWORD), alert_email(), trusting)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_starttls_refuses_a_certificate_it_cannot_verify(certificate):
    controller, inbox = start_server("starttls", certificate, auth=True)
    try:
        with pytest.raises(smtp.MailError, match=r"certificate of 127\.0\.0\.1 could not be verified"):
            smtp.send(settings(controller, "starttls", USER, PASSWORD), alert_email())  # default trust store
    finally:
        controller.stop()
    assert inbox.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_sends_when_the_certificate_is_trusted(certificate, trusting):
    controller, inbox = start_server("ssl", certificate, auth=True)
    try:
        smtp.send(settings(controller, "ssl", USER, PASSWORD), alert_email(), trusting)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_a_wrong_password_is_one_line_naming_the_settings_without_the_password(certificate, trusting):
    controller, _ = start_server("starttls", certificate, auth=True)
    try:
        with pytest.raises(smtp.MailError) as caught:
            smtp.send(settings(controller, "starttls", USER, "wrong-X000"), alert_email(), trusting)
    finally:
        controller.stop()
    assert "refused SMTP_USER/SMTP_PASSWORD (535)" in str(caught.value)
    assert "wrong-X000" not in str(caught.value)


def test_a_server_that_is_not_there_is_a_mail_error():
    gone = EmailSettings("127.0.0.1", 9, "none", None, None, timeout_s=2)
    with pytest.raises(smtp.MailError, match=r"cannot send email via 127\.0\.0\.1:9"):
        smtp.send(gone, alert_email())


def test_the_password_never_shows_in_the_settings_repr():
    assert "secret-X000" not in repr(EmailSettings("h", 587, "starttls", "u", "secret-X000"))


def test_resolved_and_reminder_subjects_say_so():
    raised = Event(WHEN, "raised", detectors.PVS_UNREACHABLE, None, "m", "no answer for 12 cycles")
    assert compose.subject(raised) == "[PVS6] PVS not answering: no answer for 12 cycles"
    assert compose.subject(Event(WHEN, "reminder", detectors.OFFLINE, DEAD, "m", "not reporting")) == (
        "[PVS6] Still: Inverter E00…1392 down: not reporting"
    )
    assert compose.subject(Event(WHEN, "resolved", detectors.OFFLINE, DEAD, "m", "x")) == (
        "[PVS6] Resolved: Inverter E00…1392 down"
    )


def test_an_email_put_in_the_outbox_by_hand_keeps_the_mail_error_and_dates_from_its_file(tmp_path):
    import os

    from pvs6sup.alerts.state import OUTBOX_DIR, queued_at
    from pvs6sup.notify import health
    from pvs6sup.notify.step import send_email

    outbox = tmp_path / OUTBOX_DIR
    outbox.mkdir()
    by_hand = outbox / "notes.eml"
    by_hand.write_bytes(bytes(alert_email()))
    os.utime(by_hand, (WHEN.timestamp() - 3600, WHEN.timestamp() - 3600))
    assert queued_at(by_hand, WHEN) == datetime(2026, 6, 21, 19, 0, tzinfo=timezone.utc)
    assert queued_at(outbox / "20260621T183000Z-000.eml", WHEN) == datetime(2026, 6, 21, 18, 30, tzinfo=timezone.utc)
    assert queued_at(outbox / "gone.eml", WHEN) == WHEN  # gone meanwhile: nothing of it waits
    before = datetime(2026, 6, 21, 18, 0, tzinfo=timezone.utc)  # raised before the file's time (19:00), and after
    after = datetime(2026, 6, 21, 19, 30, tzinfo=timezone.utc)
    health.note_raised(tmp_path, before)
    health.note_raised(tmp_path, after)
    gone = EmailSettings("127.0.0.1", 9, "none", timeout_s=2, recipients=("owner@example.com",))
    with pytest.raises(smtp.MailError, match="1 alert email"):
        send_email(gone, tmp_path, WHEN)
    noted = health.load(tmp_path)
    assert noted["channels"]["email"]["error"].startswith("cannot send email via 127.0.0.1:9")
    # what was raised before the hand-put email's file time has gone out; what came after it waits behind it
    assert noted["undelivered"] == [after.isoformat()]
    assert by_hand.exists()
