"""A kill at each step of the delivery step loses nothing: raised in-process at every step in turn, and one
real SIGKILL test (a child process running cycles, killed at random moments, then run to the end)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.sim.legacy_pvs import SimulatedPVS
from pvs6sup.sinks import handoff, influx, mqtt, prometheus, pvoutput, queue
from pvs6sup.store import csvlog
from tests.support.delivery_site import LAT, LON, PREFIX, local_slot, run_cycles
from tests.support.influx_server import PASSWORD as INFLUX_PASSWORD
from tests.support.influx_server import USER as INFLUX_USER
from tests.support.mqtt_broker import wait_for
from tests.support.pvoutput_fake import API_KEY, SYSTEM_ID, FakePVOutput

pytest_plugins = ["tests.support.delivery_site"]  # its fixtures: a conftest.py here would shadow tests/conftest.py

DRIVER = Path(__file__).resolve().parents[1] / "support" / "sink_cycle_driver.py"
MODULES = (pvoutput, influx, prometheus, mqtt)


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs (BaseException passes every except clause)."""


def fresh_run(harness, peers, tmp_path, number):
    """A new DATA_DIR, an empty PVOutput, a new InfluxDB database, a new textfile and a quiet recorder."""
    harness.env["DATA_DIR"] = str(tmp_path / f"run{number}")
    peers.pvoutput.statuses.clear()
    peers.pvoutput.arrivals.clear()
    peers.pvoutput.hour_counts.clear()
    peers.database = f"kill{number}_{os.getpid()}"
    peers.influx.query(f"CREATE DATABASE {peers.database}", method="POST")
    peers.textfile = peers.textfile.with_name(f"run{number}.prom")
    peers.sinks.update(peers.settings())
    peers.recorder.clear()


@pytest.mark.slow
def test_a_kill_at_each_step_of_the_delivery_step_loses_nothing(harness, peers, monkeypatch, tmp_path):
    zone = peers.pvoutput.zone
    step, kill_at, where = 0, 0, ""

    def maybe_kill(what: str) -> None:
        nonlocal step, where
        if kill_at:
            step += 1
            if step == kill_at:
                where = what
                raise Killed(what)

    real_append, real_write = queue.append_lines, queue.atomic_write

    def append_lines(path, header, lines):
        real_append(path, header, lines)
        maybe_kill(f"after queueing in {path.parent.name}")

    def atomic_write(path, data, **kw):
        maybe_kill(f"before writing {path.parent.name}/{path.name}")
        real_write(path, data, **kw)
        maybe_kill(f"after writing {path.parent.name}/{path.name}")

    def killing_send(module, real):
        def send(*args, **kwargs):
            sent = real(*args, **kwargs)
            maybe_kill(f"after {module.NAME} applied it")  # the peer has it; our answer is lost
            return sent

        return send

    monkeypatch.setattr(queue, "append_lines", append_lines)
    monkeypatch.setattr(queue, "atomic_write", atomic_write)
    monkeypatch.setattr(handoff, "atomic_write", atomic_write)  # the hand-off staged before the CSV rows
    real_csv = csvlog.append_reading

    def append_reading(*args, **kwargs):
        real_csv(*args, **kwargs)
        maybe_kill("after the CSV rows")

    monkeypatch.setattr(csvlog, "append_reading", append_reading)
    for module in MODULES:
        monkeypatch.setattr(module, "send", killing_send(module, module.send))

    kill_at, tried = 0, []
    while True:
        kill_at += 1
        fresh_run(harness, peers, tmp_path, kill_at)
        harness.clock.now = datetime(2026, 6, 21, 19, 5, 30, tzinfo=timezone.utc)
        saved, kill_at = kill_at, 0
        times = [harness.clock.now, harness.clock.now.replace(minute=10)]  # the two warm-up cycles
        assert {r.code for r in run_cycles(harness, 2)} == {0}
        kill_at, step, where = saved, 0, ""
        times.append(harness.clock.now)
        try:
            run_cycles(harness, 1)
        except Killed:
            harness.clock.advance(minutes=5)
        if not where:
            break  # this many steps: the third cycle ran through without reaching the kill
        tried.append(where)
        saved, kill_at = kill_at, 0
        for _ in range(3):
            times.append(harness.clock.now)
            assert run_cycles(harness, 1)[0].code == 0
        kill_at = saved

        # Every reading in readings.csv reached every sink, once (a point or status written again overwrites
        # itself), and no sink holds a reading readings.csv lacks: the CSV row is written before any queue sees it.
        recorded = [datetime.fromisoformat(t).astimezone(timezone.utc) for t in csv_times(harness.data_dir)]
        assert len(recorded) >= len(times) - 1, where
        influx_times = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in peers.influx_times()]
        assert set(influx_times) == set(recorded) and len(set(influx_times)) == len(influx_times), where
        assert {local_slot(t, zone) for t in recorded[:-1]} <= set(peers.pvoutput.statuses), where
        assert f"{int(times[-1].timestamp())}" in peers.prometheus_text(), where
        for name in ("influx", "prometheus", "mqtt"):
            assert (harness.data_dir / "outbox" / name / "queue.jsonl").read_bytes() == b"", (where, name)
        wait_for(lambda: peers.mqtt_on(f"{PREFIX}/site"), what=f"MQTT state after a kill {where}")
    assert len(tried) >= 4 * 6  # every sink: queueing, the mark, the send, the cursor, the compaction
    assert any("mqtt applied" in w for w in tried) and any("pvoutput/state.json" in w for w in tried)
    assert any("handoff.json" in w for w in tried) and "after the CSV rows" in tried


