"""Delivery to every configured sink: each reading queued in each sink's own queue, then each queue sent.

For a sink module (pvoutput, influx, prometheus, mqtt: payload/send/probe, see sinks/outcome.py):
1. queue `payload(reading, SITE_NAME, TIMEZONE)`; a queue past its age limit drops its oldest (one warning);
2. unless its retry-after time has not come: mark the entries sending, call `send` with the memo and a total
   deadline, then move the cursor to max(cursor, through_seq) and save the new memo in one write, and log its
   warnings. RetryLaterError keeps the entries (and the time to wait for), one warning; FixConfigError keeps
   them too, with one warning naming the setting, said again at most once a day.
The receivers overwrite by time (a PVOutput status by date and time, an InfluxDB point by its timestamp, the
Prometheus file, MQTT's retained topics), so entries whose send had no answer are simply sent again; only an
MQTT alert event may then arrive twice (QoS 1 is at-least-once).
Google Sheets keeps its own exactly-once delivery (sinks/sheets/delivery.py) on the same kind of queue.

MQTT is sent after the alerts are judged, so one connection carries the reading and that cycle's alert events;
after a PVS failure it carries availability "offline" and the events. Each sink runs as its own duty of the
cycle (cycle.py), so a failing one delays none of the others, the CSV or the alerts.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from pvs6sup.alerts.incidents import Event
from pvs6sup.config import Config
from pvs6sup.core.models import Reading
from pvs6sup.core.records import FrozenRecord
from pvs6sup.errors import ConfigError, DeliveryError
from pvs6sup.runtime import Runtime
from pvs6sup.sink_settings import MODULES
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError
from pvs6sup.sinks.queue import Queue

log = logging.getLogger(__name__)

SHEETS = "sheets"
SINK_NAMES = (SHEETS, *(name for name, _ in MODULES))
DEADLINE_S = {"mqtt": 10.0}  # seconds for one sink's whole send; MQTT's broker is on the LAN
DEFAULT_DEADLINE_S = 20.0
# How far back a queue keeps entries: what the receiver still accepts or is worth sending after an outage.
MAX_AGE = {
    SHEETS: timedelta(days=366),
    "pvoutput": timedelta(days=90),  # PVOutput's backfill limit with donation (14 days without: it drops those)
    "influx": timedelta(days=30),
    "prometheus": timedelta(days=1),  # only the newest reading is written
    "mqtt": timedelta(days=7),  # only the newest state is shown; older alert events are still told
}
BATCH = 2000  # entries handed to one send (a week of 5-minute readings): bounds what a cycle reads
CONFIG_WARNING_EVERY = timedelta(days=1)


class Sink(FrozenRecord):
    """One configured sink: its queue name, its title for people, its module and settings (None for Sheets)."""

    name: str
    title: str
    module: ModuleType | None = None
    settings: Any = None

    @property
    def after_alerts(self) -> bool:
        """Sent after the alerts are judged, so that the cycle's alert events go with its reading."""
        return self.module is not None and hasattr(self.module, "alert_payload")


class Result(FrozenRecord):
    """One send: entries that were pending, entries settled, and the one-line problem when some had to stay."""

    pending: int
    sent: int
    problem: str | None = None


def configured_sinks(config: Config) -> list[Sink]:
    """Every sink the settings turn on, in the order they are sent. A sink module is imported only when on."""
    sinks = [Sink(SHEETS, "Google Sheets")] if config.sheets_enabled else []
    chosen = {
        "pvoutput": config.pvoutput,
        "influx": config.influx,
        "prometheus": config.prometheus,
        "mqtt": config.mqtt,
    }
    for name, title in MODULES:
        settings = chosen[name]  # None when off
        if settings is not None:
            sinks.append(Sink(name, title, importlib.import_module(f"pvs6sup.sinks.{name}"), settings))
    return sinks


