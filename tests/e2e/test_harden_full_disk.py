"""Issue #23, item 4 (and item 2 on a full disk): a full card is exit 4 and one line on the first run and on every
later one, the log file included; no sink holds a reading the CSV lacks; recording resumes with space."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from tests.support.harness import ROOT, Harness
from tests.support.tiny_disk import mounted_tmpfs


@pytest.fixture
def tiny_disk(tmp_path):
    with mounted_tmpfs(tmp_path, "640k") as mount_point:
        yield mount_point


def fill(folder) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    try:  # the last partial block
        while os.write(fd, b"\0"):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def readings(data_dir) -> list[str]:
    with (data_dir / "readings.csv").open() as handle:
        return [row["timestamp"] for row in csv.DictReader(handle)]


def test_a_full_disk_is_exit_4_and_one_line_on_every_run_and_recording_resumes(harness: Harness, simulated, tiny_disk):
    harness.env.update({"DATA_DIR": str(tiny_disk / "data"), "PROMETHEUS_TEXTFILE": str(tiny_disk / "pvs6.prom")})
    assert harness.run().code == 0
    fill(tiny_disk)
    codes: list[int] = []
    while 4 not in codes:  # a row may still fit in the slack of a file's last block
        assert len(codes) < 20, codes
        harness.clock.advance(minutes=5)
        codes.append(harness.run().code)
    for attempt in range(4):  # and from then on, every run
        harness.clock.advance(minutes=5)
        result = harness.run()
        assert result.code == 4, (attempt, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "the disk is full" in lines[0], (attempt, result.stderr)
        assert "Traceback" not in result.stderr
    recorded = readings(tiny_disk / "data")
    (tiny_disk / "filler").unlink()
    harness.clock.advance(minutes=5)
    result = harness.run()
    assert result.code == 0, result.stderr
    assert len(readings(tiny_disk / "data")) == len(recorded) + 1
    assert not list((tiny_disk / "data").rglob("*.tmp"))
    # no sink queue holds a reading the CSV lacks: what the full disk refused went nowhere
    queued = (tiny_disk / "data" / "outbox" / "prometheus" / "queue.jsonl").read_text().splitlines()
    stamps = {datetime.fromisoformat(t).astimezone(timezone.utc) for t in readings(tiny_disk / "data")}
    assert {datetime.fromisoformat(json.loads(line)["fetched_at"]) for line in queued} <= stamps


@pytest.mark.slow
def test_a_full_disk_under_the_real_cli_is_exit_4_and_one_line_every_time(tmp_path, tiny_disk):
    from datetime import timedelta

    from tests.support.harness import fixture_bytes
    from tests.support.hostile import HostileServer, http_answer

    body = fixture_bytes("legacy_build61839_net_loadside/devicelist.json")
    moment = datetime(2026, 6, 21, 19, 5, 30, tzinfo=timezone.utc)
    with HostileServer(behaviour=lambda conn: conn.sendall(http_answer(200, body))) as server:
        env = tmp_path / "test.env"
        env.write_text(
            f"PVS_HOST={server.base_url}\nDATA_DIR={tiny_disk / 'data'}\nWEATHER_PROVIDER=none\nMAX_CLOCK_SKEW=0\n"
        )
        env.chmod(0o600)

        def run():
            nonlocal moment
            moment += timedelta(minutes=5)
            command = [
                sys.executable,
                str(ROOT / "tests/support/run_at.py"),
                moment.isoformat(),
                "--env-file",
                str(env),
            ]
            return subprocess.run([*command, "run"], capture_output=True, text=True, timeout=60, check=False)

        first = run()
        assert first.returncode == 0, first.stderr
        fill(tiny_disk)
        codes = []
        for attempt in range(20):  # the first runs may still fit in the slack of a file's last block
            done = run()
            codes.append(done.returncode)
            assert "Traceback" not in done.stderr, (attempt, done.stderr)
            if done.returncode:
                assert done.returncode == 4 and done.stderr.count("\n") == 1, (attempt, done.stderr)
        assert 4 in codes and codes[codes.index(4) :] == [4] * (len(codes) - codes.index(4)), codes
        assert codes.count(4) >= 5, codes
        (tiny_disk / "filler").unlink()
        assert run().returncode == 0
