"""Every sink on, through cli.main() in-process against the simulated PVS and real peers on 127.0.0.1:
a simulated day reaches each, MQTT availability follows the PVS, alert events arrive, and no key leaks."""

from __future__ import annotations

import json

import pytest

from tests.support.delivery_site import PREFIX, SITE_NAME, local_slot, run_cycles, scan_for_secrets
from tests.support.mqtt_broker import retained, wait_for

pytest_plugins = ["tests.support.delivery_site"]  # its fixtures: a conftest.py here would shadow tests/conftest.py


def stderr_of(results):
    return "".join(r.stderr for r in results)


@pytest.mark.timeout(600)
@pytest.mark.slow
def test_a_simulated_day_reaches_every_sink_in_order_once(harness, peers):
    zone = peers.pvoutput.zone
    times = []
    results = []
    for _ in range(288):
        times.append(harness.clock.now)
        results += run_cycles(harness, 1)
    assert {r.code for r in results} == {0}, stderr_of(results)[-2000:]
    sink_lines = [
        line
        for line in stderr_of(results).splitlines()
        if any(name in line for name in ("PVOutput", "InfluxDB", "Prometheus", "MQTT"))
    ]
    assert sink_lines == []  # silent on success

    # InfluxDB: every reading once, at its own time
    assert peers.influx_count() == 288
    influx_times = peers.influx_times()
    assert influx_times == sorted(influx_times) and len(set(influx_times)) == 288
    # PVOutput: one status per ended slot, in order, none sent twice
    slots = [local_slot(t, zone) for t in times[:-1]]  # the newest slot is still open
    assert peers.pvoutput.arrivals == slots
    # Prometheus: the newest reading
    assert f'pvs6_last_reading_timestamp_seconds{{site="{SITE_NAME}"}} {int(times[-1].timestamp())}' in (
        peers.prometheus_text()
    )
    # MQTT: a state every cycle, discovery retained, online, and the dead inverter's alert as an event
    wait_for(lambda: len(peers.mqtt_on(f"{PREFIX}/site")) == 288, what="288 site states")
    kept = retained(peers.broker)
    assert kept[f"{PREFIX}/availability"] == b"online"
    assert sum(1 for topic in kept if topic.startswith("homeassistant/") and topic.endswith("/config")) > 12
    wait_for(lambda: peers.mqtt_alerts(), what="an alert event")
    raised = [a for a in peers.mqtt_alerts() if a["event"] == "raised"]
    assert raised and {a["kind"] for a in raised} >= {"inverter_offline"}
    assert not any(m.retain for m in peers.mqtt_on(f"{PREFIX}/alerts"))
    # every queue drained, and no key anywhere but .env
    for name in ("influx", "prometheus", "mqtt"):
        assert (harness.data_dir / "outbox" / name / "queue.jsonl").read_bytes() == b""
    assert len((harness.data_dir / "outbox" / "pvoutput" / "queue.jsonl").read_bytes().splitlines()) == 1  # open slot
    assert scan_for_secrets(harness.data_dir, [stderr_of(results)]) == []


@pytest.mark.slow
def test_mqtt_availability_follows_the_pvs_and_its_alerts_arrive(harness, peers, simulated):
    from pvs6sup.sim.legacy_pvs import ForcedAnswer

    assert {r.code for r in run_cycles(harness, 2)} == {0}
    assert retained(peers.broker, f"{PREFIX}/availability") == {f"{PREFIX}/availability": b"online"}
    simulated.forced.extend(ForcedAnswer(503) for _ in range(13))
    failed = run_cycles(harness, 13)
    assert {r.code for r in failed} == {1}
    assert retained(peers.broker, f"{PREFIX}/availability") == {f"{PREFIX}/availability": b"offline"}
    wait_for(lambda: any(a["kind"] == "pvs_unreachable" for a in peers.mqtt_alerts()), what="PVS unreachable")
    status = json.loads(peers.mqtt_on(f"{PREFIX}/status")[-1].payload)
    assert status["problems"]["pvs_unreachable"] == "ON"
    assert {r.code for r in run_cycles(harness, 1)} == {0}
    assert retained(peers.broker, f"{PREFIX}/availability") == {f"{PREFIX}/availability": b"online"}
    events = [(a["kind"], a["event"]) for a in peers.mqtt_alerts()]
    assert ("pvs_unreachable", "raised") in events
    # the failure cycles' entries went too: nothing waits
    assert (harness.data_dir / "outbox" / "mqtt" / "queue.jsonl").read_bytes() == b""


def test_check_probes_each_sink_and_status_shows_each_queue(harness, peers, monkeypatch):
    harness.env["WEATHER_PROVIDER"] = "none"
    result = harness.run("check")
    for title in ("PVOutput", "InfluxDB", "Prometheus", "MQTT"):
        assert f"✓ {title}: reachable, settings accepted" in result.stdout, result.stdout
    peers.proxies["influx"].set_down(True)
    result = harness.run("check")
    assert result.code == 6  # SERVICE_FAILED
    assert "✗ InfluxDB: no answer from" in result.stdout and "fix: README, section InfluxDB and Grafana" in (
        result.stdout
    )
    run_cycles(harness, 2)
    document = json.loads(harness.run("status", "--json").stdout)
    assert document["queues"]["influx"]["pending"] == 2
    assert document["queues"]["influx"]["oldest_age_s"] == 600
    assert document["queues"]["prometheus"] == {"pending": 0, "oldest_age_s": None}
    assert "InfluxDB queue  2 waiting, the oldest for 10 min" in harness.run("status").stdout


def test_flush_sends_one_sink_and_says_when_nothing_could_go(harness, peers):
    peers.proxies["influx"].set_down(True)
    run_cycles(harness, 3)
    result = harness.run("flush", "influx")
    assert (result.code, result.stdout) == (7, "InfluxDB: 3 pending, 0 sent\n")
    assert result.stderr.count("\n") == 1 and "InfluxDB: no answer from" in result.stderr
    peers.proxies["influx"].set_down(False)
    result = harness.run("flush", "influx")
    assert (result.code, result.stdout) == (0, "InfluxDB: 3 pending, 3 sent\n")
    assert peers.influx_count() == 3
    result = harness.run("flush")
    assert result.code == 0
    assert result.stdout.splitlines() == [
        "PVOutput: 1 pending, 1 sent",  # the newest slot has ended by now
        "InfluxDB: 0 pending, 0 sent",
        "Prometheus: 0 pending, 0 sent",
        "MQTT: 0 pending, 0 sent",
    ]
