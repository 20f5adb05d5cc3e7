"""Fixtures for the delivery tests: one influxd and one mosquitto for the session, and a site whose every sink
is on (tests/sinks/delivery_site.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from delivery_site import install_sink_settings, start_peers
from influx_server import start_influx
from mqtt_broker import start_broker


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
    """Every sink on, each behind a FlakyProxy; cli.main() loads their settings (see SinkConfig)."""
    zone = ZoneInfo(harness.env["TIMEZONE"])
    for peer in start_peers(tmp_path, harness.clock, zone, delivery_influx, delivery_broker):
        peer.sinks.update(peer.settings())
        install_sink_settings(monkeypatch, peer.sinks)
        monkeypatch.setattr("pvs6sup.sinks.pvoutput.SPACING_S", 0.0)
        yield peer
