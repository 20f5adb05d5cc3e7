"""Issue #23, item 3: ten runs started at once, round after round, on a loaded machine: one request to the PVS
and one reading a round; nine exit 3 with one line; no two rows share a timestamp (real processes)."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.sim.legacy_pvs import SimulatedPVS
from tests.e2e.test_crash_and_overlap import child_env, write_env
from tests.support.harness import ROOT

RUN_AT = ROOT / "tests/support/run_at.py"
ROUNDS = 5
BUSY = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass\n"


@pytest.mark.slow
def test_ten_concurrent_starts_a_round_record_one_reading_and_ask_the_pvs_once(tmp_path):
    start = datetime(2026, 6, 21, 19, 5, 30, tzinfo=timezone.utc)
    load = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(3)]  # two cores, both busy
    try:
        with SimulatedPVS(clock=lambda: start) as pvs:
            env_file = write_env(
                tmp_path,
                PVS_HOST=pvs.base_url,
                PVS_TIMEOUT="30",
                DATA_DIR=str(tmp_path / "data"),
                WEATHER_PROVIDER="none",
                MAX_CLOCK_SKEW="0",
            )
            for round_ in range(ROUNDS):
                moment = (start + timedelta(minutes=5 * round_)).isoformat()
                command = [sys.executable, str(RUN_AT), moment, "--env-file", str(env_file), "run"]
                runs = [
                    subprocess.Popen(command, env=child_env(), stderr=subprocess.PIPE, text=True) for _ in range(10)
                ]
                outcomes = [(run.wait(60), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
                codes = sorted(code for code, _ in outcomes)
                assert codes == [0] + [3] * 9, (round_, outcomes)
                for code, stderr in outcomes:
                    assert stderr == "" if code == 0 else stderr.count("\n") == 1 and "another run" in stderr, stderr
                assert pvs.device_list_requests == round_ + 1, f"round {round_}: the PVS was asked twice"
    finally:
        for busy in load:
            busy.kill()
            busy.wait()
    with (tmp_path / "data" / "readings.csv").open() as handle:
        stamps = [row["timestamp"] for row in csv.DictReader(handle)]
    assert len(stamps) == ROUNDS and len(set(stamps)) == ROUNDS
    with (tmp_path / "data" / "inverters-2026-06.csv").open() as handle:
        keys = [(row["timestamp"], row["serial"]) for row in csv.DictReader(handle)]
    assert len(keys) == len(set(keys)) == ROUNDS * 12
