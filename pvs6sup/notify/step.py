"""The cycle's notification duties: queue a cycle's alert events for the phone, send what waits (email, then
each push channel), and ping the watchdog with the streams' report, as a failure when alerts are not getting
through (notify/health.py). Each is given its own settings and collaborators, never the whole Config.

The push modules are imported only when something is to be queued or sent, or a channel is watched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

import requests

from pvs6sup.alerts.incidents import Event
from pvs6sup.alerts.step import send_queued
from pvs6sup.core.models import Reading
from pvs6sup.errors import SupervisorError
from pvs6sup.net import healthcheck
from pvs6sup.settings.config import EmailSettings, HealthcheckSettings
from pvs6sup.settings.notify import EMAIL, NotifySettings

log = logging.getLogger(__name__)


def queue_phone(
    notify: NotifySettings | None,
    email_on: bool,
    data_dir: Path,
    zone: tzinfo,
    site_name: str,
    events: Sequence[Event],
) -> None:
    """Queue the cycle's alert events as one push message for each channel (NOTIFY_URLS), and remember a raised
    one as undelivered until some channel (email too) delivers it (notify/health.py)."""
    if not events or not (notify or email_on):
        return
    from pvs6sup.notify import health, outbox, phone

    when = events[0].time  # the email for these events is queued under the same time
    if notify:
        title, body = phone.message(list(events), zone, site_name)
        outbox.enqueue(notify, data_dir, when, title, body)
    if any(event.event == "raised" for event in events):
        health.note_raised(data_dir, when)


def send_email(email: EmailSettings, data_dir: Path, now: datetime) -> None:
    """Send the queued alert emails; when some waited, note how the email channel fared (notify/health.py)."""
    from pvs6sup.alerts.state import queued_at, queued_emails

    waited = email.on and bool(queued_emails(data_dir))
    error: str | None = "internal error (a bug)"  # unless the sending ends below
    try:
        send_queued(email, data_dir)  # returns at once when nothing waits
        error = None
    except SupervisorError as err:
        error = str(err)
        raise
    finally:
        if waited:
            from pvs6sup.notify import health

            left = queued_emails(data_dir)
            through = queued_at(left[0], now) - timedelta(microseconds=1) if left else now
            health.record(data_dir, EMAIL, "email", now, error, through)


def send_push(notify: NotifySettings, data_dir: Path, now: datetime, secrets: tuple[str, ...]) -> None:
    """Send each push channel's outbox; a channel that fails says so in one line and keeps its messages."""
    from pvs6sup.notify import outbox

    for line in outbox.send_all(notify, data_dir, now, secrets):
        log.warning("phone notification: %s", line)


def watch(
    watchdog: HealthcheckSettings,
    session: requests.Session,
    secrets: tuple[str, ...],
    channels_of: tuple[NotifySettings | None, bool],
    data_dir: Path,
    now: datetime,
    reading: Reading,
    backlogs: list[tuple[str, float]] | None,
    any_sink: bool,
) -> None:
    """Ping the watchdog with the per-stream report; as a failure when alerts are not getting through.
    `channels_of`: the push channels' settings and whether email is on."""
    if not watchdog.url:
        return
    from pvs6sup.core.streams import stream_lines

    lines = stream_lines(reading, backlogs, any_sink)
    problems: list[str] = []
    notify, email_on = channels_of
    if notify or email_on:
        from pvs6sup.notify import health

        channels, state = health.channels(notify, email_on), health.load(data_dir)
        problems = health.verdict(state, channels, now)
        lines += ["alerts: " + line for line in health.channel_lines(state, channels, now)]
    healthcheck.ping(watchdog, session, secrets, "\n".join(lines), "; ".join(problems) or None)
