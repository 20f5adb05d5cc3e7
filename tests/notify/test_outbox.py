"""Each channel's outbox against real local endpoints: independent channels, a crash mid-send, the age limit,
the test notification of `check`, and what never shows a URL's secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pvs6sup.net.healthcheck import request_for
from pvs6sup.notify import health, outbox
from pvs6sup.notify.trial import try_channels
from pvs6sup.settings.notify import NotifySettings, label, split_urls, url_secrets
from tests.support.harness import Harness
from tests.support.push_receiver import PushReceiver

NOW = datetime(2026, 6, 21, 19, 0, tzinfo=timezone.utc)


@pytest.fixture
def receivers() -> Iterator[tuple[PushReceiver, PushReceiver]]:
    first, second = PushReceiver(), PushReceiver()
    yield first, second
    first.close()
    second.close()


def settings_for(*receivers: PushReceiver, max_age_days: float = 3) -> NotifySettings:
    urls = tuple(f"json://127.0.0.1:{r.port}/hook-{n}" for n, r in enumerate(receivers))
    return NotifySettings(urls, max_age_days * 86400, 10.0)


def test_a_failing_channel_keeps_its_messages_while_a_working_one_gets_every_message_once(tmp_path: Path, receivers):
    good, bad = receivers
    bad.status = 500
    settings = settings_for(good, bad)
    outbox.enqueue(settings, tmp_path, NOW, "first", "one")
    failures = outbox.send_all(settings, tmp_path, NOW, ())
    outbox.enqueue(settings, tmp_path, NOW + timedelta(minutes=5), "second", "two")
    failures += outbox.send_all(settings, tmp_path, NOW + timedelta(minutes=5), ())
    assert [h.json()["title"] for h in good.delivered()] == ["first", "second"]
    assert [h.json()["title"] for h in bad.hits] == ["first", "first"]  # stops at the first failure, in order
    assert len(failures) == 2 and all(f.startswith(f"json at 127.0.0.1:{bad.port}: ") for f in failures)
    bad.status = 200
    assert outbox.send_all(settings, tmp_path, NOW + timedelta(minutes=10), ()) == []
    assert [h.json()["title"] for h in bad.delivered()] == ["first", "second"]
    assert [h.json()["title"] for h in good.delivered()] == ["first", "second"]  # nothing twice
    assert not any(outbox.waiting(tmp_path, url) for url in settings.urls)


def test_a_message_being_sent_when_the_run_was_killed_is_not_sent_again(tmp_path: Path, receivers):
    phone, _ = receivers
    settings = settings_for(phone)
    outbox.enqueue(settings, tmp_path, NOW, "sent just before the kill", "x")
    outbox.enqueue(settings, tmp_path, NOW, "after", "y")
    queue = outbox._queue(tmp_path, settings.urls[0])
    [first, _] = queue.pending()
    queue.mark_sending(first.seq, first.seq)  # what send_channel records before it sends; then the kill
    assert outbox.send_all(settings, tmp_path, NOW + timedelta(minutes=5), ()) == []
    assert [h.json()["title"] for h in phone.hits] == ["after"]


def test_messages_older_than_the_age_limit_are_dropped_with_one_line(
    tmp_path: Path, receivers, caplog: pytest.LogCaptureFixture
):
    phone, _ = receivers
    phone.status = 500
    settings = settings_for(phone, max_age_days=1)
    outbox.enqueue(settings, tmp_path, NOW, "old", "x")
    outbox.send_all(settings, tmp_path, NOW, ())
    outbox.enqueue(settings, tmp_path, NOW + timedelta(hours=23), "recent", "y")
    phone.status = 200
    with caplog.at_level(logging.WARNING, logger="pvs6sup"):
        outbox.send_all(settings, tmp_path, NOW + timedelta(hours=25), ())
    assert [h.json()["title"] for h in phone.delivered()] == ["recent"]
    [line] = [r.getMessage() for r in caplog.records if r.name.startswith("pvs6sup")]
    assert line.startswith(f"json at 127.0.0.1:{phone.port}: 1 undelivered messages from 2026-06-21 19:00")
    assert "the queue keeps 1 days" in line


def test_check_sends_a_test_to_each_channel_and_says_which_worked(tmp_path: Path, receivers):
    good, bad = receivers
    bad.status = 500
    settings = settings_for(good, bad)
    outcomes = try_channels(settings, tmp_path, NOW, "Roof", (), send=True)
    assert [(ok, what.split(":")[0]) for ok, what, _ in outcomes] == [(True, "phone notifications")] * 1 + [
        (False, "phone notifications")
    ]
    assert outcomes[0][1] == f"phone notifications: test sent to json at 127.0.0.1:{good.port}"
    assert "Internal server error" in outcomes[1][1]
    assert [h.json()["title"] for h in good.delivered()] == ["PVS6 Roof: test notification"]
    state = health.load(tmp_path)
    assert [c["failing_since"] is None for c in state["channels"].values()] == [True, False]


def test_check_without_sending_asks_apprise_about_each_url_and_sends_nothing(tmp_path: Path, receivers):
    good, _ = receivers
    settings = NotifySettings((f"json://127.0.0.1:{good.port}/hook", "nonsense://x/y"), 86400.0, 5.0)
    outcomes = try_channels(settings, tmp_path, NOW, "Roof", (), send=False)
    assert [ok for ok, _, _ in outcomes] == [True, False]
    assert "is not a URL Apprise knows" in outcomes[1][1]
    assert good.hits == []


def test_the_check_command_takes_send_test_notification(harness: Harness, receivers):
    good, _ = receivers
    harness.env.update(
        NOTIFY_URLS=f"json://127.0.0.1:{good.port}/hook-secret",
        WEATHER_PROVIDER="none",
        PVS_HOST="127.0.0.1:9",
        PVS_TIMEOUT="1",
    )
    result = harness.run("check", "--send-test-notification")
    assert f"✓ phone notifications: test sent to json at 127.0.0.1:{good.port}" in result.stdout
    assert "NOTIFY_URLS=(set)" in result.stdout and "hook-secret" not in result.stdout + result.stderr
    assert len(good.delivered()) == 1


def test_apprise_urls_split_by_spaces_or_commas_before_a_scheme_and_their_tokens_are_secrets():
    text = "ntfy://ntfy.sh/my-topic-42, mailto://u:p@host?to=a@x.invalid,b@x.invalid\ntgram://123456:ABCDEF/987654"
    assert split_urls(text) == (
        "ntfy://ntfy.sh/my-topic-42",
        "mailto://u:p@host?to=a@x.invalid,b@x.invalid",
        "tgram://123456:ABCDEF/987654",
    )
    assert label(split_urls(text)[0]) == "ntfy at ntfy.sh"
    assert label("tgram://123456:ABCDEF/987654").startswith("tgram ") and "123456" not in label("tgram://1:A/9")
    assert {"my-topic-42"} <= set(url_secrets("ntfy://ntfy.sh/my-topic-42"))
    assert "987654" in url_secrets("tgram://123456:ABCDEF/987654")


def test_the_success_ping_carries_the_report_and_kuma_gets_its_first_line():
    report = "reading recorded 2026-06-21 19:05 UTC: 12/12 inverters working\nmeters: production 1 min old"
    assert request_for("https://hc-ping.com/uuid", None, report) == (
        "POST",
        "https://hc-ping.com/uuid",
        report.encode(),
    )
    method, url, body = request_for("https://kuma.local/api/push/abc?status=up&msg=OK", None, report)
    assert (method, body) == ("GET", None)
    assert "status=up" in url and "msg=reading+recorded+2026-06-21+19%3A05+UTC" in url and "meters" not in url
    assert request_for("https://hc-ping.com/uuid", None) == ("GET", "https://hc-ping.com/uuid", None)
