"""The summary email: the period's energy, inverter bars as HTML tables, alerts and data health; it goes
through the alert email outbox and arrives over a real SMTP server on loopback."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pvs6sup.alerts import smtp
from pvs6sup.alerts.state import queue_email, queued_emails, read_email
from pvs6sup.report import load, schedule
from pvs6sup.report.data import AlertItem, SinkFreshness
from pvs6sup.report.summary import compose_summary, period
from pvs6sup.settings.config import EmailSettings
from pvs6sup.store import rollup_file
from tests.support.report_sim import DEAD_INDEX, ZONE, site_with_history
from tests.support.smtp_server import start_server

NOW = datetime(2026, 6, 22, 14, 5, tzinfo=timezone.utc)  # Monday 07:05 in California


def test_period_is_yesterday_after_the_hour_once_and_last_week_on_mondays():
    assert period("daily", NOW, ZONE, 7, None) == (date(2026, 6, 21), date(2026, 6, 21))
    assert period("daily", NOW, ZONE, 8, None) is None  # not yet 08:00
    assert period("daily", NOW, ZONE, 7, date(2026, 6, 21)) is None  # already queued
    assert period("weekly", NOW, ZONE, 7, None) == (date(2026, 6, 15), date(2026, 6, 21))
    assert period("weekly", NOW + timedelta(days=1), ZONE, 7, date(2026, 6, 14)) is None  # Tuesday
    assert period("off", NOW, ZONE, 0, None) is None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("summary") / "data"
    serials = site_with_history(data_dir, NOW - timedelta(hours=6, minutes=5))  # through 00:00 Monday, local
    return data_dir, serials


def compose(data_dir, first, last, sinks=()):
    rows = rollup_file.read_since(data_dir, first)
    alerts = load.load(data_dir, ZONE, NOW).alerts
    return compose_summary(
        first,
        last,
        rows,
        alerts,
        sinks,
        site_name="Test site",
        sender="pvs@example.invalid",
        recipients=("owner@example.invalid",),
        now=NOW,
        zone=ZONE,
    )


@pytest.mark.slow
def test_the_summary_arrives_over_loopback_smtp_through_the_alert_outbox(site):
    data_dir, serials = site
    first, last = period("daily", NOW, ZONE, 7, schedule.summary_sent_through(data_dir))
    message = compose(data_dir, first, last, [SinkFreshness("Google Sheets", None, 12)])
    queue_email(data_dir, message, NOW, 1)
    schedule.mark_summary_sent(data_dir, last)
    assert period("daily", NOW, ZONE, 7, schedule.summary_sent_through(data_dir)) is None

    controller, inbox = start_server("none")
    try:
        settings = EmailSettings(
            host="127.0.0.1", port=controller.port, security="none", user=None, password=None, timeout_s=10
        )
        for path in queued_emails(data_dir):  # what alerting.send_queued does each cycle
            message = read_email(path, data_dir)
            assert message is not None
            smtp.send(settings, message, None)
            path.unlink()
    finally:
        controller.stop()
    [received] = inbox.messages
    assert received["Subject"].startswith("[PVS6] Test site, Sun 21 Jun: ")
    assert received["Subject"].endswith("kWh, 1 thing to look at")
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "<svg" not in html and 'style="background:#a50026' in html  # the dead inverter's bar is red
    dead = serials[DEAD_INDEX]
    assert f"{dead}  ....................  0.00 kWh, 0 %" in text
    assert f"Inverter {dead} is offline (since" in text
    assert "288 of 288 readings recorded" in text and "PVS errors: 0 cycles without an answer" in text
    assert "Google Sheets: 12 readings waiting to be delivered" in text
    site_kwh = sum(r.energy_kwh or 0 for r in rollup_file.read_since(data_dir, last) if r.serial == "site")
    assert f"the site made {site_kwh:.1f} kWh" in text


def test_a_weekly_summary_counts_the_week(site):
    data_dir, _ = site
    message = compose(data_dir, date(2026, 6, 15), date(2026, 6, 21))
    text = message.get_body(("plain",)).get_content()
    assert "15 Jun – 21 Jun" in message["Subject"]
    assert "of 2016 readings recorded" in text
    assert "PVS errors: 0 cycles without an answer" in text
    assert "inverters with readings missing" not in text


def test_no_active_alert_and_no_rows_tell_unknown_not_zero():
    message = compose_summary(
        date(2026, 6, 21),
        date(2026, 6, 21),
        [],
        [AlertItem("x", None, "old", NOW, NOW)],
        [],
        site_name="S",
        sender="a@example.invalid",
        recipients=("b@example.invalid",),
        now=NOW,
        zone=ZONE,
    )
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "[PVS6] S, Sun 21 Jun: unknown, all well"
    assert "No active alert." in text and "0 of 288 readings recorded" in text
    assert "PVS errors: unknown" in text  # no row (or a rebuilt one): not a made-up 0
