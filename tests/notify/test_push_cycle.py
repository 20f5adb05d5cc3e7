"""Phone notifications end to end: main() in-process, the simulated PVS6, real Apprise sending to a local HTTP
endpoint (json:// and ntfy://) that fails, then accepts, and the healthcheck against a local endpoint."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from pvs6sup.notify import health
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from tests.support.harness import Harness
from tests.support.push_receiver import PushReceiver
from tests.support.smtp_server import free_port, mail_env


@pytest.fixture
def healthy(simulated, harness: Harness):
    harness.env["SITE_NAME"] = "Roof"
    simulated.site = SimulatedSite(SiteModel(failed=frozenset()))
    return simulated


@pytest.fixture
def phone() -> Iterator[PushReceiver]:
    receiver = PushReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def watchdog() -> Iterator[PushReceiver]:
    receiver = PushReceiver()
    yield receiver
    receiver.close()


def cycles(harness: Harness, count: int) -> list[str]:
    """Run `count` cycles 5 minutes apart; each records (exit 0); their stderr lines."""
    said = []
    for _ in range(count):
        result = harness.run("run")
        assert result.code == 0, result.stderr
        said += result.stderr.splitlines()
        harness.clock.advance(minutes=5)
    return said


def titles(receiver: PushReceiver) -> list[str]:
    return [hit.json()["title"] for hit in receiver.delivered()]


def test_one_outage_is_one_raised_and_one_resolved_push_even_when_the_first_try_failed(
    harness: Harness, healthy, phone: PushReceiver
):
    harness.env["NOTIFY_URLS"] = f"json://127.0.0.1:{phone.port}/hook/pvs6-secret-path"
    cycles(harness, 3)
    assert phone.hits == []  # nothing to say: nothing sent
    phone.status = 500
    healthy.site.model.failed = frozenset({3})
    said = cycles(harness, 2)  # the second reading in error raises the alert; the endpoint refuses it
    assert len(phone.hits) == 1 and phone.delivered() == []
    [line] = said
    assert "phone notification: json at 127.0.0.1:" in line and "kept to retry next cycle" in line
    assert "pvs6-secret-path" not in line
    phone.status = 200
    assert cycles(harness, 10) == []  # retried and delivered on the next cycle, once
    assert titles(phone) == ["PVS6 Roof: Inverter E00…0004 down"]
    healthy.site.model.failed = frozenset()
    cycles(harness, 12)
    assert titles(phone) == ["PVS6 Roof: Inverter E00…0004 down", "PVS6 Roof: Resolved: Inverter E00…0004 down"]
    raised, resolved = (hit.json() for hit in phone.delivered())
    assert raised["message"].startswith("0 W vs ") and "Check the inverter's breaker" in raised["message"]
    assert resolved["message"].startswith("Back after ")
    assert all(hit.path == "/hook/pvs6-secret-path" for hit in phone.hits)
    for kept in ("logs/pvs6-supervisor.log", "notify-state.json"):  # the URL's token is nowhere on disk but .env
        assert "pvs6-secret-path" not in (harness.data_dir / kept).read_text()


def test_with_email_down_and_a_push_channel_up_the_owner_hears_within_the_cycle(
    harness: Harness, healthy, phone: PushReceiver
):
    harness.env.update(mail_env(free_port()))  # nobody listens: every email fails
    harness.env["NOTIFY_URLS"] = f"json://127.0.0.1:{phone.port}/hook"
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 1)
    assert phone.hits == []
    result = harness.run("run")  # the alert is raised in this cycle
    assert result.code == 0
    assert titles(phone) == ["PVS6 Roof: Inverter E00…0004 down"]
    assert "alert email deferred" in result.stderr and "phone notification" not in result.stderr


def test_every_channel_down_an_hour_after_an_alert_fails_the_ping_until_one_recovers(
    harness: Harness, healthy, phone: PushReceiver, watchdog: PushReceiver
):
    harness.env.update(mail_env(free_port()))
    harness.env["NOTIFY_URLS"] = f"json://127.0.0.1:{phone.port}/hook"
    harness.env["HEALTHCHECK_URL"] = f"http://127.0.0.1:{watchdog.port}/ping/0000-uuid"
    cycles(harness, 1)
    [ping] = watchdog.hits
    assert (ping.method, ping.path) == ("POST", "/ping/0000-uuid")
    assert "reading recorded 2026-06-21 19:05 UTC: 12/12 inverters working" in ping.text
    assert "inverters: 12 reporting, newest" in ping.text and "meters: production" in ping.text

    phone.status = 500
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 2)  # raised in the second; neither channel delivers it
    cycles(harness, 11)  # 55 minutes undelivered: still healthy
    assert not watchdog.hits[-1].path.endswith("/fail")
    cycles(harness, 1)  # an hour
    last = watchdog.hits[-1]
    assert last.path == "/ping/0000-uuid/fail"
    assert last.text.startswith("an alert raised 60 min ago (2026-06-21 19:15 UTC) was delivered by no channel")
    assert f"json at 127.0.0.1:{phone.port}: " in last.text and "email: " in last.text
    assert "0000-uuid" not in last.text

    phone.status = 200
    cycles(harness, 1)
    assert titles(phone) == ["PVS6 Roof: Inverter E00…0004 down"]  # the backlog, once
    assert watchdog.hits[-1].path == "/ping/0000-uuid"
    assert f"alerts: json at 127.0.0.1:{phone.port}: delivered" in watchdog.hits[-1].text
    cycles(harness, 2)
    assert titles(phone) == ["PVS6 Roof: Inverter E00…0004 down"]


def test_a_channel_failing_for_a_day_fails_the_ping_with_its_reason(harness: Harness, healthy, watchdog):
    harness.env["NOTIFY_URLS"] = "json://127.0.0.1:9/closed"  # nobody listens: refused at once
    harness.env["HEALTHCHECK_URL"] = f"http://127.0.0.1:{watchdog.port}/ping/0000-uuid"
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 2)  # raised: the channel fails from here on
    state = health.load(harness.data_dir)
    [channel] = state["channels"].values()
    assert channel["failing_since"] is not None and "Connection error" in channel["error"]
    harness.clock.advance(hours=24)
    healthy.site.model.failed = frozenset()  # the undelivered alert is over a day old too; both are said
    cycles(harness, 1)
    last = watchdog.hits[-1]
    assert last.path.endswith("/fail")
    assert "json at 127.0.0.1:9 has failed for 24 h: A Connection error occurred" in last.text


def test_the_ntfy_example_posts_the_alert_to_the_topic(harness: Harness, healthy, phone: PushReceiver):
    harness.env["NOTIFY_URLS"] = f"ntfy://127.0.0.1:{phone.port}/pvs6-roof-alerts"
    cycles(harness, 1)
    healthy.site.model.failed = frozenset({3})
    cycles(harness, 2)
    [hit] = phone.delivered()
    sent = hit.json()
    assert (hit.method, sent["topic"]) == ("POST", "pvs6-roof-alerts")
    assert sent["title"] == "PVS6 Roof: Inverter E00…0004 down"
    assert sent["message"].startswith("0 W vs ")


def test_a_cycle_with_nothing_to_say_imports_neither_apprise_nor_the_queue(
    harness: Harness, healthy, phone: PushReceiver, monkeypatch: pytest.MonkeyPatch
):
    harness.env["NOTIFY_URLS"] = f"json://127.0.0.1:{phone.port}/hook ntfy://127.0.0.1:{phone.port}/topic"
    for name in [m for m in sys.modules if m.split(".")[0] == "apprise" or m == "pvs6sup.sinks.queue"]:
        monkeypatch.delitem(sys.modules, name)
    cycles(harness, 3)
    assert phone.hits == []
    assert not any(m.split(".")[0] == "apprise" for m in sys.modules)
    assert "pvs6sup.sinks.queue" not in sys.modules
