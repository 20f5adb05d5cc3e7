"""One cron cycle under the lock: independent duties, in order.

record   fetch once, archive the raw answer, parse, add the weather, append the CSV rows, then queue it for the sinks
deliver  send each sink's queue (each its own duty), then prune the raw archive
judge    the alert detectors, and an email queued for what changed
rollup   the daily rollup (daily.csv); the report page and the summary email when due (report/step.py)
notify   send the queued emails and each push channel's outbox (NOTIFY_URLS), then the sinks that carry alerts
         (MQTT) with the cycle's alert events
ping     tell the watchdog (HEALTHCHECK_URL) that a reading was recorded, stream by stream, or that alerts are not
         getting through (notify/health.py)
pack     fold the oldest finished UTC day of the raw archive into one tar.gz (store/packing.py), a day a cycle

Only a failed record ends the cycle with an error (and its exit code). Every other duty runs whatever the
ones before it did: its failure is one line in the log (an unexpected exception, a bug, one error line
naming its type) and the reading stays recorded.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from pvs6sup import clockwatch
from pvs6sup.alerts.incidents import Event
from pvs6sup.alerts.step import Mailing, after_failure, after_reading
from pvs6sup.core import rows
from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.errors import LockHeldError, PVSError, StorageError, SupervisorError
from pvs6sup.net import weather
from pvs6sup.notify.step import queue_phone, send_email, send_push, watch
from pvs6sup.pvs.read import read
from pvs6sup.report.step import report_if_due, rollup_failure, rollup_reading, summary_if_due
from pvs6sup.runtime import Runtime
from pvs6sup.settings.config import Config
from pvs6sup.store import archive, csvfiles, csvlog, packing, retention, tempfiles
from pvs6sup.store.lock import data_dir_lock

log = logging.getLogger(__name__)
P = ParamSpec("P")
JUST_RECORDED = timedelta(minutes=1)  # a run finding a reading this recent exits 3: one reading per slot
_IMPORTED_AT = time.time()
T = TypeVar("T")


def read_pvs(config: Config, runtime: Runtime, *, keep_raw: bool) -> Reading:
    """One reading from the PVS (pvs/read.py), archived if keep_raw."""
    return read(config.pvs, runtime.session, config.data_dir, runtime.now(), keep_raw=keep_raw)


def _check_clock(config: Config, reading: Reading) -> Reading:
    """The reading stamped by a clock that can be trusted (clockwatch); ClockError keeps it for later. Answers
    kept earlier for want of a right clock are recorded first, each as this cycle records its own."""
    return clockwatch.stamp(
        reading,
        lambda kept: record_reading(config, kept),
        data_dir=config.data_dir,
        zone=config.timezone,
        max_clock_skew_s=config.max_clock_skew_s,
        meter_mode=config.pvs.consumption_meter_mode,
    )


def _mailing(config: Config) -> Mailing:
    return Mailing(config.email, config.site_name, config.timezone, config.alerts.electricity_price)


def run_cycle(config: Config, runtime: Runtime) -> Reading:
    """Record one reading, then deliver, judge, notify and ping; raises SupervisorError only if nothing was recorded."""
    data_dir, zone, mailing = config.data_dir, config.timezone, _mailing(config)
    with data_dir_lock(data_dir):
        _one_reading_a_minute(config, runtime.now())
        duty("temporary files", tempfiles.clean, config.data_dir)  # a killed run's, by name and dead process
        try:
            reading = record(config, runtime)
        except SupervisorError as err:
            failed = isinstance(err, PVSError)  # counts towards pvs_unreachable; never hides the PVS's own error
            events = duty("alerts", after_failure, data_dir, mailing, runtime.now()) if failed else None
            _queue_phone(config, events)
            if failed:
                duty("daily rollup", rollup_failure, data_dir, zone, runtime.now())
            held = _HeldWarnings() if isinstance(err, StorageError) else None  # a full disk: its one line only
            _report_duties(config, runtime)
            _send_alerts(config, runtime)
            if held is not None:
                held.drop()
                held.release()
            if failed:  # MQTT: the devices go unavailable, and the events go out
                deliver_alerts(config, runtime, events or [], failed_at=runtime.now())
            raise
        duty("daily rollup", rollup_reading, data_dir, zone, reading)
        backlogs = duty("delivery", deliver, config, runtime, reading)
        duty("raw archive", prune, config, reading)
        events = duty("alerts", after_reading, data_dir, config.alerts, mailing, reading, backlogs)
        _queue_phone(config, events)
        _report_duties(config, runtime)
        _send_alerts(config, runtime)
        deliver_alerts(config, runtime, events or [])
        if config.healthcheck.url:  # the secrets (to mask in what is sent) are gathered only for a ping
            channels = (config.notify, config.email.on)
            duty(
                "watchdog",
                watch,
                config.healthcheck,
                runtime.session,
                config.secret_values(),
                channels,
                data_dir,
                runtime.now(),
                reading,
                backlogs,
                config.sinks.any,
            )
        duty("raw archive packing", packing.pack_finished_day, data_dir, reading.fetched_at)  # a day at most
        _log_recorded(reading)
        return reading


def _one_reading_a_minute(config: Config, now: datetime) -> None:
    """LockHeldError (exit 3, the PVS not asked) when a run started beside this one already recorded: the newest
    reading is less than a minute old and readings.csv was written after this process started. A run that took
    the lock just after another released it would otherwise record the same moment twice; a run started after
    the last one ended (cron, a manual run) records."""
    try:
        if os.stat(config.data_dir / csvfiles.READINGS_FILE).st_mtime < _process_started():
            return  # nothing recorded since this run began: the usual case, told without reading the file
        newest = csvlog.newest_timestamp(config.data_dir)
    except OSError:  # no file yet, or the record duty will say what is wrong with it
        return
    if newest is None or not timedelta(0) <= now - newest < JUST_RECORDED:
        return
    raise LockHeldError(
        f"another run started at the same time recorded a reading {(now - newest).total_seconds():.0f} s ago "
        f"({newest.isoformat()}); one reading a slot, so this run asks the PVS nothing"
    )


def _process_started() -> float:
    """When this process started (time.time() scale), from /proc on Linux; else when this module was imported."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            ticks = int(handle.read().rpartition(b")")[2].split()[19])
        with open("/proc/uptime", "rb") as handle:
            uptime = float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT
    return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))


