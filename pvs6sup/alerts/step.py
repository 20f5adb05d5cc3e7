"""Alerts in the live cycle: judge (load the state, judge, queue one email for the cycle's events, save), then
notify (send the queue): two duties of the cycle, so that a failure of one does not stop the other.

Detection state always updates; email is attempted only when SMTP_HOST and ALERT_EMAIL_TO are set.
An email that cannot be sent stays in DATA_DIR/alerts-outbox and is retried next cycle (MailError,
a DeliveryError: the reading is already recorded); one the server refuses for good is moved to its
refused/ folder, so that it never blocks the emails behind it.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pvs6sup.alerts import detectors, normal_files
from pvs6sup.alerts import incidents as alerts
from pvs6sup.alerts import state as alertstate
from pvs6sup.config import Config
from pvs6sup.core.models import Reading
from pvs6sup.errors import SupervisorError
from pvs6sup.store import alert_log
from pvs6sup.store.files import private_dir

if TYPE_CHECKING:
    from pvs6sup.alerts import smtp as mailer

# alertmail and mailer (the email package, smtplib), and csvquery for the trend, are imported only when an
# email is composed or sent: most cycles of a healthy system do neither, and every cron run pays for what it
# imports.

log = logging.getLogger(__name__)

REFUSED_DIR = "refused"  # inside alerts-outbox: emails the mail server refused for good


def smtp_settings(config: Config) -> mailer.SmtpSettings:
    from pvs6sup.alerts import smtp as mailer

    assert config.smtp_host is not None
    return mailer.SmtpSettings(
        host=config.smtp_host,
        port=config.smtp_port,
        security=config.smtp_security,
        user=config.smtp_user,
        password=config.smtp_password,
        timeout_s=config.smtp_timeout_s,
    )


def after_reading(
    config: Config, reading: Reading, backlogs: Sequence[tuple[str, float]] | None = None
) -> list[alerts.Event]:
    """Judge a recorded reading (and the delivery queues; None when delivery could not tell) and queue an email
    for what changed."""
    state = alertstate.load(config.data_dir)
    book = normal_files.FileBook(config.data_dir, state.carried)
    judgements = detectors.observe_reading(
        state.detector,
        reading,
        config.inverter_groups,
        config.latitude,
        config.longitude,
        book=book,
        zone=config.timezone,
    )
    judgements += detectors.delivery_backlog(backlogs)
    try:  # the report's trend: kept in the state until filed, so a failure here only delays it
        normal_files.file_finished_days(config.data_dir, state.detector)
    except (SupervisorError, OSError) as err:
        log.warning("daily shares of the learned normal: %s", err)
    state.carried = book.save()  # the bin in use goes with the state, the others to their files
    return _conclude(config, state, judgements, reading.fetched_at, reading)


def after_failure(config: Config, now: datetime) -> list[alerts.Event]:
    """Count a cycle in which the PVS gave no reading."""
    state = alertstate.load(config.data_dir)
    judgements = detectors.observe_failure(state.detector)
    return _conclude(config, state, judgements, now, None)


def _conclude(
    config: Config,
    state: alertstate.AlertState,
    judgements: list[detectors.Judgement],
    now: datetime,
    reading: Reading | None,
) -> list[alerts.Event]:
    events = alerts.update(state.incidents, judgements, now)
    for event in events:
        log.info("alert %s: %s", event.event, event.message)
    if config.email_alerts and events:
        from pvs6sup.alerts import compose as alertmail
        from pvs6sup.store import csvquery

        assert config.alert_email_from is not None
        sender, recipients, zone = config.alert_email_from, config.alert_email_to, config.timezone
        if len(events) == 1:
            [event] = events
            history = csvquery.recent_power_beside(config.data_dir, event.serial) if event.serial else None
            message = alertmail.compose(
                event, sender, recipients, zone, reading, history, config.site_name, config.electricity_price
            )
        else:  # several at once (a tripped breaker takes a whole string down): one email, not a flood
            message = alertmail.compose_digest(
                events, sender, recipients, zone, reading, config.site_name, config.electricity_price
            )
        alertstate.queue_email(config.data_dir, message, now, 0)
    alertstate.save(config.data_dir, state)
    try:  # the history the report shows, after the state: its failure never stops an alert
        alert_log.append(config.data_dir, events)
    except (SupervisorError, OSError) as err:
        log.warning("alert history: %s", err)
    return events


def send_queued(config: Config, context: ssl.SSLContext | None = None) -> int:
    """Send every queued email, oldest first; returns how many went.

    One the server refuses for good (5xx) is moved to alerts-outbox/refused/ with a warning, and the next
    one is tried. Any other failure (a 4xx, a timeout, no connection) stops here and keeps the rest queued
    (MailError).
    """
    if not config.email_alerts:
        return 0
    queued = alertstate.queued_emails(config.data_dir)
    if not queued:
        return 0
    from pvs6sup.alerts import smtp as mailer

    sent = 0
    settings = smtp_settings(config)
    for path in queued:
        message = alertstate.read_email(path, config.data_dir)
        if message is None:  # damaged: set aside with a warning; the emails behind it still go
            continue
        try:
            mailer.send(settings, message, context)
        except mailer.MailRefusedError as err:
            log.warning("alert email %s to %s: %s; %s", path.name, message["To"], err, _set_aside(path))
            continue
        except mailer.MailError as err:
            waiting = len(alertstate.queued_emails(config.data_dir))
            raise mailer.MailError(f"{err}; {waiting} alert email(s) kept to retry next cycle") from err
        path.unlink()
        sent += 1
    return sent


def _set_aside(path: Path) -> str:
    """Move a refused email out of the queue; says where it went (or why it stays)."""
    target = path.parent / REFUSED_DIR / path.name
    try:
        private_dir(target.parent)
        os.replace(path, target)
    except (OSError, SupervisorError) as err:  # left queued: tried again each cycle, but never in the way
        return f"it could not be moved to {target.parent} ({err})"
    return f"kept as {target} and not retried"
