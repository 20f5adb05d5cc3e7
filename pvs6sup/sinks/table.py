"""The delivery targets as one table: each sink's name, title, settings, how its code is loaded (only when the
sink is on: imports are most of a cycle's cost) and whether it carries the alerts.

A sink module (pvoutput, influx, prometheus, mqtt) has the shape SinkModule states; one that carries alerts
(MQTT) is an AlertCarrier (sinks/protocols.py). The loaders return each module as its protocol, so mypy checks
every module against it. Google Sheets, which keeps its own exactly-once delivery, is a member like the others
(SheetsSink).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Generic, TypeVar

import requests

from pvs6sup.core.models import Reading
from pvs6sup.settings.sinks import (
    MODULES,
    SHEETS,
    SHEETS_TITLE,
    InfluxSettings,
    MqttSettings,
    PrometheusSettings,
    PvoutputSettings,
    SheetsSettings,
    SinkSettings,
)
from pvs6sup.sinks.outcome import Result
from pvs6sup.sinks.protocols import AlertCarrier, SinkModule
from pvs6sup.sinks.queue import Queue, sheets_queue
from pvs6sup.sinks.send import send_queue

log = logging.getLogger(__name__)
S = TypeVar("S")

TITLES = dict(MODULES)
DEADLINE_S = {"mqtt": 10.0}  # seconds for one sink's whole send; MQTT's broker is on the LAN
DEFAULT_DEADLINE_S = 20.0


class Sink:
    """One configured sink: its name and title, its queue, and how a reading is queued and sent."""

    __slots__ = ("name", "title")

    def __init__(self, name: str, title: str) -> None:
        self.name, self.title = name, title

    @property
    def after_alerts(self) -> bool:
        """Sent after the alerts are judged, so that the cycle's alert events go with its reading."""
        return False

    @property
    def staged(self) -> bool:
        """Whether its payload goes through the hand-off (sinks/handoff.py) before the CSV rows are written."""
        return False

    def payload(self, reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
        raise NotImplementedError(self.name)

    def queue(self, data_dir: Path) -> Queue:
        return Queue(data_dir, self.name, self.title)

    def queue_reading(self, data_dir: Path, reading: Reading, site_name: str, zone: tzinfo) -> None:
        self.queue(data_dir).enqueue(reading.fetched_at, self.payload(reading, site_name, zone))

    def send(self, session: requests.Session, data_dir: Path, now: datetime, zone: tzinfo, force: bool) -> Result:
        raise NotImplementedError(self.name)

    def probe(self, session: requests.Session, data_dir: Path, now: datetime) -> str | None:
        """None when it is reachable and takes the settings, else the problem."""
        raise NotImplementedError(self.name)


class ModuleSink(Sink, Generic[S]):
    """A sink module's sink, its settings typed by its module: payloads through the hand-off, sent from its queue
    by the common send (sinks/send.py)."""

    __slots__ = ("settings", "module", "carrier")

    def __init__(
        self, name: str, title: str, settings: S, module: SinkModule[S], carrier: AlertCarrier[S] | None = None
    ) -> None:
        super().__init__(name, title)
        self.settings, self.module, self.carrier = settings, module, carrier

    @property
    def after_alerts(self) -> bool:
        return self.carrier is not None

    @property
    def staged(self) -> bool:
        return True

    @property
    def deadline_s(self) -> float:
        return DEADLINE_S.get(self.name, DEFAULT_DEADLINE_S)

    def payload(self, reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
        return self.module.payload(reading, site_name, zone)

    def send(self, session: requests.Session, data_dir: Path, now: datetime, zone: tzinfo, force: bool) -> Result:
        where = (self.name, self.title, self.deadline_s)
        return send_queue(where, self.settings, self.module, self.queue(data_dir), session, now, force)

    def probe(self, session: requests.Session, data_dir: Path, now: datetime) -> str | None:
        return self.module.probe(self.settings, session, self.deadline_s)


class SheetsSink(Sink):
    """Google Sheets: it queues its rows from readings.csv (catching up on any the queue missed) and keeps its
    own exactly-once delivery (sinks/sheets/delivery.py)."""

    __slots__ = ("settings",)

    def __init__(self, settings: SheetsSettings) -> None:
        super().__init__(SHEETS, SHEETS_TITLE)
        self.settings = settings

    def queue(self, data_dir: Path) -> Queue:
        return sheets_queue(data_dir)

    def queue_reading(self, data_dir: Path, reading: Reading, site_name: str, zone: tzinfo) -> None:
        from pvs6sup.sinks.sheets.queueing import queue_reading

        queue_reading(data_dir, reading, zone)

    def send(self, session: requests.Session, data_dir: Path, now: datetime, zone: tzinfo, force: bool) -> Result:
        from pvs6sup.errors import DeliveryError
        from pvs6sup.sinks.sheets.delivery import deliver

        queue = sheets_queue(data_dir)
        pending = queue.pending_count()
        try:
            result = deliver(self.settings, session, data_dir, now, zone, force=force)
        except DeliveryError as err:  # the rows stay queued
            log.warning("%s", err)
            return Result(pending, pending - queue.pending_count(), str(err))
        return Result(result.pending, result.sent, "waiting as Google asked" if result.not_before else None)

    def probe(self, session: requests.Session, data_dir: Path, now: datetime) -> str | None:
        from pvs6sup.sinks.sheets.delivery import probe

        return probe(self.settings, session, data_dir, now)


def _pvoutput() -> SinkModule[PvoutputSettings]:
    from pvs6sup.sinks import pvoutput

    return pvoutput


def _influx() -> SinkModule[InfluxSettings]:
    from pvs6sup.sinks import influx

    return influx


def _prometheus() -> SinkModule[PrometheusSettings]:
    from pvs6sup.sinks import prometheus

    return prometheus


def _mqtt() -> AlertCarrier[MqttSettings]:
    from pvs6sup.sinks import mqtt

    return mqtt


class Row(Generic[S]):
    """A row of the table: a sink's name, its settings among all the sinks' (None when off), and how it is built
    from them (importing its module: only a sink that is on costs its import)."""

    __slots__ = ("name", "settings_of", "build")

    def __init__(self, name: str, settings_of: Callable[[SinkSettings], S | None], build: Callable[[S], Sink]) -> None:
        self.name, self.settings_of, self.build = name, settings_of, build

    def configured(self, sinks: SinkSettings) -> Sink | None:
        settings = self.settings_of(sinks)
        return None if settings is None else self.build(settings)


def _module_sink(name: str, load: Callable[[], SinkModule[S]]) -> Callable[[S], Sink]:
    return lambda settings: ModuleSink(name, TITLES[name], settings, load())


def _carrier_sink(name: str, load: Callable[[], AlertCarrier[S]]) -> Callable[[S], Sink]:
    def build(settings: S) -> Sink:
        module = load()
        return ModuleSink(name, TITLES[name], settings, module, module)

    return build


# The order they are sent in, settings/sinks.py's SINK_NAMES (a test holds them equal); MQTT last, after the alerts.
TABLE: tuple[Row[Any], ...] = (
    Row(SHEETS, lambda s: s.sheets, SheetsSink),
    Row("pvoutput", lambda s: s.pvoutput, _module_sink("pvoutput", _pvoutput)),
    Row("influx", lambda s: s.influx, _module_sink("influx", _influx)),
    Row("prometheus", lambda s: s.prometheus, _module_sink("prometheus", _prometheus)),
    Row("mqtt", lambda s: s.mqtt, _carrier_sink("mqtt", _mqtt)),
)

# How far back a queue keeps entries: what the receiver still accepts or is worth sending after an outage.
MAX_AGE = {
    SHEETS: timedelta(days=366),
    "pvoutput": timedelta(days=90),  # PVOutput's backfill limit with donation (14 days without: it drops those)
    "influx": timedelta(days=30),
    "prometheus": timedelta(days=1),  # only the newest reading is written
    "mqtt": timedelta(days=7),  # only the newest state is shown; older alert events are still told
}


def configured(sinks: SinkSettings) -> list[Sink]:
    """Every sink the settings turn on, in the order they are sent. A sink module is imported only when on."""
    return [sink for row in TABLE if (sink := row.configured(sinks)) is not None]
