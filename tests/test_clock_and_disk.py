"""A wrong system clock, raw-archive retention, and a full disk."""

from __future__ import annotations

import csv
import os
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import Harness

from pvs6sup.clock import clock_problem
from pvs6sup.retention import prune_raw

T = datetime(2026, 6, 21, 19, 5, tzinfo=timezone.utc)
TEN_MIN = timedelta(minutes=10)


def test_a_clock_in_step_with_the_pvs_and_ahead_of_the_last_row_is_fine():
    assert clock_problem(T, T - timedelta(minutes=2), T - timedelta(minutes=5), TEN_MIN) is None


def test_a_clock_behind_the_newest_recorded_reading_is_refused():
    assert "behind the newest recorded reading" in clock_problem(T, T, T + timedelta(hours=1), TEN_MIN)


def test_a_clock_days_off_the_pvs_is_refused_saying_by_how_much():
    problem = clock_problem(T - timedelta(days=3, hours=2), T, None, TEN_MIN)
    assert "3 d 2 h behind the PVS's clock" in problem


def test_the_pvs_comparison_can_be_turned_off():
    assert clock_problem(T - timedelta(days=3), T, None, None) is None


def readings(harness):
    with (harness.data_dir / "readings.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_a_cycle_with_the_clock_gone_backwards_records_nothing_and_exits_5(harness: Harness, simulated):
    assert harness.run().code == 0
    harness.clock.advance(hours=-1)
    result = harness.run()
    assert result.code == 5 and "behind the newest recorded reading" in result.stderr
    assert len(readings(harness)) == 1
    names = sorted(p.name for p in (harness.data_dir / "raw").rglob("*.gz"))
    assert names == ["20260621T180530Z.clock-skew.json.gz", "20260621T190530Z.json.gz"]


def test_a_cycle_with_the_clock_far_from_the_pvs_records_nothing(harness: Harness, simulated):
    simulated.clock = lambda: T + timedelta(days=2)  # the PVS knows better than the Pi
    result = harness.run()
    assert result.code == 5 and "behind the PVS's clock" in result.stderr
    assert not (harness.data_dir / "readings.csv").exists()


def test_retention_removes_day_folders_older_than_the_limit_and_empty_parents(tmp_path):
    for day in ("2025/01/31", "2025/02/01", "2026/06/20", "2026/06/21"):
        (tmp_path / "raw" / day).mkdir(parents=True)
        (tmp_path / "raw" / day / "x.json.gz").write_bytes(b"x")
    removed = prune_raw(tmp_path, date(2026, 6, 21), keep_days=400)  # cutoff 2025-05-17
    assert removed == 2
    assert sorted(p.relative_to(tmp_path / "raw").as_posix() for p in (tmp_path / "raw").rglob("*.gz")) == [
        "2026/06/20/x.json.gz",
        "2026/06/21/x.json.gz",
    ]
    assert not (tmp_path / "raw" / "2025").exists()
    assert prune_raw(tmp_path, date(2026, 6, 21), keep_days=0) == 0


def test_a_cycle_prunes_the_archive(harness: Harness, simulated):
    old = harness.data_dir / "raw" / "2024" / "01" / "02"
    old.mkdir(parents=True)
    (old / "20240102T000000Z.json.gz").write_bytes(b"")
    harness.env["RAW_RETENTION_DAYS"] = "30"
    assert harness.run().code == 0
    assert not (harness.data_dir / "raw" / "2024").exists()


@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=False)


def test_a_full_disk_exits_4_with_a_clear_line_and_corrupts_nothing(harness: Harness, simulated, tiny_disk):
    harness.env["DATA_DIR"] = str(tiny_disk / "data")
    assert harness.run().code == 0
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):  # fill the disk to the last block
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    codes = []
    for _ in range(3):
        harness.clock.advance(minutes=5)
        result = harness.run()
        codes.append(result.code)
        if result.code:  # the raw archive's warning may come first: it is the same full disk
            lines = result.stderr.splitlines()
            assert 1 <= len(lines) <= 2 and all("the disk is full" in line for line in lines)
    assert 4 in codes
    rows = readings(harness)  # every row still parses
    assert all(row["timestamp"] and row["inverters_total"] == "12" for row in rows)
    assert not list((tiny_disk / "data").rglob("*.tmp"))
    filler.unlink()
    harness.clock.advance(minutes=5)
    assert harness.run().code == 0
    assert len(readings(harness)) == len(rows) + 1


def test_replay_passes_over_captures_set_aside_for_a_wrong_clock(harness: Harness, simulated):
    assert harness.run().code == 0
    harness.clock.advance(hours=-1)
    assert harness.run().code == 5
    harness.clock.advance(hours=2)
    assert harness.run().code == 0
    csv_dir = harness.tmp_path / "replayed"
    result = harness.run("replay", str(harness.data_dir / "raw"), "--csv-dir", str(csv_dir))
    assert result.code == 0, result.stderr
    with (csv_dir / "readings.csv").open() as handle:
        replayed = [row["timestamp"] for row in csv.DictReader(handle)]
    assert replayed == [row["timestamp"] for row in readings(harness)]
