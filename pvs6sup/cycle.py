"""One cron cycle under the lock: independent duties, in order.

record   fetch once, archive the raw answer, parse, add the weather, append the CSV rows, then queue it for the sinks
deliver  send each sink's queue (each its own duty), then prune the raw archive
judge    the alert detectors, and an email queued for what changed
rollup   the daily rollup (daily.csv); the report page and the summary email when due (report/step.py)
notify   send the queued emails and each push channel's outbox (NOTIFY_URLS), then the sinks that carry alerts
         (MQTT) with the cycle's alert events
ping     tell the watchdog (HEALTHCHECK_URL) that a reading was recorded, stream by stream, or that alerts are not
         getting through (notify/health.py)

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
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from pvs6sup import clockwatch
from pvs6sup.alerts import step as alerting
from pvs6sup.alerts.incidents import Event
from pvs6sup.config import Config
from pvs6sup.core import rows
from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.errors import LockHeldError, PVSError, StorageError, SupervisorError
from pvs6sup.net import healthcheck, weather
from pvs6sup.pvs import access as pvs_access
from pvs6sup.pvs import firmware
from pvs6sup.pvs import http as gateway
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.report import step as reporting
from pvs6sup.runtime import Runtime
from pvs6sup.store import archive, csvlog, retention, tempfiles
from pvs6sup.store.lock import data_dir_lock

log = logging.getLogger(__name__)
P = ParamSpec("P")
JUST_RECORDED = timedelta(minutes=1)  # a run finding a reading this recent exits 3: one reading per slot
_IMPORTED_AT = time.time()
T = TypeVar("T")


def read_pvs(config: Config, runtime: Runtime, *, keep_raw: bool) -> Reading:
    """Fetch the device list (one request), archive it if asked, and parse it into a Reading.

    The raw bytes are archived before they are judged, so an unusable answer can still be diagnosed.
    """
    fetched_at = runtime.now()
    access = pvs_access.choose_access(config, runtime)  # supervisor/info at most once a day
    if access.path == firmware.VARSERVER:
        answer = pvs_access.fetch_varserver(config, runtime, access, fetched_at)
    else:
        answer = pvs_access.fetch_legacy(config, runtime)  # one request, as ever
    raw_path = _archive(config.data_dir, fetched_at, answer.body) if keep_raw else None
    gateway.require_ok(answer)
    reading = reading_from_capture(
        answer.body, fetched_at, config.consumption_meter_mode, str(raw_path) if raw_path else None
    )
    reading = replace(reading, access=access.description)
    if access.path == firmware.VARSERVER and keep_raw:
        duty("known inverters", pvs_access.remember_inverters, config.data_dir, reading.devices, fetched_at)
    for warning in reading.devices.warnings:
        log.warning("device list: %s", warning)
    has_consumption_meter = any(m.role == "consumption" for m in reading.devices.meters)
    if has_consumption_meter and reading.site.consumption_mode is None:
        log.info(
            "consumption unknown: the consumption meter's subtype does not say how its CTs are installed "
            "(set CONSUMPTION_METER_MODE=net or gross)"
        )
    return reading


def _archive(data_dir: Path, fetched_at: datetime, body: bytes) -> Path | None:
    """Keep the raw answer; when it cannot be kept (disk full, permissions), the reading is still recorded."""
    try:
        path = archive.store_raw(data_dir, fetched_at, body)
    except StorageError as err:
        log.warning("raw archive: %s; the reading is recorded without its raw answer", err)
        return None
    log.debug("archived %d bytes as %s", len(body), path)
    return path


def _check_clock(config: Config, reading: Reading) -> Reading:
    """The reading stamped by a clock that can be trusted (clockwatch); ClockError keeps it for later. Answers
    kept earlier for want of a right clock are recorded first, each as this cycle records its own."""
    return clockwatch.stamp(config, reading, record_reading)


def run_cycle(config: Config, runtime: Runtime) -> Reading:
    """Record one reading, then deliver, judge, notify and ping; raises SupervisorError only if nothing was recorded."""
    with data_dir_lock(config.data_dir):
        _one_reading_a_minute(config, runtime.now())
        duty("temporary files", tempfiles.clean, config.data_dir)  # a killed run's, by name and dead process
        try:
            reading = record(config, runtime)
        except SupervisorError as err:
            failed = isinstance(err, PVSError)  # counts towards pvs_unreachable; never hides the PVS's own error
            events = duty("alerts", alerting.after_failure, config, runtime.now()) if failed else None
            duty("phone notifications", queue_phone, config, events or [])
            if failed:
                duty("daily rollup", reporting.rollup_failure, config, runtime.now())
            held = _HeldWarnings() if isinstance(err, StorageError) else None  # a full disk: its one line only
            _report_duties(config, runtime)
            _send_alerts(config, runtime)
            if held is not None:
                held.drop()
                held.release()
            if failed:  # MQTT: the devices go unavailable, and the events go out
                deliver_alerts(config, runtime, events or [], failed_at=runtime.now())
            raise
        duty("daily rollup", reporting.rollup_reading, config, reading)
        backlogs = duty("delivery", deliver, config, runtime, reading)
        duty("raw archive", prune, config, reading)
        events = duty("alerts", alerting.after_reading, config, reading, backlogs)
        duty("phone notifications", queue_phone, config, events or [])
        _report_duties(config, runtime)
        _send_alerts(config, runtime)
        deliver_alerts(config, runtime, events or [])
        duty("watchdog", watch, config, runtime, reading, backlogs)
        _log_recorded(reading)
        return reading


def _one_reading_a_minute(config: Config, now: datetime) -> None:
    """LockHeldError (exit 3, the PVS not asked) when a run started beside this one already recorded: the newest
    reading is less than a minute old and readings.csv was written after this process started. A run that took
    the lock just after another released it would otherwise record the same moment twice; a run started after
    the last one ended (cron, a manual run) records."""
    try:
        newest = csvlog.newest_timestamp(config.data_dir)
        written = os.stat(config.data_dir / csvlog.READINGS_FILE).st_mtime
    except OSError:  # no file yet, or the record duty will say what is wrong with it
        return
    if newest is None or not timedelta(0) <= now - newest < JUST_RECORDED or written < _process_started():
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


def queue_phone(config: Config, events: list[Event]) -> None:
    """Queue the cycle's alert events as one push message for each channel (NOTIFY_URLS), and remember a raised
    one as undelivered until some channel (email too) delivers it (notify/health.py)."""
    if not events or not (config.notify or config.email_alerts):
        return
    from pvs6sup.notify import health, outbox, phone

    when = events[0].time  # the email for these events is queued under the same time
    if config.notify:
        title, body = phone.message(events, config.timezone, config.site_name)
        outbox.enqueue(config.notify, config.data_dir, when, title, body)
    if any(event.event == "raised" for event in events):
        health.note_raised(config.data_dir, when)


def _send_alerts(config: Config, runtime: Runtime) -> None:
    """Send the queued alert emails, then each push channel's outbox: each its own duty."""
    duty("alert email deferred", send_email, config, runtime.now())
    if config.notify:
        from pvs6sup.notify import outbox

        for line in duty("phone notifications", outbox.send_all, config.notify, config.data_dir, runtime.now(),
                         config.secret_values()) or []:
            log.warning("phone notification: %s", line)


