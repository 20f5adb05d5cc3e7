"""Outages through cli.main(): a 3-day outage of every sink then the restore, an answer lost after the peer
applied the write, a sink that hangs or breaks, and a setting only the owner can fix."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta

import pytest

from pvs6sup.alerts import state
from pvs6sup.core.records import replace
from pvs6sup.sinks import table
from tests.support.delivery_site import PREFIX, local_slot, run_cycles, scan_for_secrets
from tests.support.mqtt_broker import retained, wait_for

pytest_plugins = ["tests.support.delivery_site"]  # its fixtures: a conftest.py here would shadow tests/conftest.py


def queue_lines(harness, name):
    path = harness.data_dir / "outbox" / name / "queue.jsonl"
    return len(path.read_bytes().splitlines()) if path.exists() else 0


@pytest.mark.timeout(900)
@pytest.mark.slow
def test_a_three_day_outage_of_every_sink_then_the_restore_delivers_everything_in_order_once(harness, peers):
    zone = peers.pvoutput.zone
    times = [harness.clock.now]
    assert run_cycles(harness, 1)[0].code == 0
    for proxy in peers.proxies.values():
        proxy.set_down(True)
    shutil.rmtree(peers.textfile.parent)  # Prometheus: its folder gone (a setting to fix)
    results = []
    for _ in range(3 * 288):
        times.append(harness.clock.now)
        results += run_cycles(harness, 1)
    assert {r.code for r in results} == {0}  # the readings are recorded all along
    stderr = "".join(r.stderr for r in results)
    assert stderr.count("PROMETHEUS_TEXTFILE") == 3  # a setting to fix: said once a day, not every cycle
    assert stderr.count("InfluxDB: no answer from") == 3 * 288  # one line per failed cycle
    for name in ("pvoutput", "influx", "mqtt"):
        assert queue_lines(harness, name) >= 3 * 288
    assert queue_lines(harness, "prometheus") <= 288  # it keeps a day: only the newest is ever written
    assert stderr.count("Prometheus: ") - stderr.count("PROMETHEUS_TEXTFILE") == 1  # one summary of the drops
    csv_rows = (harness.data_dir / "readings.csv").read_text().count("\n") - 1
    assert csv_rows == len(times)

    for proxy in peers.proxies.values():
        proxy.set_down(False)
    peers.textfile.parent.mkdir()
    restored = run_cycles(harness, 8)  # PVOutput: 5 requests of 30 statuses a cycle at most
    assert {r.code for r in restored} == {0}, restored[-1].stderr
    times_all = times + [times[-1] + timedelta(minutes=5 * (i + 1)) for i in range(8)]

    influx_times = peers.influx_times()
    assert len(influx_times) == len(times_all) == len(set(influx_times)) and influx_times == sorted(influx_times)
    slots = [local_slot(t, zone) for t in times_all[:-1]]
    assert peers.pvoutput.arrivals == slots  # in order, each once
    assert max(peers.pvoutput.batch_sizes) <= 30
    assert f"{int(times_all[-1].timestamp())}" in peers.prometheus_text()
    wait_for(lambda: retained(peers.broker, f"{PREFIX}/availability").get(f"{PREFIX}/availability") == b"online")
    for name in ("influx", "mqtt", "prometheus"):
        assert queue_lines(harness, name) == 0
    assert scan_for_secrets(harness.data_dir, [stderr, *(r.stderr for r in restored)]) == []


def test_an_answer_lost_after_the_peer_applied_the_write_gives_no_duplicate(harness, peers):
    zone = peers.pvoutput.zone
    times = []
    for _ in range(3):
        times.append(harness.clock.now)
        run_cycles(harness, 1)
    peers.proxies["pvoutput"].lose_answers = 1
    peers.proxies["influx"].lose_answers = 1
    times.append(harness.clock.now)
    result = run_cycles(harness, 1)[0]
    assert peers.proxies["pvoutput"].lost == 1 and peers.proxies["influx"].lost == 1
    assert result.code == 0 and "PVOutput: no answer" in result.stderr and "InfluxDB: no answer" in result.stderr
    for _ in range(3):
        times.append(harness.clock.now)
        assert run_cycles(harness, 1)[0].stderr == ""
    # InfluxDB: the same points written again overwrite themselves
    assert peers.influx_count() == len(times) == len(set(peers.influx_times()))
    # PVOutput: the slot whose answer was lost went again and replaced itself: one status per slot, in order,
    # its energy unchanged (no double count)
    slots = [local_slot(t, zone) for t in times[:-1]]
    assert sorted(peers.pvoutput.statuses) == slots
    assert peers.pvoutput.arrivals == slots[:3] + slots[2:]  # the third went twice: the second time replaced it
    v1 = [peers.pvoutput.statuses[slot]["v1"] for slot in slots]
    assert v1 == sorted(v1)


@pytest.mark.slow
def test_a_hanging_sink_costs_its_deadline_and_delays_no_other_sink_the_csv_or_the_alerts(harness, peers, monkeypatch):
    import socket

    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    monkeypatch.setattr(table, "DEFAULT_DEADLINE_S", 2.0)
    peers.sinks["pvoutput"] = replace(peers.sinks["pvoutput"], url=f"http://127.0.0.1:{silent.getsockname()[1]}")
    try:
        started = time.monotonic()
        results = run_cycles(harness, 3)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert {r.code for r in results} == {0}
    assert all("PVOutput: no answer" in r.stderr for r in results[1:])  # the first has no ended slot yet
    assert took < 3 * (2.0 + 5.0)  # the deadline per cycle, and the rest of the cycle on a busy machine
    assert peers.influx_count() == 3
    assert len((harness.data_dir / "readings.csv").read_text().splitlines()) == 4
    wait_for(lambda: len(peers.mqtt_on(f"{PREFIX}/site")) == 3, what="three site states")
    judged = state.load(harness.data_dir).detector.last_reading_at  # the alerts judged every reading
    assert judged == harness.clock.now - timedelta(minutes=5)


def test_a_sink_that_breaks_is_one_error_line_and_the_others_go_on(harness, peers, monkeypatch):
    from pvs6sup.sinks import influx

    def broken(*args, **kwargs):
        raise ValueError("a bug in the sink")

    real = influx.send
    monkeypatch.setattr(influx, "send", broken)
    results = run_cycles(harness, 2)
    assert {r.code for r in results} == {0}
    lines = [line for line in results[0].stderr.splitlines() if "InfluxDB" in line]
    assert len(lines) == 1 and "internal error ValueError: a bug in the sink" in lines[0]
    assert f"{int((harness.clock.now - timedelta(minutes=5)).timestamp())}" in peers.prometheus_text()
    wait_for(lambda: len(peers.mqtt_on(f"{PREFIX}/site")) == 2, what="two site states")
    monkeypatch.setattr(influx, "send", real)
    run_cycles(harness, 1)
    assert peers.influx_count() == 3  # nothing was lost while it was broken


@pytest.mark.slow
def test_a_setting_only_the_owner_can_fix_is_said_once_a_day(harness, peers):
    peers.sinks["pvoutput"] = replace(peers.sinks["pvoutput"], api_key="wrong0000000000000000000000000000000000")
    results = run_cycles(harness, 6)
    stderr = "".join(r.stderr for r in results)
    assert stderr.count("PVOUTPUT_API_KEY is not accepted") == 1
    assert "wrong0000" not in stderr
    harness.clock.advance(days=1)
    assert "PVOUTPUT_API_KEY is not accepted" in run_cycles(harness, 1)[0].stderr  # a day later, once more
    peers.sinks["pvoutput"] = peers.settings()["pvoutput"]
    assert run_cycles(harness, 1)[0].stderr == ""
    assert len(peers.pvoutput.statuses) == 7  # every ended slot, none lost while the key was wrong
