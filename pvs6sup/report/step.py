"""The report in the live cycle: four duties, each independent of the others and of recording.

rollup   take the recorded reading (or the PVS's failure) into the daily rollup (daily.csv)
page     rewrite DATA_DIR/report/index.html when REPORT_EVERY_MIN has passed
summary  queue the summary email (SUMMARY_EMAIL, SUMMARY_HOUR) in the alert email outbox; the alert
         step's send-queued duty sends it with the alerts
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pvs6sup.core.models import Reading
from pvs6sup.report import schedule
from pvs6sup.settings.config import ReportSettings
from pvs6sup.settings.notify import NotifySettings
from pvs6sup.settings.sinks import SinkSettings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pvs6sup.alerts.step import Mailing

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
    report: ReportSettings, sinks: SinkSettings, mailing: Mailing, now: datetime, *, data_dir: Path
) -> Path | None:
    """Queue the summary email when one is due (after SUMMARY_HOUR: yesterday, or on Mondays last week)."""
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
    message = summary.compose_summary(
        first,
        last,
        rows,
        load.alerts(data_dir, now - timedelta(days=load.RECENT_ALERT_DAYS), report.electricity_price, now),
        load.sinks_freshness(sinks, data_dir),  # every target's queue, as the report and `status` show them
        site_name=mailing.site_name,
        sender=email.sender,
        recipients=email.recipients,
        now=now,
        zone=mailing.zone,
    )
    path = queue_email(data_dir, message, now.astimezone(timezone.utc), SUMMARY_EMAIL_NUMBER)
    schedule.mark_summary_sent(data_dir, last)  # after the queue: a kill in between sends it twice, never not
    return path