def queue_of(data_dir: Path, sink: Sink) -> Queue:
    if sink.module is None:
        from pvs6sup.sinks.sheets.delivery import sheets_queue

        return sheets_queue(data_dir)
    return Queue(data_dir, sink.name, sink.title)


def queue_reading(config: Config, sink: Sink, reading: Reading) -> None:
    """Put the reading in the sink's queue (Sheets: its row, and any the CSV has that the queue missed)."""
    if sink.module is None:
        from pvs6sup.sinks.sheets import delivery as sheets

        sheets.queue_reading(config.data_dir, reading, config.timezone)
    else:
        payload = sink.module.payload(reading, config.site_name, config.timezone)
        queue_of(config.data_dir, sink).enqueue(reading.fetched_at, payload)
    trim(config.data_dir, sink, reading.fetched_at)


def queue_events(config: Config, sink: Sink, events: Sequence[Event], failed_at: datetime | None = None) -> None:
    """For a sink that carries alerts (MQTT): a PVS failure first (the devices go unavailable), then each event."""
    assert sink.module is not None
    queue = queue_of(config.data_dir, sink)
    if failed_at is not None:
        queue.enqueue(failed_at, sink.module.failure_payload(failed_at))
    for event in events:
        queue.enqueue(event.time, sink.module.alert_payload(event))
    if failed_at is not None:
        trim(config.data_dir, sink, failed_at)


def trim(data_dir: Path, sink: Sink, now: datetime) -> None:
    """Drop the queue's entries past the sink's age limit (one warning)."""
    warning = queue_of(data_dir, sink).trim(now, MAX_AGE.get(sink.name, MAX_AGE[SHEETS]))
    if warning:
        log.warning("%s", warning)


def send(config: Config, runtime: Runtime, sink: Sink, *, force: bool = False) -> Result:
    """Send what waits in the sink's queue; `force` (flush) ignores a wait the receiver asked for."""
    if sink.module is None:
        return _send_sheets(config, runtime, force)
    queue, now = queue_of(config.data_dir, sink), runtime.now()
    state = queue.read_state()
    pending = queue.pending_count()
    if not pending:
        return Result(0, 0)
    if state.retry_after is not None and now < state.retry_after and not force:
        log.info("%s: waiting until %s as asked; %s queued", sink.title, state.retry_after, _entries_text(pending))
        return Result(pending, 0, f"{sink.title}: waiting until {state.retry_after:%H:%M} UTC as asked")
    entries = queue.pending(BATCH)
    if state.sending is not None:
        log.info("%s: entries %d-%d had no answer last time; sent again", sink.title, *_span(state.sending))
    queue.mark_sending(entries[0].seq, entries[-1].seq, sink.name)
    deadline_s = DEADLINE_S.get(sink.name, DEFAULT_DEADLINE_S)
    try:
        sent = sink.module.send(sink.settings, runtime.session, entries, state.memo, now, deadline_s)
    except RetryLaterError as err:
        queue.update_state(retry_after=err.until)
        problem = _titled(sink, str(err))
        log.warning("%s; %s kept", problem, _entries_text(pending))
        return Result(pending, 0, problem)
    except FixConfigError as err:
        problem = _titled(sink, str(err))
        _warn_daily(queue, problem, now)
        return Result(pending, 0, problem)
    through = min(max(state.cursor, sent.through_seq), entries[-1].seq)  # never past what it was given
    queue.confirm(through, dict(sent.memo))
    if state.warned:  # it works again: a config problem coming back is said at once
        queue.update_state(warned="", warned_at=None)
    for warning in sent.warnings:
        log.warning("%s", _titled(sink, warning))
    settled = through - state.cursor
    log.log(logging.INFO if settled > 1 else logging.DEBUG, "%s: %d entries settled", sink.title, settled)
    return Result(pending, settled)


