"""A whole site for the delivery tests: the simulated PVS, cli.main() in-process, and every sink on real peers
on 127.0.0.1 (the PVOutput fake, Debian's influxd, mosquitto), each behind a FlakyProxy for outages.

`install_sink_settings` makes cli.main() load the settings with these sinks' Settings, so that a test can point
them at its proxies and turn one off between runs (`with_sinks`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pvs6sup import cli
from pvs6sup.core.records import replace
from pvs6sup.settings.config import Config
from pvs6sup.sinks import influx, mqtt, prometheus, pvoutput
from tests.support.flaky_proxy import FlakyProxy
from tests.support.influx_server import PASSWORD as INFLUX_PASSWORD
from tests.support.influx_server import USER as INFLUX_USER
from tests.support.influx_server import Influx, start_influx
from tests.support.mqtt_broker import Broker, Recorder, start_broker
from tests.support.pvoutput_fake import API_KEY, SYSTEM_ID, FakePVOutput

SITE_NAME = "Test Site"
PREFIX = "pvs6/test"
LAT, LON = 37.42, -122.08
SECRETS = (API_KEY, INFLUX_PASSWORD)  # the broker is anonymous: the recorder subscribes without a login
_databases = itertools.count(1)


def with_sinks(config: Config, sinks: dict[str, Any]) -> Config:
    """config with the site name of these tests and these sinks' settings (a sink left out stays as loaded)."""
    return config._replace(site_name=SITE_NAME, sinks=replace(config.sinks, **sinks))


def install_sink_settings(monkeypatch: pytest.MonkeyPatch, sinks: dict[str, Any]) -> None:
    """cli.main() loads the settings with `sinks` (read at each load, so a test may change them between runs)."""
    real = cli.load_config

    def load(values: Any, script_dir: Path) -> Config:
        config = real(values, script_dir)
        return with_sinks(config, sinks)

    monkeypatch.setattr(cli, "load_config", load)


@dataclass
class Peers:
    """The real peers and the proxies in front of them."""

    pvoutput: FakePVOutput
    influx: Influx
    broker: Broker
    recorder: Recorder
    textfile: Path
    proxies: dict[str, FlakyProxy] = field(default_factory=dict)
    database: str = ""
    sinks: dict[str, Any] = field(default_factory=dict)  # what cli.main() loads: change it to turn one off

    def settings(self) -> dict[str, Any]:
        return {
            "pvoutput": pvoutput.Settings(
                API_KEY, SYSTEM_ID, url=self.proxies["pvoutput"].url, latitude=LAT, longitude=LON
            ),
            "influx": influx.Settings(
                self.proxies["influx"].url, database=self.database, username=INFLUX_USER, password=INFLUX_PASSWORD
            ),
            "prometheus": prometheus.Settings(self.textfile),
            "mqtt": mqtt.Settings("127.0.0.1", self.proxies["mqtt"].port, topic_prefix=PREFIX),
        }

    def stop(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()

    # --- what each peer holds --------------------------------------------------------------------

    def pvoutput_slots(self) -> list[tuple[str, str]]:
        return sorted(self.pvoutput.statuses)

    def influx_times(self) -> list[str]:
        rows = self.influx.rows("SELECT production_kw FROM pvs_site", self.database)
        return [row["time"] for row in rows]

    def influx_count(self) -> int:
        rows = self.influx.rows("SELECT count(production_kw) FROM pvs_site", self.database)
        return int(rows[0]["count"]) if rows else 0

    def prometheus_text(self) -> str:
        return self.textfile.read_text() if self.textfile.exists() else ""

    def mqtt_on(self, topic: str) -> list[Any]:
        return [m for m in self.recorder.snapshot() if m.topic == topic]

    def mqtt_alerts(self) -> list[dict[str, Any]]:
        return [json.loads(m.payload) for m in self.mqtt_on(f"{PREFIX}/alerts")]


def start_peers(tmp_path: Path, clock: Any, zone: Any, influx_server: Influx, broker: Broker) -> Iterator[Peers]:
    fake = FakePVOutput(clock, zone, LAT, LON).start()
    recorder = Recorder(broker).start()
    database = f"site{next(_databases)}"
    influx_server.query(f"CREATE DATABASE {database}", method="POST")
    (tmp_path / "node-exporter").mkdir()
    peers = Peers(fake, influx_server, broker, recorder, tmp_path / "node-exporter" / "pvs6.prom", database=database)
    influx_port = int(influx_server.url.rsplit(":", 1)[1])
    peers.proxies = {
        "pvoutput": FlakyProxy(("127.0.0.1", fake.server.server_address[1])).start(),
        "influx": FlakyProxy(("127.0.0.1", influx_port)).start(),
        "mqtt": FlakyProxy(("127.0.0.1", broker.port)).start(),
    }
    try:
        yield peers
    finally:
        peers.stop()
        recorder.stop()
        fake.stop()


def local_slot(moment: datetime, zone: Any) -> tuple[str, str]:
    """PVOutput's (d, t) of the 5-minute slot a reading at `moment` falls in."""
    local = moment.astimezone(zone)
    local = local.replace(minute=local.minute - local.minute % 5)
    return local.strftime("%Y%m%d"), local.strftime("%H:%M")


def scan_for_secrets(folder: Path, texts: list[str]) -> list[str]:
    """Every file under `folder` and every text that contains one of SECRETS (raw bytes, gzip left as is)."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.name != ".env" and not path.name.endswith(".env"):
            data = path.read_bytes()
            found += [f"{path}: {secret[:4]}…" for secret in SECRETS if secret.encode() in data]
    for text in texts:
        found += [f"log: {secret[:4]}…" for secret in SECRETS if secret in text]
    return found


def run_cycles(harness: Any, count: int) -> list[Any]:
    """`count` cron runs, 5 minutes apart (the clock ends 5 minutes after the last)."""
    results = []
    for _ in range(count):
        results.append(harness.run())
        harness.clock.advance(minutes=5)
    return results


# --- fixtures (imported by the test modules: a conftest.py here would shadow tests/conftest.py) --------------


@pytest.fixture(scope="session")
def delivery_influx(tmp_path_factory):
    yield from start_influx(tmp_path_factory.mktemp("influx"))


@pytest.fixture(scope="session")
def delivery_broker(tmp_path_factory):
    running = start_broker(tmp_path_factory.mktemp("broker"))
    yield running
    running.stop()


@pytest.fixture
def peers(tmp_path, harness, simulated, delivery_influx, delivery_broker, monkeypatch):
    """Every sink on, each behind a FlakyProxy; cli.main() loads their settings (see with_sinks)."""
    zone = ZoneInfo(harness.env["TIMEZONE"])
    for peer in start_peers(tmp_path, harness.clock, zone, delivery_influx, delivery_broker):
        peer.sinks.update(peer.settings())
        install_sink_settings(monkeypatch, peer.sinks)
        monkeypatch.setattr("pvs6sup.sinks.pvoutput.SPACING_S", 0.0)
        yield peer
