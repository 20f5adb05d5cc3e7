"""The report wired into the real cycle (pvs6sup.cli.main against a simulated PVS on loopback): daily.csv kept
day by day, the page rewritten when due, the report command, and the summary email over a real SMTP server."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.page_check import check_balanced, svg_parts
from tests.support.smtp_server import start_server

ZONE = ZoneInfo("America/Los_Angeles")


def local(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=ZONE)


def daily(path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def cycles(harness, start: datetime, count: int) -> None:
    harness.clock.now = start
    for _ in range(count):
        result = harness.run("run")
        assert result.code == 0 and result.stderr == "", result.stderr
        harness.clock.advance(minutes=5)


def test_the_cycle_keeps_daily_csv_across_a_change_of_day_and_rewrites_the_page_when_due(harness, simulated):
    data = harness.data_dir
    cycles(harness, local(21, 23, 40), 4)  # 23:40 .. 23:55
    assert not (data / "daily.csv").exists()  # the day is still open
    page = data / "report" / "index.html"
    written = page.stat().st_mtime
    assert written == local(21, 23, 40).timestamp()  # the first cycle wrote it; not due again since
    cycles(harness, local(22, 0, 0), 2)  # 00:00, 00:05: the first reading of the new day closes the old one
    rows = daily(data / "daily.csv")
    assert {r["date"] for r in rows} == {"2026-06-21"}
    assert len(rows) == 1 + 12 and rows[0]["serial"] == "site"
    assert all(r["readings"] == "4" for r in rows)
    assert rows[0]["pvs_failures"] == "0"
    assert page.stat().st_mtime == written  # 25 minutes later: not due (REPORT_EVERY_MIN=60)

    cycles(harness, local(22, 0, 40), 1)
    assert page.stat().st_mtime == local(22, 0, 40).timestamp()
    assert daily(data / "daily.csv") == rows  # nothing appended twice, nothing reread

    harness.env["PVS_HOST"] = "http://127.0.0.1:9"  # the PVS does not answer: counted on the site's row
    harness.clock.advance(minutes=5)
    assert harness.run("run").code == 1
    harness.env["PVS_HOST"] = simulated.base_url
    cycles(harness, local(23, 0, 0), 1)
    new_day = [r for r in daily(data / "daily.csv") if r["date"] == "2026-06-22"]
    assert new_day[0]["serial"] == "site" and new_day[0]["pvs_failures"] == "1"
    assert new_day[0]["readings"] == "3"

    result = harness.run("report", "--days", "7", "--out", str(harness.tmp_path / "week.html"))
    assert result.code == 0 and result.stderr == ""
    assert result.stdout.splitlines()[-1] == str(harness.tmp_path / "week.html")
    html = (harness.tmp_path / "week.html").read_text()
    assert check_balanced(html) == [] and len(svg_parts(html)) == 3
    assert "<h2>Array, last 7 days</h2>" in html and "00700007" in html

    before = daily(data / "daily.csv")
    result = harness.run("report", "--rebuild")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [f"{data / 'daily.csv'}: rebuilt, 2 finished days", str(page)]
    after = daily(data / "daily.csv")
    assert [{k: v for k, v in r.items() if k != "pvs_failures"} for r in after] == [
        {k: v for k, v in r.items() if k != "pvs_failures"} for r in before
    ]
    assert {r["pvs_failures"] for r in after} == {""}  # the CSVs do not record it: unknown, not 0


def test_report_every_min_zero_leaves_the_page_to_the_command(harness, simulated):
    harness.env["REPORT_EVERY_MIN"] = "0"
    cycles(harness, local(21, 12, 0), 2)
    assert not (harness.data_dir / "report").exists()
    result = harness.run("report")
    assert result.code == 0 and result.stdout == f"{harness.data_dir / 'report' / 'index.html'}\n"


def test_a_report_that_fails_never_stops_recording(harness, simulated):
    (harness.data_dir / "report").mkdir(parents=True)
    (harness.data_dir / "report" / "index.html").mkdir()  # a folder where the page goes
    result = harness.run("run")
    assert result.code == 0
    assert "pvs6-supervisor: warning: report: cannot write" in result.stderr
    assert len(list(csv.reader((harness.data_dir / "readings.csv").open()))) == 2


def wait_for(condition, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def summary_env(smtp_port: int) -> dict[str, str]:
    """A daily summary at 07:00, emailed through the loopback SMTP server; the page left to the command."""
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "ALERT_EMAIL_FROM": "pvs@example.invalid",
        "ALERT_EMAIL_TO": "owner@example.invalid",
        "SUMMARY_EMAIL": "daily",
        "SUMMARY_HOUR": "7",
        "SITE_NAME": "Roof",
        "REPORT_EVERY_MIN": "0",
    }


@pytest.fixture
def smtp():
    controller, inbox = start_server("none")
    yield controller, inbox
    controller.stop()


def test_the_summary_email_arrives_over_loopback_smtp_through_a_real_cycle(harness, simulated, smtp):
    controller, inbox = smtp
    harness.env.update(summary_env(controller.port))
    cycles(harness, local(21, 12, 0), 3)  # Sunday noon
    cycles(harness, local(22, 0, 0), 1)  # Monday: Sunday is finished
    cycles(harness, local(22, 6, 55), 1)  # before SUMMARY_HOUR: nothing yet
    assert inbox.messages == []
    cycles(harness, local(22, 7, 0), 2)  # 07:00 queues it and the same cycle sends it; 07:05 does not again
    wait_for(lambda: len(inbox.messages) >= 1)
    [message] = inbox.messages
    assert message["Subject"].startswith("[PVS6] Roof, Sun 21 Jun: ")
    assert inbox.recipients == [["owner@example.invalid"]]
    text = message.get_body(("plain",)).get_content()
    assert "3 of 288 readings recorded" in text and "PVS errors: 0 cycles without an answer" in text
    html = message.get_body(("html",)).get_content()
    assert "<svg" not in html and html.count("<tr><td>E00X0000070") == 12
    assert not list((harness.data_dir / "alerts-outbox").glob("*.eml"))
    assert (harness.data_dir / "summary-sent.txt").read_text() == "2026-06-21\n"


def test_the_summary_reaches_the_phone_too_with_its_figures(harness, simulated, smtp):
    from tests.support.push_receiver import PushReceiver

    controller, inbox = smtp
    phone = PushReceiver()
    try:
        harness.env.update(summary_env(controller.port) | {"NOTIFY_URLS": f"json://127.0.0.1:{phone.port}/hook"})
        cycles(harness, local(21, 12, 0), 3)  # Sunday noon
        cycles(harness, local(22, 0, 0), 1)  # Monday: Sunday is finished
        assert phone.delivered() == []  # no summary before SUMMARY_HOUR, and nothing else to say
        cycles(harness, local(22, 7, 0), 2)  # 07:00 queues the email and the push; 07:05 neither again
        wait_for(lambda: len(inbox.messages) >= 1)
        [push] = phone.delivered()
        sent = push.json()
        assert sent["title"].startswith("PVS6 Roof: summary 2026-06-21: ") and sent["title"].endswith(" kWh")
        assert "from 11 inverters." in sent["message"]  # of 12: the simulated site has one dead from the start
        assert "No alert." in sent["message"]  # three readings on Sunday: too few to judge anything
    finally:
        phone.close()