def _entries_text(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _span(sending: Any) -> tuple[int, int]:
    return sending.first, sending.last


def _titled(sink: Sink, text: str) -> str:
    return text if text.startswith(sink.title) else f"{sink.title}: {text}"


def _warn_daily(queue: Queue, problem: str, now: datetime) -> None:
    """A problem only the owner can fix: one warning, and again only after a day (or when it changes)."""
    state = queue.read_state()
    if state.warned == problem and state.warned_at is not None and now - state.warned_at < CONFIG_WARNING_EVERY:
        log.info("%s (said at %s)", problem, state.warned_at)
        return
    log.warning("%s; the entries stay queued until then", problem)
    queue.update_state(warned=problem, warned_at=now)


def _send_sheets(config: Config, runtime: Runtime, force: bool) -> Result:
    from pvs6sup.sinks.sheets import delivery as sheets

    queue = sheets.sheets_queue(config.data_dir)
    pending = queue.pending_count()
    try:
        result = sheets.deliver(config, runtime, force=force)
    except DeliveryError as err:  # the rows stay queued
        log.warning("%s", err)
        return Result(pending, pending - queue.pending_count(), str(err))
    return Result(result.pending, result.sent, "waiting as Google asked" if result.not_before else None)


def backlogs(config: Config, now: datetime) -> list[tuple[str, float]]:
    """(title, seconds its oldest waiting entry has waited) for each configured sink with entries waiting, in
    the order they are sent: what the delivery-backlog alert judges. Reads each queue's state and first line."""
    found = []
    for sink in configured_sinks(config):
        waited_s = _waited_s(queue_of(config.data_dir, sink), sink, now)
        if waited_s is not None:
            found.append((sink.title, waited_s))
    return found


def _waited_s(queue: Queue, sink: Sink, now: datetime) -> float | None:
    """The oldest waiting entry's age; when the age limit dropped entries since the last delivery (Prometheus
    keeps a day, less than the alert waits), the time since the last delivered reading, or at least the limit."""
    age_s = queue.oldest_pending_age_s(now)
    if age_s is None:
        return None
    state = queue.read_state()
    if state.dropped_at is None or (state.delivered_at is not None and state.delivered_at >= state.dropped_at):
        return age_s
    since = state.delivered_at or state.dropped_at - MAX_AGE.get(sink.name, MAX_AGE[SHEETS])
    return max(age_s, (now - since).total_seconds())


def flush(config: Config, runtime: Runtime, only: str | None = None) -> list[tuple[str, Result]]:
    """Send now what waits for each configured sink (or the one named), ignoring any wait: (title, result)."""
    sinks = [sink for sink in configured_sinks(config) if only in (None, sink.name)]
    if not sinks:
        raise ConfigError([_not_configured(only)])
    return [(sink.title, send(config, runtime, sink, force=True)) for sink in sinks]


def _not_configured(only: str | None) -> str:
    if only == SHEETS or only is None:
        also = "" if only else "; nor is any other sink (PVOUTPUT_API_KEY, INFLUX_URL, PROMETHEUS_TEXTFILE, MQTT_HOST)"
        return f"GOOGLE_SERVICE_ACCOUNT_FILE, GOOGLE_SHEET_ID: not set, so Google Sheets is off{also}"
    setting = {"pvoutput": "PVOUTPUT_API_KEY", "influx": "INFLUX_URL", "prometheus": "PROMETHEUS_TEXTFILE"}
    return f"{setting.get(only, 'MQTT_HOST')}: not set, so {only} is off; nothing to flush"


class QueueStatus(FrozenRecord):
    name: str
    title: str
    pending: int
    oldest_age_s: float | None


def queue_status(config: Config, now: datetime) -> list[QueueStatus]:
    """Each configured sink's queue: how many entries wait and how old the oldest is (for `status`)."""
    found = []
    for sink in configured_sinks(config):
        backlog = queue_of(config.data_dir, sink).backlog(now)
        found.append(QueueStatus(sink.name, sink.title, backlog.rows, backlog.oldest_age_s))
    return found