def _queue_phone(config: Config, events: list[Event] | None) -> None:
    duty(
        "phone notifications",
        queue_phone,
        config.notify,
        config.email.on,
        config.data_dir,
        config.timezone,
        config.site_name,
        events or [],
    )


def _send_alerts(config: Config, runtime: Runtime) -> None:
    """Send the queued alert emails, then each push channel's outbox: each its own duty."""
    duty("alert email deferred", send_email, config.email, config.data_dir, runtime.now())
    if config.notify:
        duty("phone notifications", send_push, config.notify, config.data_dir, runtime.now(), config.secret_values())


def _report_duties(config: Config, runtime: Runtime) -> None:
    report, sinks, data_dir, zone = config.report, config.sinks, config.data_dir, config.timezone
    site, channels = config.site_name, (config.notify, config.email.on)
    duty(
        "report",
        report_if_due,
        report,
        sinks,
        runtime.now(),
        data_dir=data_dir,
        zone=zone,
        site_name=site,
        channels=channels,
    )
    mailing, now = _mailing(config), runtime.now()
    duty("summary email", summary_if_due, report, sinks, mailing, now, data_dir=data_dir, notify=config.notify)


def record(config: Config, runtime: Runtime) -> Reading:
    """Read the PVS once, check the clock, add the cloud cover, append the CSV rows. The one duty that must work."""
    held = _HeldWarnings()  # a full disk is one line: the record's own error, not every file that failed first
    try:
        return _record(config, runtime)
    except OSError as err:  # wherever the disk said no, it is storage (exit 4), not a bug (exit 70)
        held.drop()
        where = err.filename or config.data_dir
        raise StorageError(
            f"cannot record the reading: {where}: {err.strerror or err}; DATA_DIR and its files must be this "
            "user's, and files where files belong"
        ) from err
    except StorageError:
        held.drop()
        raise
    finally:
        held.release()


class _HeldWarnings(logging.Filter):
    """Holds the package's warnings back until release(); drop() forgets them (the error that follows says it)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.handlers = list(logging.getLogger("pvs6sup").handlers)
        for handler in self.handlers:
            handler.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        if not any(r is record for r in self.records):
            self.records.append(record)
        return False

    def drop(self) -> None:
        self.records.clear()

    def release(self) -> None:
        for handler in self.handlers:
            handler.removeFilter(self)
        for record in self.records:
            logging.getLogger(record.name).handle(record)


def _record(config: Config, runtime: Runtime) -> Reading:
    duty("sinks' hand-off", recover_handoff, config)
    reading = read_pvs(config, runtime, keep_raw=True)
    reading = _check_clock(config, reading)
    cloud = duty(
        "cloud cover left blank", weather.cloud_cover_pct, runtime.session, config.weather, runtime.weather_urls
    )
    reading = replace(reading, cloud_cover_pct=cloud)
    record_reading(config, reading)
    return reading


def record_reading(config: Config, reading: Reading) -> None:
    """Record first: the reading staged for the sinks, its CSV rows, then the sinks' queues (sinks/handoff.py)."""
    staged = duty("sinks' hand-off", stage_for_sinks, config, reading)
    csvlog.append_reading(config.data_dir, reading, config.timezone)
    if staged:
        from pvs6sup.sinks import handoff

        duty("sinks' hand-off", handoff.hand_over, config.sinks, config.data_dir, staged)


