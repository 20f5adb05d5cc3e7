"""Delivery to every configured sink: each reading queued in each sink's own queue, then each queue sent.

The sinks are those sinks/table.py turns on. For a sink module (pvoutput, influx, prometheus, mqtt:
payload/send/probe, see sinks/protocols.py):
1. queue `payload(reading, SITE_NAME, TIMEZONE)`; a queue past its age limit drops its oldest (one warning);
2. send what waits (sinks/send.py): unless its retry-after time has not come, mark the entries sending, call
   `send` with the memo and a total deadline, then move the cursor and save the new memo in one write.
The receivers overwrite by time (a PVOutput status by date and time, an InfluxDB point by its timestamp, the
Prometheus file, MQTT's retained topics), so entries whose send had no answer are simply sent again; only an
MQTT alert event may then arrive twice (QoS 1 is at-least-once).
Google Sheets keeps its own exactly-once delivery (sinks/sheets/delivery.py) on the same kind of queue.

MQTT is sent after the alerts are judged, so one connection carries the reading and that cycle's alert events;
after a PVS failure it carries availability "offline" and the events. Each sink runs as its own duty of the
cycle (cycle.py), so a failing one delays none of the others, the CSV or the alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import requests

from pvs6sup.alerts.incidents import Event
from pvs6sup.core.models import Reading
from pvs6sup.core.records import FrozenRecord
from pvs6sup.errors import ConfigError
from pvs6sup.settings.sinks import SHEETS, SinkSettings
from pvs6sup.sinks.outcome import Result
from pvs6sup.sinks.queue import Queue
from pvs6sup.sinks.table import MAX_AGE, ModuleSink, Sink, configured

log = logging.getLogger(__name__)


def configured_sinks(sinks: SinkSettings) -> list[Sink]:
    """Every sink the settings turn on, in the order they are sent (sinks/table.py)."""
    return configured(sinks)


def queue_reading(sink: Sink, reading: Reading, *, data_dir: Path, site_name: str, zone: tzinfo) -> None:
    """Put the reading in the sink's queue (Sheets: its row, and any the CSV has that the queue missed)."""
    sink.queue_reading(data_dir, reading, site_name, zone)
    trim(data_dir, sink, reading.fetched_at)


def queue_events(
    sink: ModuleSink[Any], data_dir: Path, events: Sequence[Event], failed_at: datetime | None = None
) -> None:
    """For a sink that carries alerts (MQTT): a PVS failure first (the devices go unavailable), then each event."""
    carrier = sink.carrier
    assert carrier is not None  # only sinks with after_alerts are given events
    queue = sink.queue(data_dir)
    if failed_at is not None:
        queue.enqueue(failed_at, carrier.failure_payload(failed_at))
    for event in events:
        queue.enqueue(event.time, carrier.alert_payload(event))
    if failed_at is not None:
        trim(data_dir, sink, failed_at)


def trim(data_dir: Path, sink: Sink, now: datetime) -> None:
    """Drop the queue's entries past the sink's age limit (one warning)."""
    warning = sink.queue(data_dir).trim(now, MAX_AGE.get(sink.name, MAX_AGE[SHEETS]))
    if warning:
        log.warning("%s", warning)


def send(
    sink: Sink, session: requests.Session, data_dir: Path, now: datetime, zone: tzinfo, *, force: bool = False
) -> Result:
    """Send what waits in the sink's queue; `force` (flush) ignores a wait the receiver asked for."""
    return sink.send(session, data_dir, now, zone, force)


def backlogs(sinks: SinkSettings, data_dir: Path, now: datetime) -> list[tuple[str, float]]:
    """(title, seconds its oldest waiting entry has waited) for each configured sink with entries waiting, in
    the order they are sent: what the delivery-backlog alert judges. Reads each queue's state and first line."""
    found = []
    for sink in configured_sinks(sinks):
        waited_s = _waited_s(sink.queue(data_dir), sink, now)
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


def flush(
    sinks: SinkSettings, session: requests.Session, data_dir: Path, now: datetime, zone: tzinfo, only: str | None = None
) -> list[tuple[str, Result]]:
    """Send now what waits for each configured sink (or the one named), ignoring any wait: (title, result)."""
    chosen = [sink for sink in configured_sinks(sinks) if only in (None, sink.name)]
    if not chosen:
        raise ConfigError([_not_configured(only)])
    return [(sink.title, send(sink, session, data_dir, now, zone, force=True)) for sink in chosen]


def _not_configured(only: str | None) -> str:
    if only == SHEETS or only is None:
        also = "" if only else "; nor is any other sink (PVOUTPUT_API_KEY, INFLUX_URL, PROMETHEUS_TEXTFILE, MQTT_HOST)"
        return f"GOOGLE_SERVICE_ACCOUNT_FILE, GOOGLE_SHEET_ID: not set, so Google Sheets is off{also}"
    setting = {"pvoutput": "PVOUTPUT_API_KEY", "influx": "INFLUX_URL", "prometheus": "PROMETHEUS_TEXTFILE"}
    return f"{setting.get(only, 'MQTT_HOST')}: not set, so {only} is off; nothing to flush"


class QueueStatus(FrozenRecord):
    """One sink's queue for `status`: how many entries wait and how old the oldest is."""

    name: str
    title: str
    pending: int
    oldest_age_s: float | None


def queue_status(sinks: SinkSettings, data_dir: Path, now: datetime) -> list[QueueStatus]:
    """Each configured sink's queue: how many entries wait and how old the oldest is (for `status`)."""
    found = []
    for sink in configured_sinks(sinks):
        backlog = sink.queue(data_dir).backlog(now)
        found.append(QueueStatus(sink.name, sink.title, backlog.rows, backlog.oldest_age_s))
    return found