def send_email(config: Config, now: datetime) -> None:
    """Send the queued alert emails; when some waited, note how the email channel fared (notify/health.py)."""
    from pvs6sup.alerts import state as alertstate

    waited = config.email_alerts and bool(alertstate.queued_emails(config.data_dir))
    error: str | None = "internal error (a bug)"  # unless the sending ends below
    try:
        alerting.send_queued(config)  # returns at once when nothing waits
        error = None
    except SupervisorError as err:
        error = str(err)
        raise
    finally:
        if waited:
            from pvs6sup.notify import health
            from pvs6sup.notify.settings import EMAIL

            left = alertstate.queued_emails(config.data_dir)
            through = alertstate.queued_at(left[0]) - timedelta(microseconds=1) if left else now
            health.record(config.data_dir, EMAIL, "email", now, error, through)


def watch(config: Config, runtime: Runtime, reading: Reading, backlogs: list[tuple[str, float]] | None) -> None:
    """Ping the watchdog with the per-stream report; as a failure when alerts are not getting through."""
    if not config.healthcheck_url:
        return
    from pvs6sup.core.streams import stream_lines

    lines = stream_lines(reading, backlogs, config.any_sink)
    problems: list[str] = []
    if config.notify or config.email_alerts:
        from pvs6sup.notify import health

        channels, state = health.channels(config.notify, config.email_alerts), health.load(config.data_dir)
        problems = health.verdict(state, channels, runtime.now())
        lines += ["alerts: " + line for line in health.channel_lines(state, channels, runtime.now())]
    healthcheck.ping(config, runtime, "\n".join(lines), "; ".join(problems) or None)