def deliver(config: Config, runtime: Runtime, reading: Reading) -> list[tuple[str, float]] | None:
    """Queue the reading for Google Sheets, then send each sink's queue, each its own duty (those that carry
    alerts wait for deliver_alerts); for the alerts, each sink still waiting: (title, oldest entry's age in s)."""
    if not config.sinks.any:
        return []  # nothing waits: a backlog incident from before the sinks were turned off resolves
    from pvs6sup.sinks.deliver import backlogs, configured_sinks, send  # its code only when something is delivered

    queue_for_sinks(config, reading)
    for sink in (s for s in configured_sinks(config.sinks) if not s.after_alerts):
        duty(sink.title, send, sink, runtime.session, config.data_dir, runtime.now(), config.timezone)
    return backlogs(config.sinks, config.data_dir, runtime.now())


def recover_handoff(config: Config) -> None:
    """Finish (or drop, when its CSV row is missing) the sinks' hand-off a killed run left (sinks/handoff.py)."""
    if config.sinks.any and (config.data_dir / "outbox" / "handoff.json").exists():
        from pvs6sup.sinks import handoff

        handoff.recover(config.sinks, config.data_dir)


def stage_for_sinks(config: Config, reading: Reading) -> dict[str, Any] | None:
    """Before the CSV rows, stage this reading for the sink modules (sinks/handoff.py); they queue it once its
    rows are written, so no sink ever holds a reading the CSV lacks."""
    if not config.sinks.any:
        return None
    from pvs6sup.sinks import handoff

    return handoff.stage(
        config.sinks, reading, data_dir=config.data_dir, site_name=config.site_name, zone=config.timezone
    )


def queue_for_sinks(config: Config, reading: Reading) -> None:
    """Queue the reading for the sinks that keep their own queue (Google Sheets, after its CSV row: it catches up
    from readings.csv); the sink modules get it through the hand-off (stage_for_sinks)."""
    if not config.sinks.any:
        return
    from pvs6sup.sinks.deliver import configured_sinks, queue_reading

    for sink in configured_sinks(config.sinks):
        if not sink.staged:
            duty(
                f"{sink.title} queue",
                queue_reading,
                sink,
                reading,
                data_dir=config.data_dir,
                site_name=config.site_name,
                zone=config.timezone,
            )


def deliver_alerts(config: Config, runtime: Runtime, events: list[Event], failed_at: datetime | None = None) -> None:
    """Queue the alert events (and a PVS failure) for the sinks that carry them (MQTT), then send those."""
    if not config.sinks.any:
        return
    from pvs6sup.sinks.deliver import configured_sinks, queue_events, send
    from pvs6sup.sinks.table import ModuleSink

    data_dir, zone = config.data_dir, config.timezone
    for sink in configured_sinks(config.sinks):
        if isinstance(sink, ModuleSink) and sink.after_alerts:
            duty(f"{sink.title} queue", queue_events, sink, data_dir, events, failed_at)
            duty(sink.title, send, sink, runtime.session, data_dir, runtime.now(), zone)


def prune(config: Config, reading: Reading) -> int:
    """Remove raw-archive day folders older than RAW_RETENTION_DAYS."""
    if not (config.data_dir / archive.RAW_DIR).is_dir():  # not a folder: the archive's own warning said so
        return 0
    trusted = clockwatch.trusted_date(config.data_dir)
    return retention.prune_raw(config.data_dir, reading.fetched_at.date(), config.raw_retention_days, trusted=trusted)


def duty(what: str, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """Run an optional duty; its failure is one line in the log and None, never the end of the cycle."""
    try:
        return work(*args, **kwargs)
    except (SupervisorError, OSError) as err:  # the network, the disk, a setting: a warning
        log.warning("%s: %s", what, err)
    except Exception as err:  # a bug: said loudly, as one line, while the reading stays recorded
        log.error("%s: internal error %s: %s (a bug: please report it)", what, type(err).__name__, err)
    return None


def _log_recorded(reading: Reading) -> None:
    site = reading.site
    log.info(
        "recorded: production %s kW, consumption %s kW, grid %s kW, %d/%d inverters working",
        rows.cell(site.production_kw) or "?",
        rows.cell(site.consumption_kw) or "?",
        rows.cell(site.net_kw) or "?",
        reading.inverters_working,
        reading.inverters_total,
    )
