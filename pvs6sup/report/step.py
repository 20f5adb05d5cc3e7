"""The report in the live cycle: four duties, each independent of the others and of recording.

rollup   take the recorded reading (or the PVS's failure) into the daily rollup (daily.csv)
page     rewrite DATA_DIR/report/index.html when REPORT_EVERY_MIN has passed
summary  queue the summary email (SUMMARY_EMAIL, SUMMARY_HOUR) in the alert email outbox; the alert
         step's send-queued duty sends it with the alerts
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pvs6sup.config import Config
from pvs6sup.core.models import Reading
from pvs6sup.report import schedule

log = logging.getLogger(__name__)

SUMMARY_EMAIL_NUMBER = 1  # its outbox name sorts after the cycle's alert email (number 0)


def rollup_reading(config: Config, reading: Reading) -> None:
    from pvs6sup.store import rollup_file

    rollup_file.record(config.data_dir, reading, config.timezone)


def rollup_failure(config: Config, now: datetime) -> None:
    from pvs6sup.store import rollup_file

    rollup_file.record_failure(config.data_dir, now, config.timezone)


def write_report(config: Config, now: datetime, days: int | None = None, out: Path | None = None) -> Path:
    """Gather and write the page now (the report command, and the cycle when it is due); days: load.DEFAULT_DAYS."""
    from pvs6sup.report import load  # the report's data and page only when one is made

    data = load.load(
        config.data_dir,
        config.timezone,
        now,
        site_name=config.site_name,
        days=load.DEFAULT_DAYS if days is None else days,
        layout=config.inverter_layout,
        groups=config.inverter_groups,
        sinks=load.sinks_freshness(config),
        alert_delivery=_alert_delivery(config, now),
        latitude=config.latitude,
        longitude=config.longitude,
        price=config.electricity_price,
    )
    return load.write_report(data, out or schedule.report_path(config.data_dir))


def _alert_delivery(config: Config, now: datetime) -> tuple[str, ...]:
    """Whether alerts are getting through, channel by channel (notify/health.py), as `status` says it."""
    if not (config.notify or config.email_alerts):
        return ()
    from pvs6sup.notify.health import summary_lines

    return tuple(summary_lines(config.data_dir, config.notify, config.email_alerts, now))


def report_if_due(config: Config, now: datetime) -> Path | None:
    if not schedule.due(config.data_dir, now, config.report_every_min):
        return None
    return write_report(config, now)


def summary_if_due(config: Config, now: datetime) -> Path | None:
    """Queue the summary email when one is due (after SUMMARY_HOUR: yesterday, or on Mondays last week)."""
    if config.summary_email == "off" or not config.email_alerts:
        return None
    from pvs6sup.report import load, summary

    due = summary.period(
        config.summary_email, now, config.timezone, config.summary_hour, schedule.summary_sent_through(config.data_dir)
    )
    if due is None:
        return None
    first, last = due
    from pvs6sup.alerts import state as alertstate
    from pvs6sup.store import rollup_file

    rows = rollup_file.read_since(config.data_dir, first)
    if not any(r.day <= last for r in rows):  # nothing was recorded then (a new install): no empty email
        schedule.mark_summary_sent(config.data_dir, last)
        return None
    assert config.alert_email_from is not None  # email_alerts: the settings checked it
    message = summary.compose_summary(
        first,
        last,
        rows,
        load.alerts(config.data_dir, now - timedelta(days=load.RECENT_ALERT_DAYS), config.electricity_price, now),
        load.sinks_freshness(config),  # every target's queue, as the report and `status` show them
        site_name=config.site_name,
        sender=config.alert_email_from,
        recipients=config.alert_email_to,
        now=now,
        zone=config.timezone,
    )
    path = alertstate.queue_email(config.data_dir, message, now.astimezone(timezone.utc), SUMMARY_EMAIL_NUMBER)
    schedule.mark_summary_sent(config.data_dir, last)  # after the queue: a kill in between sends it twice, never not
    return path