def _report_duties(config: Config, runtime: Runtime) -> None:
    duty("report", reporting.report_if_due, config, runtime.now())
    duty("summary email", reporting.summary_if_due, config, runtime.now())


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
    cloud = duty("cloud cover left blank", weather.cloud_cover_pct, runtime.session, config, runtime.weather_urls)
    reading = replace(reading, cloud_cover_pct=cloud)
    record_reading(config, reading)
    return reading


def record_reading(config: Config, reading: Reading) -> None:
    """Record first: the reading staged for the sinks, its CSV rows, then the sinks' queues (sinks/handoff.py)."""
    staged = duty("sinks' hand-off", stage_for_sinks, config, reading)
    csvlog.append_reading(config.data_dir, reading, config.timezone)
    if staged:
        from pvs6sup.sinks import handoff

        duty("sinks' hand-off", handoff.hand_over, config, staged)


def deliver(config: Config, runtime: Runtime, reading: Reading) -> list[tuple[str, float]] | None:
    """Queue the reading for Google Sheets, then send each sink's queue, each its own duty (those that carry
    alerts wait for deliver_alerts); for the alerts, each sink still waiting: (title, oldest entry's age in s)."""
    if not config.any_sink:
        return []  # nothing waits: a backlog incident from before the sinks were turned off resolves
    from pvs6sup.sinks import deliver as sink_delivery  # its code only when something is delivered

    queue_for_sinks(config, reading, sheets=True)
    for sink in (s for s in sink_delivery.configured_sinks(config) if not s.after_alerts):
        duty(sink.title, sink_delivery.send, config, runtime, sink)
    return sink_delivery.backlogs(config, runtime.now())


def recover_handoff(config: Config) -> None:
    """Finish (or drop, when its CSV row is missing) the sinks' hand-off a killed run left (sinks/handoff.py)."""
    if config.any_sink and (config.data_dir / "outbox" / "handoff.json").exists():
        from pvs6sup.sinks import handoff

        handoff.recover(config)


def stage_for_sinks(config: Config, reading: Reading) -> dict[str, Any] | None:
    """Before the CSV rows, stage this reading for the sink modules (sinks/handoff.py); they queue it once its
    rows are written, so no sink ever holds a reading the CSV lacks."""
    if not config.any_sink:
        return None
    from pvs6sup.sinks import handoff

    return handoff.stage(config, reading)


def queue_for_sinks(config: Config, reading: Reading, *, sheets: bool) -> None:
    """Queue the reading for Google Sheets, after its CSV row (Sheets catches up from readings.csv); the sink
    modules get it through the hand-off (stage_for_sinks)."""
    if not config.any_sink:
        return
    from pvs6sup.sinks import deliver as sink_delivery

    for sink in sink_delivery.configured_sinks(config):
        if (sink.name == sink_delivery.SHEETS) == sheets:
            duty(f"{sink.title} queue", sink_delivery.queue_reading, config, sink, reading)


def deliver_alerts(
    config: Config, runtime: Runtime, events: list[Event], failed_at: datetime | None = None
) -> None:
    """Queue the alert events (and a PVS failure) for the sinks that carry them (MQTT), then send those."""
    if not config.any_sink:
        return
    from pvs6sup.sinks import deliver as sink_delivery

    for sink in (s for s in sink_delivery.configured_sinks(config) if s.after_alerts):
        duty(f"{sink.title} queue", sink_delivery.queue_events, config, sink, events, failed_at)
        duty(sink.title, sink_delivery.send, config, runtime, sink)


def prune(config: Config, reading: Reading) -> int:
    """Remove raw-archive day folders older than RAW_RETENTION_DAYS."""
    if not (config.data_dir / archive.RAW_DIR).is_dir():  # not a folder: the archive's own warning said so
        return 0
    return retention.prune_raw(config.data_dir, reading.fetched_at.date(), config.raw_retention_days)


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
