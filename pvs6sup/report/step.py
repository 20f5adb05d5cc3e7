"""The report in the live cycle: four duties, each independent of the others and of recording.

rollup   take the recorded reading (or the PVS's failure) into the daily rollup (daily.csv)
page     rewrite DATA_DIR/report/index.html when REPORT_EVERY_MIN has passed
summary  queue the summary email (SUMMARY_EMAIL, SUMMARY_HOUR) in the alert email outbox; the alert
         step's send-queued duty sends it with the alerts
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pvs6sup.core.models import Reading
from pvs6sup.report import schedule
from pvs6sup.settings.config import ReportSettings
from pvs6sup.settings.sinks import SinkSettings

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the cron path imports none of these for this module
    from pvs6sup.alerts.step import Mailing
    from pvs6sup.core.rollup_records import DailyRow
    from pvs6sup.report.data import AlertItem
    from pvs6sup.settings.notify import NotifySettings

    Channels = tuple[NotifySettings | None, bool]  # the push channels' settings, and whether email is on
SUMMARY_EMAIL_NUMBER = 1  # its outbox name sorts after the cycle's alert email (number 0)


def rollup_reading(data_dir: Path, zone: tzinfo, reading: Reading) -> None:
    from pvs6sup.store import rollup_file

    rollup_file.record(data_dir, reading, zone)


def rollup_failure(data_dir: Path, zone: tzinfo, now: datetime) -> None:
    from pvs6sup.store import rollup_file

    rollup_file.record_failure(data_dir, now, zone)


def write_report(
    report: ReportSettings,
    sinks: SinkSettings,
    now: datetime,
    *,
    data_dir: Path,
    zone: tzinfo,
    site_name: str,
    days: int | None = None,
    out: Path | None = None,
    channels: Channels = (None, False),
) -> Path:
    """Gather and write the page now (the report command, and the cycle when it is due); days: load.DEFAULT_DAYS;
    channels: whether alerts are getting through is shown for them."""
    from pvs6sup.report import load  # the report's data and page only when one is made

    data = load.load(
        data_dir,
        zone,
        now,
        site_name=site_name,
        days=load.DEFAULT_DAYS if days is None else days,
        layout=report.inverter_layout,
        groups=report.inverter_groups,
        sinks=load.sinks_freshness(sinks, data_dir),
        alert_delivery=_alert_delivery(channels, data_dir, now),
        latitude=report.latitude,
        longitude=report.longitude,
        price=report.electricity_price,
        layout_file=report.layout_file,
    )
    return load.write_report(data, out or schedule.report_path(data_dir))


def _alert_delivery(channels: Channels, data_dir: Path, now: datetime) -> tuple[str, ...]:
    """Whether alerts are getting through, channel by channel (notify/health.py), as `status` says it."""
    notify, email_on = channels
    if not (notify or email_on):
        return ()
    from pvs6sup.notify.health import summary_lines

    return tuple(summary_lines(data_dir, notify, email_on, now))


def report_if_due(
    report: ReportSettings,
    sinks: SinkSettings,
    now: datetime,
    *,
    data_dir: Path,
    zone: tzinfo,
    site_name: str,
    channels: Channels = (None, False),
) -> Path | None:
    if not schedule.due(data_dir, now, report.every_min):
        return None
    return write_report(report, sinks, now, data_dir=data_dir, zone=zone, site_name=site_name, channels=channels)


def summary_if_due(
    report: ReportSettings,
    sinks: SinkSettings,
    mailing: Mailing,
    now: datetime,
    *,
    data_dir: Path,
    notify: NotifySettings | None = None,
) -> Path | None:
    """Queue the summary email when one is due (after SUMMARY_HOUR: yesterday, or on Mondays last week), and a
    few lines of it for each push channel (NOTIFY_URLS)."""
    email = mailing.email
    if report.summary_email == "off" or not email.on:
        return None
    from pvs6sup.report import load, summary

    due = summary.period(
        report.summary_email, now, mailing.zone, report.summary_hour, schedule.summary_sent_through(data_dir)
    )
    if due is None:
        return None
    first, last = due
    from pvs6sup.alerts.state import queue_email
    from pvs6sup.store import rollup_file

    rows = rollup_file.read_since(data_dir, first)
    if not any(r.day <= last for r in rows):  # nothing was recorded then (a new install): no empty email
        schedule.mark_summary_sent(data_dir, last)
        return None
    assert email.sender is not None  # email is on: the settings checked it
    alerts = load.alerts(data_dir, now - timedelta(days=load.RECENT_ALERT_DAYS), report.electricity_price, now)
    message = summary.compose_summary(
        first,
        last,
        rows,
        alerts,
        load.sinks_freshness(sinks, data_dir),  # every target's queue, as the report and `status` show them
        site_name=mailing.site_name,
        sender=email.sender,
        recipients=email.recipients,
        now=now,
        zone=mailing.zone,
    )
    path = queue_email(data_dir, message, now.astimezone(timezone.utc), SUMMARY_EMAIL_NUMBER)
    if notify is not None:  # a few lines for the phone too, queued with the email (the same kill-safety)
        _queue_summary_push(notify, data_dir, now, (first, last), rows, alerts, mailing)
    schedule.mark_summary_sent(data_dir, last)  # after the queue: a kill in between sends it twice, never not
    return path


def _queue_summary_push(
    notify: NotifySettings,
    data_dir: Path,
    now: datetime,
    period: tuple[date, date],
    rows: Sequence[DailyRow],
    alerts: Sequence[AlertItem],
    mailing: Mailing,
) -> None:
    from pvs6sup.core.rollup import SITE
    from pvs6sup.core.values import mask_serial
    from pvs6sup.notify import outbox, phone
    from pvs6sup.report.data import total

    first, last = period
    days = [r for r in rows if first <= r.day <= last]
    site_kwh = total([r.energy_kwh for r in days if r.serial == SITE])  # as the summary email adds it up
    inverters = len({r.serial for r in days if r.serial != SITE and (r.energy_kwh or 0) > 0})
    told = [
        f"{a.message[:80]}"
        + (f" ({mask_serial(a.serial)})" if a.serial and mask_serial(a.serial) not in a.message else "")
        for a in alerts
        if first <= a.raised_at.astimezone(mailing.zone).date() <= last or a.resolved_at is None
    ]
    title, body = phone.summary_message(first, last, site_kwh, inverters, told, mailing.site_name)
    outbox.enqueue(notify, data_dir, now.astimezone(timezone.utc), title, body)
