"""Home Assistant through main(): one failed PVS read greys nothing out; a run of them does. Real mosquitto."""

from __future__ import annotations

import json

import pytest

from pvs6sup.sim.legacy_pvs import ForcedAnswer
from pvs6sup.sinks.ha_discovery import OFFLINE_AFTER_FAILURES
from tests.support.harness import Harness
from tests.support.mqtt_broker import retained, start_broker

PREFIX = "pvs6/home"


@pytest.fixture
def broker(tmp_path):
    running = start_broker(tmp_path / "broker")
    yield running
    running.stop()


def test_availability_goes_offline_only_after_several_failed_cycles(harness: Harness, simulated, broker) -> None:
    harness.env.update({"MQTT_HOST": "127.0.0.1", "MQTT_PORT": str(broker.port), "MQTT_TOPIC_PREFIX": PREFIX})
    harness.env["WEATHER_PROVIDER"] = "none"

    def cycle(answer: ForcedAnswer | None = None) -> str:
        if answer is not None:
            simulated.forced.append(answer)
        harness.run("run")
        harness.clock.advance(minutes=5)
        return retained(broker, f"{PREFIX}/availability")[f"{PREFIX}/availability"].decode()

    assert cycle() == "online"
    forbidden = ForcedAnswer(status=403, body=b"Forbidden")  # README: transient 403s are common
    for failed in range(1, OFFLINE_AFTER_FAILURES):
        assert cycle(forbidden) == "online", failed
    assert cycle(forbidden) == "offline"
    assert cycle() == "online"

    configs = {t: json.loads(p) for t, p in retained(broker, "homeassistant/#").items() if p}
    assert configs
    for topic, config in configs.items():
        component = topic.split("/")[1]
        assert config["default_entity_id"] == f"{component}.{config['unique_id']}" and "object_id" not in config
