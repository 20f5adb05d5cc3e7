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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from pvs6sup.alerts import detectors, incidents, normal_files
from pvs6sup.alerts.state import AlertState, load, queue_email, queued_emails, read_email, save
from pvs6sup.core.models import Reading
from pvs6sup.core.records import FrozenRecord
from pvs6sup.errors import SupervisorError
from pvs6sup.settings.config import AlertSettings, EmailSettings
from pvs6sup.store import alert_log
from pvs6sup.store.files import private_dir

# alertmail and mailer (the email package, smtplib), and csvquery for the trend, are imported only when an
# email is composed or sent: most cycles of a healthy system do neither, and every cron run pays for what it
# imports.

log = logging.getLogger(__name__)

REFUSED_DIR = "refused"  # inside alerts-outbox: emails the mail server refused for good


class Mailing(FrozenRecord):
    """Where an alert email goes and how it is told: the email settings, the site's name and time zone, and the
    price of a kWh (ELECTRICITY_PRICE: the energy lost in money too; None: in kWh only)."""

    email: EmailSettings
    site_name: str
    zone: tzinfo
    price: float | None = None


def after_reading(
    data_dir: Path,
    settings: AlertSettings,
    mailing: Mailing,
    reading: Reading,
    backlogs: Sequence[tuple[str, float]] | None = None,
) -> list[incidents.Event]:
    """Judge a recorded reading (and the delivery queues; None when delivery could not tell) and queue an email
    for what changed."""
    state = load(data_dir)
    book = normal_files.FileBook(data_dir, state.carried)
    seeds = None
    if settings.layout_file is not None:
        seeds = layout_seeds(settings.layout_file, state.detector.inverters.keys())
    judgements = detectors.observe_reading(
        state.detector,
        reading,
        settings.inverter_groups,
        settings.latitude,
        settings.longitude,
        book=book,
        zone=mailing.zone,
        seeds=seeds,
    )
    judgements += detectors.delivery_backlog(backlogs)
    try:  # the report's trend: kept in the state until filed, so a failure here only delays it
        normal_files.file_finished_days(data_dir, state.detector)
    except (SupervisorError, OSError) as err:
        log.warning("daily shares of the learned normal: %s", err)
    state.carried = book.save()  # the bin in use goes with the state, the others to their files
    return _conclude(data_dir, mailing, state, judgements, reading.fetched_at, reading)


def layout_seeds(path: Path, serials: Iterable[str]) -> Callable[[], tuple[tuple[str, ...], ...]]:
    """The layout's azimuth groups, read when the roof faces are found (weekly, or daily in the first days), its
    serials matched to `serials` as they are then (the detector's inverters: one the PVS stopped listing a
    moment ago is still placed); a layout that cannot be placed is one warning, and the faces are learned
    without it."""

    def read() -> tuple[tuple[str, ...], ...]:
        from pvs6sup.core.layout import azimuth_groups
        from pvs6sup.store.layout_file import read_layout

        try:
            return azimuth_groups(read_layout(path, serials))
        except SupervisorError as err:
            log.warning("%s (the roof faces are learned without it)", err)
            return ()

    return read


def after_failure(data_dir: Path, mailing: Mailing, now: datetime) -> list[incidents.Event]:
    """Count a cycle in which the PVS gave no reading."""
    state = load(data_dir)
    judgements = detectors.observe_failure(state.detector)
    return _conclude(data_dir, mailing, state, judgements, now, None)


def _conclude(
    data_dir: Path,
    mailing: Mailing,
    state: AlertState,
    judgements: list[detectors.Judgement],
    now: datetime,
    reading: Reading | None,
) -> list[incidents.Event]:
    events = incidents.update(state.incidents, judgements, now)
    for event in events:
        log.info("alert %s: %s", event.event, event.message)
    email = mailing.email
    if email.on and events:
        from pvs6sup.alerts.compose import compose, compose_digest
        from pvs6sup.store import csvquery

        assert email.sender is not None
        sender, recipients, zone, site_name = email.sender, email.recipients, mailing.zone, mailing.site_name
        if len(events) == 1:
            [event] = events
            history = csvquery.recent_power_beside(data_dir, event.serial) if event.serial else None
            message = compose(event, sender, recipients, zone, reading, history, site_name, mailing.price)
        else:  # several at once (a tripped breaker takes a whole string down): one email, not a flood
            message = compose_digest(events, sender, recipients, zone, reading, site_name, mailing.price)
        queue_email(data_dir, message, now, 0)
    save(data_dir, state)
    try:  # the history the report shows, after the state: its failure never stops an alert
        alert_log.append(data_dir, events)
    except (SupervisorError, OSError) as err:
        log.warning("alert history: %s", err)
    return events


def send_queued(email: EmailSettings, data_dir: Path, context: ssl.SSLContext | None = None) -> int:
    """Send every queued email, oldest first; returns how many went.

    One the server refuses for good (5xx) is moved to alerts-outbox/refused/ with a warning, and the next
    one is tried. Any other failure (a 4xx, a timeout, no connection) stops here and keeps the rest queued
    (MailError).
    """
    if not email.on:
        return 0
    queued = queued_emails(data_dir)
    if not queued:
        return 0
    from pvs6sup.alerts import smtp

    sent = 0
    for path in queued:
        message = read_email(path, data_dir)
        if message is None:  # damaged: set aside with a warning; the emails behind it still go
            continue
        try:
            smtp.send(email, message, context)
        except smtp.MailRefusedError as err:
            log.warning("alert email %s to %s: %s; %s", path.name, message["To"], err, _set_aside(path))
            continue
        except smtp.MailError as err:
            waiting = len(queued_emails(data_dir))
            raise smtp.MailError(f"{err}; {waiting} alert email(s) kept to retry next cycle") from err
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