def csv_times(data_dir: Path) -> list[str]:
    path = data_dir / "readings.csv"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()[1:]
    return [line.split(",", 1)[0] for line in lines]


KILLS = int(os.environ.get("PVS6_KILLS", "40"))  # PVS6_KILLS=300 for the long run (about 3 minutes alone)


@pytest.mark.timeout(max(120, KILLS * 3))
@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_for_any_sink(tmp_path, delivery_influx, delivery_broker):
    """Random SIGKILLs with every sink on (a file, and real peers on loopback): no torn file, no duplicate row,
    every sink's readings a subset of the CSV's, and every CSV reading in every sink once the runs go on."""
    zone = ZoneInfo("America/Los_Angeles")
    data_dir = tmp_path / "data"

    def pvoutput_now() -> datetime:  # an hour after the newest reading: none "in the future", and hours go by
        times = csv_times(data_dir)
        newest = datetime.fromisoformat(times[-1]) if times else datetime(2026, 6, 21, 12, tzinfo=timezone.utc)
        return newest.astimezone(timezone.utc) + timedelta(hours=1)

    fake = FakePVOutput(pvoutput_now, zone, LAT, LON, donation=True).start()
    database = f"sigkill{os.getpid()}"
    delivery_influx.query(f"CREATE DATABASE {database}", method="POST")
    textfile = tmp_path / "pvs6.prom"
    sinks = tmp_path / "sinks.json"
    sinks.write_text(
        json.dumps(
            {
                "pvoutput": {
                    "api_key": API_KEY,
                    "system_id": SYSTEM_ID,
                    "url": fake.url,
                    "latitude": LAT,
                    "longitude": LON,
                },
                "influx": {
                    "url": delivery_influx.url,
                    "database": database,
                    "username": INFLUX_USER,
                    "password": INFLUX_PASSWORD,
                },
                "prometheus": str(textfile),
                "mqtt": {"host": "127.0.0.1", "port": delivery_broker.port, "topic_prefix": "pvs6/sigkill"},
            }
        )
    )
    rng = random.Random(20260621)
    started = time.monotonic()
    try:
        with SimulatedPVS() as pvs:
            env_file = tmp_path / "test.env"
            env_file.write_text(
                f"PVS_HOST={pvs.base_url}\nPVS_TIMEOUT=5\nDATA_DIR={data_dir}\nWEATHER_PROVIDER=none\n"
                "MAX_CLOCK_SKEW=0\nTIMEZONE=America/Los_Angeles\nLATITUDE=37.42\nLONGITUDE=-122.08\n"
            )
            env_file.chmod(0o600)
            child_env = {k: v for k, v in os.environ.items() if not k.startswith(("PVS_", "DATA_DIR", "WEATHER"))}
            kills = 0
            while kills < KILLS:
                child = subprocess.Popen(
                    [sys.executable, str(DRIVER), str(sinks), str(env_file), str(data_dir), "100000"],
                    env=child_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                before = len(csv_times(data_dir))
                deadline = time.monotonic() + 60
                while len(csv_times(data_dir)) <= before:  # progress: a row recorded, then a random moment
                    assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
                    assert time.monotonic() < deadline, "the driver recorded no row in 60 s"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.25))
                child.send_signal(signal.SIGKILL)
                child.communicate(timeout=60)
                kills += 1
            killed_for = time.monotonic() - started
            # then the runs go on without a kill: two more cycles deliver what waits
            done = subprocess.run(
                [sys.executable, str(DRIVER), str(sinks), str(env_file), str(data_dir), "2"],
                env=child_env,
                capture_output=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr.decode()
        recorded = csv_times(data_dir)
        assert len(recorded) >= KILLS
        assert_whole_and_unique(data_dir)
        rows = delivery_influx.rows("SELECT production_kw FROM pvs_site", database)
        influx_times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in rows]
        assert {datetime.fromisoformat(t).astimezone(timezone.utc) for t in recorded} == set(influx_times)
        slots = {local_slot(datetime.fromisoformat(t), zone) for t in recorded}
        ended = {local_slot(datetime.fromisoformat(t), zone) for t in recorded[:-1]}
        assert ended <= set(fake.statuses) <= slots
        assert f"{int(datetime.fromisoformat(recorded[-1]).timestamp())}" in textfile.read_text()
        for name in ("influx", "prometheus", "mqtt"):
            assert (data_dir / "outbox" / name / "queue.jsonl").read_bytes() == b"", name
        print(f"{KILLS} kills, {len(recorded)} readings in {killed_for:.1f} s")  # noqa: T201
    finally:
        fake.stop()


def assert_whole_and_unique(data_dir: Path) -> None:
    """Every CSV parses whole (ends with a newline, every row its header's width) and no row repeats."""
    import csv

    for path in [data_dir / "readings.csv", *sorted(data_dir.glob("inverters-*.csv"))]:
        data = path.read_bytes()
        assert data.endswith(b"\n"), path
        rows = list(csv.reader(data.decode().splitlines()))
        assert all(len(row) == len(rows[0]) for row in rows), path
        keys = [tuple(row[:2]) if path.name.startswith("inverters") else row[0] for row in rows[1:]]
        assert len(keys) == len(set(keys)), f"{path.name}: a row twice"
    assert not list(data_dir.rglob("*.damaged"))
