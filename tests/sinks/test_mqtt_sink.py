"""The MQTT sink against a real mosquitto on 127.0.0.1: discovery, state, alerts, failures, TLS, a kill."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pvs6sup.alerts import detectors
from pvs6sup.alerts.incidents import update
from pvs6sup.sinks import ha_discovery, mqtt
from pvs6sup.sinks.ha_entities import ALERT_KINDS
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError
from pvs6sup.sinks.queue import Entry
from tests.support.mqtt_broker import PASSWORD, USER, Recorder, free_port, retained, start_broker, wait_for
from tests.support.mqtt_reading import NOON, PVS_SERIAL, reading_at, site

SITE_CONFIGS = 9 + len(ALERT_KINDS)  # the site's sensors, and a problem sensor per alert kind

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "pvs6/home"
HA_REQUIRED = ("name", "unique_id", "state_topic", "device", "value_template")


@pytest.fixture
def broker(tmp_path):
    running = start_broker(tmp_path / "broker")
    yield running
    running.stop()


@pytest.fixture
def recorder(broker):
    recording = Recorder(broker).start()
    yield recording
    recording.stop()


def settings(broker, **overrides) -> mqtt.Settings:
    values = {"host": "127.0.0.1", "port": broker.port, "topic_prefix": PREFIX} | overrides
    return mqtt.Settings(**values)


def entry(seq: int, payload: dict, at: datetime = NOON) -> Entry:
    return Entry(seq, at, payload)


def status_count(recorder) -> int:
    return sum(1 for m in recorder.snapshot() if m.topic == f"{PREFIX}/status")


def test_one_cycle_gives_valid_discovery_state_and_no_pvs_serial(broker, recorder):
    reading = reading_at(site(12), NOON)
    sent = mqtt.send(settings(broker), None, [entry(7, mqtt.payload(reading, "Home", timezone.utc))], {}, NOON, 10)
    assert sent.through_seq == 7 and not sent.warnings
    wait_for(lambda: status_count(recorder) == 1, what="the status message")
    messages = recorder.snapshot()

    for message in messages:
        assert PVS_SERIAL not in message.topic + message.payload.decode()
        assert PVS_SERIAL[-5:] not in message.topic + message.payload.decode()
    configs = {m.topic: json.loads(m.payload) for m in messages if m.topic.startswith("homeassistant/")}
    assert all(m.retain for m in messages if m.topic.startswith("homeassistant/"))
    assert len(configs) == SITE_CONFIGS + 12 * 4
    for config in configs.values():
        assert all(config.get(key) for key in HA_REQUIRED), config
        assert config["device"]["identifiers"]
    assert len({c["unique_id"] for c in configs.values()}) == len(configs)
    state_topics = {c["state_topic"] for c in configs.values()}
    published = {m.topic: m for m in messages}
    assert state_topics <= set(published)  # every entity has its state in this cycle
    for topic in state_topics:
        assert not published[topic].retain
        state = json.loads(published[topic].payload)
        assert all(isinstance(v, (int, float, str, dict)) for v in state.values())
    site_state = json.loads(published[f"{PREFIX}/site"].payload)
    assert site_state["production_w"] == round(reading.site.production_kw * 1000)
    assert site_state["production_kwh"] == reading.site.production_lifetime_kwh
    assert datetime.fromisoformat(json.loads(published[f"{PREFIX}/status"].payload)["last_reading"]) == NOON
    assert published[f"{PREFIX}/availability"].payload == b"online" and published[f"{PREFIX}/availability"].retain
    kept = retained(broker)
    assert set(kept) == set(configs) | {f"{PREFIX}/availability"}


@pytest.mark.slow
def test_a_simulated_day_discovery_state_every_cycle_alerts_and_availability(broker, recorder):
    simulated = site(12)
    start = datetime(2026, 6, 21, 7, 0, tzinfo=timezone.utc)  # midnight in California
    outage = (start + timedelta(hours=11), start + timedelta(hours=13, minutes=30))  # the PVS stops answering
    state, incidents = detectors.DetectorState(), {}
    memo: dict = {}
    seq, readings, failures, events_sent = 0, 0, 0, []
    settings_ = settings(broker)
    for step in range(24 * 6):  # a day of 10-minute cycles
        now = start + timedelta(minutes=10 * step)
        seq += 1
        if outage[0] <= now < outage[1]:
            judgements = detectors.observe_failure(state)
            entries = [entry(seq, mqtt.failure_payload(now), now)]
            failures += 1
        else:
            reading = reading_at(simulated, now)
            judgements = detectors.observe_reading(state, reading, (), 37.42, -122.08)
            entries = [entry(seq, mqtt.payload(reading, "Home", timezone.utc), now)]
            readings += 1
        for event in update(incidents, judgements, now):
            seq += 1
            entries.append(entry(seq, mqtt.alert_payload(event), now))
            events_sent.append(event)
        sent = mqtt.send(settings_, None, entries, memo, now, 10)
        assert sent.through_seq == seq
        memo = sent.memo
        wait_for(lambda s=step: status_count(recorder) == s + 1, what=f"cycle {step}'s status")

    messages = recorder.snapshot()
    configs = [m for m in messages if m.topic.startswith("homeassistant/")]
    assert len(configs) == 2 * (SITE_CONFIGS + 12 * 4)  # the first cycle, and once more when the (UTC) day turned
    assert sum(1 for m in messages if m.topic == f"{PREFIX}/site") == readings
    availability = [m.payload.decode() for m in messages if m.topic == f"{PREFIX}/availability"]
    # one outage: offline from its OFFLINE_AFTER_FAILURES-th failed cycle on, online again after it
    assert availability.count("offline") == failures - (ha_discovery.OFFLINE_AFTER_FAILURES - 1)
    assert availability[-1] == "online"
    assert {e.kind for e in events_sent} >= {detectors.PVS_UNREACHABLE}
    published = [json.loads(m.payload) for m in messages if m.topic == f"{PREFIX}/alerts"]
    assert [(a["event"], a["kind"]) for a in published] == [(e.event, e.kind) for e in events_sent]
    problems = [json.loads(m.payload)["problems"] for m in messages if m.topic == f"{PREFIX}/status"]
    assert "ON" in [p[detectors.PVS_UNREACHABLE] for p in problems]
    assert problems[-1][detectors.PVS_UNREACHABLE] == "OFF"  # resolved after the PVS came back
    everything = "".join(m.topic + m.payload.decode() for m in messages)
    assert PVS_SERIAL not in everything and PVS_SERIAL[-5:] not in everything


def test_a_broker_that_is_down_costs_little_and_gives_one_line(tmp_path):
    down = mqtt.Settings(host="127.0.0.1", port=free_port())
    payload = mqtt.payload(reading_at(site(2), NOON), "Home", timezone.utc)
    began = time.monotonic()
    with pytest.raises(RetryLaterError) as caught:
        mqtt.send(down, None, [entry(1, payload)], {}, NOON, 5)
    assert time.monotonic() - began < 5
    assert "\n" not in str(caught.value) and "MQTT_HOST" in str(caught.value)
    assert mqtt.probe(down, None, 5) is not None


@pytest.mark.slow
def test_a_broker_that_never_answers_costs_the_deadline_and_no_more():
    with socket.socket() as silent:  # accepts the TCP connection, then says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mute = mqtt.Settings(host="127.0.0.1", port=silent.getsockname()[1])
        payload = mqtt.payload(reading_at(site(2), NOON), "Home", timezone.utc)
        began = time.monotonic()
        with pytest.raises(RetryLaterError):
            mqtt.send(mute, None, [entry(1, payload)], {}, NOON, 1.5)
        assert 1.4 < time.monotonic() - began < 4


def test_a_wrong_password_is_one_line_naming_the_settings(tmp_path):
    secured = start_broker(tmp_path / "secured", password=True)
    try:
        payload = mqtt.payload(reading_at(site(2), NOON), "Home", timezone.utc)
        wrong = settings(secured, user=USER, password="not-the-password-X000")
        with pytest.raises(FixConfigError) as caught:
            mqtt.send(wrong, None, [entry(1, payload)], {}, NOON, 10)
        message = str(caught.value)
        assert "MQTT_USER" in message and "MQTT_PASSWORD" in message and "\n" not in message
        assert "not-the-password" not in message
        assert mqtt.probe(wrong, None, 10) == message
        right = settings(secured, user=USER, password=PASSWORD)
        assert mqtt.probe(right, None, 10) is None
        assert mqtt.send(right, None, [entry(1, payload)], {}, NOON, 10).through_seq == 1
    finally:
        secured.stop()


def test_tls_with_a_test_ca(tmp_path):
    secure = start_broker(tmp_path / "tls", tls=True)
    try:
        payload = mqtt.payload(reading_at(site(2), NOON), "Home", timezone.utc)
        trusted = settings(secure, tls=True, ca_file=secure.ca_file)
        assert mqtt.send(trusted, None, [entry(1, payload)], {}, NOON, 10).through_seq == 1
        assert f"{PREFIX}/availability" in retained(secure)
        with pytest.raises(FixConfigError, match="MQTT_CA_FILE"):  # the system CAs do not know the test CA
            mqtt.send(settings(secure, tls=True), None, [entry(1, payload)], {}, NOON, 10)
        with pytest.raises(FixConfigError, match="MQTT_CA_FILE"):
            mqtt.send(
                settings(secure, tls=True, ca_file=tmp_path / "missing.pem"), None, [entry(1, payload)], {}, NOON, 10
            )
        with pytest.raises(RetryLaterError, match="MQTT_TLS"):  # plain MQTT to a TLS port
            mqtt.send(settings(secure), None, [entry(1, payload)], {}, NOON, 3)
    finally:
        secure.stop()


CHILD = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    import paho.mqtt.client as paho
    from tests.support.mqtt_reading import NOON, reading_at, site
    from pvs6sup.sinks.queue import Entry
    from pvs6sup.sinks import mqtt
    from datetime import timezone

    original, count = paho.Client.publish, [0]
    def publish(self, *args, **kwargs):  # half way through, say so and hang: the parent kills us
        count[0] += 1
        if count[0] == 60:
            self.loop(0.2)
            print("halfway", flush=True)
            time.sleep(120)
        return original(self, *args, **kwargs)
    paho.Client.publish = publish
    payload = mqtt.payload(reading_at(site(30), NOON), "Home", timezone.utc)
    settings = mqtt.Settings(host="127.0.0.1", port=int(sys.argv[2]), topic_prefix="pvs6/home")
    mqtt.send(settings, None, [Entry(1, NOON, payload)], {}, NOON, 60)
    """
)


def test_a_kill_mid_publish_is_followed_by_a_clean_next_publish(broker, recorder):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), str(broker.port)], stdout=subprocess.PIPE, text=True
    )
    try:
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.append(child.stdout.readline()), daemon=True)
        reader.start()
        wait_for(lambda: said, 60, "the child to publish half its messages")
        line = said[0]
        assert line.strip() == "halfway"
        wait_for(lambda: len(recorder.snapshot()) >= 50, what="the first messages to reach the broker")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=20)
    assert len(retained(broker)) < SITE_CONFIGS + 30 * 4  # the kill landed mid-discovery

    # The queue still holds the entry and the memo was never saved: the next cycle sends it all again.
    payload = mqtt.payload(reading_at(site(30), NOON), "Home", timezone.utc)
    sent = mqtt.send(settings(broker), None, [entry(1, payload)], {}, NOON, 10)
    assert sent.through_seq == 1
    kept = retained(broker)
    configs = {t: json.loads(p) for t, p in kept.items() if t.startswith("homeassistant/")}
    assert len(configs) == SITE_CONFIGS + 30 * 4 and all(c["unique_id"] for c in configs.values())
    assert kept[f"{PREFIX}/availability"] == b"online"
