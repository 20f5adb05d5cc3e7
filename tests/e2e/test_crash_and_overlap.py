"""Crash safety under SIGKILL at random moments, and overlapping runs, with real processes."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from pvs6sup.alerts.state import STATE_FILE, load
from pvs6sup.commands.replay import find_captures
from pvs6sup.core.rows import INVERTER_COLUMNS, READING_COLUMNS
from pvs6sup.sim.legacy_pvs import SimulatedPVS
from pvs6sup.store import packing
from tests.support.harness import ROOT, fixture_bytes
from tests.support.hostile import HostileServer, http_answer

DRIVER = ROOT / "tests/support/cycle_driver.py"


def write_env(tmp_path: Path, **values: str) -> Path:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return env_file


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PVS_", "DATA_DIR", "WEATHER"))}


def row_count(readings: Path) -> int:
    """Whole rows below the header (a line torn by a kill has no newline yet)."""
    return max(0, readings.read_bytes().count(b"\n") - 1) if readings.exists() else 0


def wait_for_more_rows(readings: Path, before: int, child: subprocess.Popen, bound_s: float = 60.0) -> None:
    deadline = time.monotonic() + bound_s
    while row_count(readings) <= before:
        assert child.poll() is None, f"the driver stopped with exit {child.returncode} before recording a row"
        assert time.monotonic() < deadline, f"the driver recorded no row in {bound_s:g} s"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_over_200_cycles_leaves_every_file_whole(tmp_path):
    data_dir = tmp_path / "data"
    rng = random.Random(20261121)
    with SimulatedPVS() as pvs:
        env_file = write_env(
            tmp_path,
            PVS_HOST=pvs.base_url,
            PVS_TIMEOUT="5",
            DATA_DIR=str(data_dir),
            WEATHER_PROVIDER="none",
            MAX_CLOCK_SKEW="0",
        )
        kills = 0
        recorded = 0
        while recorded < 200 or kills < 20:
            child = subprocess.Popen(
                [sys.executable, str(DRIVER), str(env_file), str(data_dir), "100000"], env=child_env()
            )
            # Startup takes 0.1 s on an idle machine and several times that on a loaded one: wait until the
            # child has recorded a row of its own, then kill it at a random moment of the cycles that follow.
            wait_for_more_rows(data_dir / "readings.csv", recorded, child)
            time.sleep(rng.uniform(0.0, 0.25))
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1
            recorded = row_count(data_dir / "readings.csv")

    with (data_dir / "readings.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == READING_COLUMNS
    assert all(len(row) == len(READING_COLUMNS) for row in rows[1:])
    stamps = [row[0] for row in rows[1:]]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), "rows out of order or duplicated"
    assert (data_dir / "readings.csv").read_bytes().endswith(b"\n")
    with (data_dir / "inverters-2026-06.csv").open(newline="") as handle:
        inverter_rows = list(csv.reader(handle))
    assert all(len(row) == len(INVERTER_COLUMNS) for row in inverter_rows)
    assert (data_dir / "inverters-2026-06.csv").read_bytes().endswith(b"\n")
    archived = find_captures([data_dir / "raw"])  # loose, and the finished days packed (past a UTC midnight)
    assert len(archived) >= len(stamps)
    assert packing.packed_path(data_dir, date(2026, 6, 21)).exists()
    with packing.PackedReader() as reader:
        for _, path in archived:
            json.loads(reader.read(path))  # every archived answer is whole
    state = load(data_dir)  # rewritten every cycle: whole, or it would have been set aside
    assert not (data_dir / (STATE_FILE + ".damaged")).exists()
    assert state.detector.last_reading_at is not None
    assert not [p for p in data_dir.iterdir() if p.name.endswith(".damaged")]


@pytest.mark.slow
def test_ten_simultaneous_runs_one_works_the_rest_exit_3_without_waiting(tmp_path):
    release = threading.Event()

    def slow_pvs(conn):
        release.wait(60)  # the PVS holds the first run until the others have all finished
        conn.sendall(http_answer(200, fixture_bytes("legacy_build61839_net_loadside/devicelist.json")))

    with HostileServer(behaviour=slow_pvs) as server:
        env_file = write_env(
            tmp_path,
            PVS_HOST=server.base_url,
            PVS_TIMEOUT="60",
            DATA_DIR=str(tmp_path / "data"),
            WEATHER_PROVIDER="none",
            MAX_CLOCK_SKEW="0",
        )
        command = [sys.executable, str(ROOT / "pvs6_supervisor.py"), "--env-file", str(env_file), "run"]
        runs = [subprocess.Popen(command, env=child_env(), stderr=subprocess.PIPE, text=True) for _ in range(10)]
        finished: list[subprocess.Popen] = []
        deadline = time.monotonic() + 60
        while len(finished) < 9 and time.monotonic() < deadline:
            finished = [run for run in runs if run.poll() is not None]
            time.sleep(0.02)
        # Nine runs ended while the PVS was still holding its answer: they did not wait for the lock.
        assert len(finished) == 9
        assert server.connections == 1
        release.set()
        for run in runs:
            run.wait(30)

    codes = sorted(run.returncode for run in runs)
    assert codes == [0] + [3] * 9
    for run in runs:
        stderr = run.stderr.read()
        assert stderr == "" if run.returncode == 0 else stderr.count("\n") == 1 and "another run" in stderr
    assert sum(1 for _ in (tmp_path / "data" / "readings.csv").open()) == 2
