"""Alerts end to end: main() in-process, the simulated PVS6 and a real SMTP server, both on 127.0.0.1."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller

from pvs6sup.alerts.state import load, queued_emails
from pvs6sup.sim.legacy_pvs import ForcedAnswer, SimulatedSite, SiteModel
from tests.support.harness import Harness
from tests.support.sim.month import DEAD, Fault, Scenario, write_archive
from tests.support.smtp_server import Inbox, free_port, mail_env, start_server


@pytest.fixture
def healthy(simulated):
    simulated.site = SimulatedSite(SiteModel(failed=frozenset()))
    return simulated


@pytest.fixture
def smtp(harness: Harness):
    controller, inbox = start_server("none")
    harness.env.update(mail_env(controller.port))
    yield inbox
    controller.stop()


def cycles(harness: Harness, count: int) -> None:
    for _ in range(count):
        result = harness.run("run")
        assert (result.code, result.stderr) == (0, "")
        harness.clock.advance(minutes=5)


def test_an_inverter_dead_since_before_the_first_cycle_is_told_after_the_first_days_three_hour_wait(
    harness: Harness, simulated, smtp
):
    cycles(harness, 35)  # the default simulated site has a dead inverter; nothing is learned yet
    assert smtp.messages == []
    cycles(harness, 1)
    [message] = smtp.messages
    assert message["Subject"].startswith("[PVS6] Roof: Inverter E00…0007 down: 0 W vs ")


def test_a_dead_inverter_in_daylight_sends_exactly_one_email_and_one_resolved_after_it_recovers(
    harness: Harness, healthy, smtp
):
    cycles(harness, 3)
    assert smtp.messages == []
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 12)  # an hour dead
    healthy.site.model.failed = frozenset()
    cycles(harness, 12)  # an hour working again
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 2
    assert re.fullmatch(r"\[PVS6\] Roof: Inverter E00…0004 down: 0 W vs \d+ W median", subjects[0])
    assert subjects[1] == "[PVS6] Roof: Resolved: Inverter E00…0004 down"
    assert smtp.recipients == [["owner@example.invalid"]] * 2
    assert queued_emails(harness.data_dir) == []


def test_inverters_failing_together_are_told_in_one_email_listing_each(harness: Harness, healthy, smtp):
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3, 4, 5})  # a tripped breaker on one string
    cycles(harness, 6)
    [message] = smtp.messages
    assert message["Subject"].startswith("[PVS6] Roof: 3 alerts: Inverter E00…0004 down: 0 W vs ")
    text = message.get_body(("plain",)).get_content()
    assert all(f"Inverter E00…000{n} down" in text for n in (4, 5, 6))


def test_an_email_that_cannot_be_sent_stays_queued_and_goes_next_cycle(harness: Harness, healthy):
    port = free_port()
    harness.env.update(mail_env(port))
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3})
    assert harness.run("run").code == 0
    harness.clock.advance(minutes=5)
    result = harness.run("run")  # the second reading in error raises the alert; nobody listens on the port
    assert result.code == 0
    assert result.stderr.count("\n") == 1 and "alert email deferred" in result.stderr
    assert len(queued_emails(harness.data_dir)) == 1
    harness.clock.advance(minutes=5)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert harness.run("run").code == 0
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message["Subject"].startswith("[PVS6] Roof: Inverter E00…0004 down: 0 W vs ")
    assert queued_emails(harness.data_dir) == []
    assert len((harness.data_dir / "readings.csv").read_text().splitlines()) == 1 + 4  # every reading recorded


def test_with_email_off_detection_still_updates_and_nothing_is_queued(harness: Harness, healthy):
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 4)
    state = load(harness.data_dir)
    assert list(state.incidents) == ["inverter:E00X00000700004"]
    assert queued_emails(harness.data_dir) == []


def test_an_unreachable_pvs_is_told_after_twelve_failed_cycles_and_the_exit_code_stays_1(
    harness: Harness, healthy, smtp
):
    healthy.forced.extend(ForcedAnswer(status=500, body=b"boom") for _ in range(12))
    codes = []
    for _ in range(12):
        codes.append(harness.run("run").code)
        harness.clock.advance(minutes=5)
    assert codes == [1] * 12
    assert [m["Subject"] for m in smtp.messages] == ["[PVS6] Roof: PVS not answering: no answer for 12 cycles"]
    cycles(harness, 3)
    assert smtp.messages[-1]["Subject"] == "[PVS6] Roof: Resolved: PVS not answering"


def test_check_shows_each_configured_service_working(harness: Harness, healthy, smtp):
    result = harness.run("check", "--send-test-email")
    assert result.code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("    ")]  # not the settings
    assert lines.pop(1).startswith("… asking the PVS at http://127.0.0.1:")  # said before the wait, then the results
    assert lines[0].startswith("✓ settings: valid")
    assert lines[1].startswith(f"✓ DATA_DIR {harness.data_dir}: writable")
    assert lines[2].startswith("✓ PVS at http://127.0.0.1:") and "12 inverters" in lines[2]
    assert lines[3].startswith("✓ weather (open-meteo): cloud cover")
    assert any(line.startswith("✓ email: test sent via 127.0.0.1") for line in lines)
    assert [m["Subject"] for m in smtp.messages] == ["[PVS6] Test email from pvs6-supervisor"]
    assert healthy.device_list_requests == 1


def test_check_names_inverter_groups_entries_that_match_no_inverter(harness: Harness, healthy):
    harness.env.update({"INVERTER_GROUPS": "00001,00002;X9999", "WEATHER_PROVIDER": "none"})
    result = harness.run("check")
    assert result.code == 6
    assert "✗ INVERTER_GROUPS: no inverter ends with X9999" in result.stdout


def test_check_fails_with_a_hint_when_the_mail_server_is_unreachable(harness: Harness, healthy):
    harness.env.update(mail_env(free_port()))
    result = harness.run("check")
    assert result.code == 6
    assert "✗ email: cannot send email via 127.0.0.1" in result.stdout
    assert "fix: check SMTP_HOST" in result.stdout


def test_half_configured_email_is_a_configuration_error_naming_the_variable(harness: Harness):
    harness.env.update({"SMTP_HOST": "smtp.gmail.com", "WEATHER_PROVIDER": "none"})
    result = harness.run("check")
    assert result.code == 2
    assert "ALERT_EMAIL_TO: required for email alerts" in result.stderr


@pytest.mark.slow
def test_replay_of_an_archive_prints_the_raised_and_resolved_events_and_writes_csvs(harness: Harness, tmp_path):
    site = SiteModel()  # the default site's serials: E00X000007000NN
    begin = datetime(2026, 6, 21, 7, 0, tzinfo=timezone.utc)
    scenario = Scenario(
        begin,
        days=1,
        inverter_count=6,
        faults=[Fault(DEAD, 1, begin + timedelta(hours=12), begin + timedelta(hours=14))],
        shadow_events_per_day=0,
    )
    archive = tmp_path / "archive"
    write_archive(scenario, archive)
    broken = archive / "raw" / "2026" / "06" / "21" / "20260621T230100Z.json.gz"
    broken.write_bytes(b"not gzip")
    harness.env.update({"LATITUDE": str(site.latitude), "LONGITUDE": str(site.longitude), "TIMEZONE": "UTC"})
    result = harness.run("replay", str(archive / "raw"), "--csv-dir", str(tmp_path / "csv"))
    assert result.code == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["event"], e["kind"], e["serial"]) for e in events] == [
        ("raised", "inverter_offline", "E00X00000700002"),
        ("resolved", "inverter_offline", "E00X00000700002"),
    ]
    assert events[0]["time"].startswith("2026-06-21T19:") and "E00…0002" in events[0]["message"]
    assert "20260621T230100Z.json.gz: unreadable, counted as a failed cycle" in result.stderr
    assert len((tmp_path / "csv" / "readings.csv").read_text().splitlines()) == 1 + 288
    assert sorted(p.name for p in (tmp_path / "csv").glob("inverters*")) == ["inverters-2026-06.csv"]  # by month
    out = tmp_path / "alerts.jsonl"
    assert harness.run("replay", str(archive), "--alerts-out", str(out)).stdout == ""
    assert [json.loads(line) for line in out.read_text().splitlines()] == events


def test_replay_of_a_path_that_does_not_exist_is_a_usage_error_naming_it(harness: Harness, tmp_path):
    harness.env["WEATHER_PROVIDER"] = "none"
    result = harness.run("replay", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "replay: no such file or folder:" in result.stderr and "nowhere" in result.stderr


@pytest.mark.parametrize("mended_by", ["creating the folder", "turning the sink off"])
@pytest.mark.slow
def test_a_sink_behind_for_a_day_is_told_in_one_email_naming_it_and_resolved_once_it_delivers(
    harness: Harness, healthy, smtp, tmp_path, mended_by
):
    textfile = tmp_path / "node-exporter" / "pvs6.prom"  # its folder missing: a setting only the owner can fix
    harness.env["PROMETHEUS_TEXTFILE"] = str(textfile)
    start = harness.clock.now

    def cycle() -> None:
        result = harness.run("run")
        assert result.code == 0, result.stderr
        assert all("Prometheus" in line for line in result.stderr.splitlines()), result.stderr  # nothing else
        harness.clock.advance(minutes=20)  # under the 30-minute gap that restarts streaks

    while harness.clock.now - start < timedelta(days=1):
        cycle()
    assert smtp.messages == []  # under a day behind: nothing told
    for _ in range(9):  # 3 more hours, past the queue's own 1-day limit and its first trim
        cycle()
    [message] = smtp.messages
    assert re.fullmatch(r"\[PVS6\] Roof: Delivery behind: Prometheus 2\d h", message["Subject"]), message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert re.search(r"Readings have waited \d+ h to be delivered to Prometheus\.", text), text
    assert "pvs6_supervisor.py check" in text and "status" in text

    if mended_by == "creating the folder":
        textfile.parent.mkdir()
    else:  # nothing waits for a sink that is off: the incident must not stay open for ever
        del harness.env["PROMETHEUS_TEXTFILE"]
    for _ in range(3):
        cycle()
    assert textfile.exists() == (mended_by == "creating the folder")
    assert [m["Subject"] for m in smtp.messages][1:] == ["[PVS6] Roof: Resolved: Delivery behind"]
    assert load(harness.data_dir).incidents == {}
