"""A wrong system clock, raw-archive retention, and a full disk."""

from __future__ import annotations

import csv
import os
from datetime import date, datetime, timedelta, timezone

import pytest

from pvs6sup.core.clock_check import PENDING, PVS, SYSTEM, judge_clocks, pending_stamp
from pvs6sup.store.retention import prune_raw
from tests.support.harness import Harness
from tests.support.tiny_disk import mounted_tmpfs

T = datetime(2026, 6, 21, 19, 5, tzinfo=timezone.utc)
TEN_MIN = timedelta(minutes=10)


def test_a_clock_in_step_with_the_pvs_and_ahead_of_the_last_row_stamps_the_reading():
    verdict = judge_clocks(T, T - timedelta(minutes=2), T - timedelta(minutes=5), TEN_MIN)
    assert (verdict.stamp, verdict.source, verdict.warning, verdict.confirmed) == (T, SYSTEM, "", True)


def test_a_system_clock_behind_the_newest_row_gives_way_to_the_pvss():
    verdict = judge_clocks(T - timedelta(hours=3), T, T - timedelta(minutes=5), TEN_MIN)
    assert (verdict.stamp, verdict.source) == (T, PVS)
    assert "behind the newest recorded reading" in verdict.warning and "timedatectl" in verdict.warning


def test_a_system_clock_a_year_ahead_of_a_pvs_in_order_is_a_jump():
    verdict = judge_clocks(T + timedelta(days=365), T, T - timedelta(minutes=5), TEN_MIN, timedelta(0))
    assert (verdict.stamp, verdict.source) == (T, PVS) and "jumped: it is 365 d ahead of the PVS's" in verdict.warning
    drifted = judge_clocks(T, T - timedelta(days=3), T - timedelta(minutes=5), None, timedelta(days=3))
    assert (drifted.stamp, drifted.source) == (T, SYSTEM)  # the same offset as ever: the PVS drifted, not a jump


def test_a_drifting_pvs_clock_is_a_warning_naming_the_drift_and_the_system_clock_stamps():
    verdict = judge_clocks(T, T + timedelta(hours=3, minutes=12), T - timedelta(minutes=5), TEN_MIN)
    assert (verdict.stamp, verdict.source, verdict.warning_kind) == (T, SYSTEM, "drift")
    assert "3 h 12 min ahead of the system clock" in verdict.warning and "MAX_CLOCK_SKEW" in verdict.warning
    assert judge_clocks(T, T + timedelta(hours=3), None, None).warning == ""  # MAX_CLOCK_SKEW=0: no warning


def test_with_both_clocks_behind_the_record_the_reading_waits():
    verdict = judge_clocks(T - timedelta(days=2), T - timedelta(days=1), T, TEN_MIN)
    assert (verdict.stamp, verdict.source) == (None, PENDING) and "recorded once a clock is right" in verdict.warning


def test_a_kept_reading_is_placed_by_the_pvss_uptime_else_its_clock():
    assert pending_stamp(T, 10_000, None, 9_100, None) == T - timedelta(seconds=900)
    assert pending_stamp(T, 100, T, 9_100, T - timedelta(minutes=20)) == T - timedelta(minutes=20)  # it rebooted
    assert pending_stamp(T, None, None, None, None) is None


def readings(harness):
    with (harness.data_dir / "readings.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_a_cycle_with_the_clock_gone_backwards_is_stamped_by_the_pvs(harness: Harness, simulated):
    assert harness.run().code == 0
    simulated.clock = lambda: T + timedelta(minutes=10, seconds=30)
    harness.clock.advance(hours=-1)
    result = harness.run()
    assert result.code == 0 and "behind the newest recorded reading" in result.stderr
    assert [row["timestamp"] for row in readings(harness)] == ["2026-06-21T12:05:30-07:00", "2026-06-21T12:15:30-07:00"]
    names = sorted(p.name for p in (harness.data_dir / "raw").rglob("*.gz"))
    assert names == ["20260621T190530Z.json.gz", "20260621T191530Z.json.gz"]


def test_a_pvs_clock_hours_off_is_one_warning_a_day_and_every_reading_is_recorded(harness: Harness, simulated):
    simulated.clock = lambda: harness.clock() + timedelta(hours=5)  # the PVS drifted; the Pi is right
    first = harness.run()
    assert first.code == 0 and "the PVS's clock is 5 h ahead of the system clock" in first.stderr
    harness.clock.advance(minutes=5)
    assert harness.run().stderr == ""
    assert len(readings(harness)) == 2


def test_retention_removes_day_folders_older_than_the_limit_and_empty_parents(tmp_path):
    for day in ("2025/01/31", "2025/02/01", "2026/06/20", "2026/06/21"):
        (tmp_path / "raw" / day).mkdir(parents=True)
        (tmp_path / "raw" / day / "x.json.gz").write_bytes(b"x")
    removed = prune_raw(tmp_path, date(2026, 6, 21), keep_days=400, trusted=None)  # cutoff 2025-05-17
    assert removed == 2
    assert sorted(p.relative_to(tmp_path / "raw").as_posix() for p in (tmp_path / "raw").rglob("*.gz")) == [
        "2026/06/20/x.json.gz",
        "2026/06/21/x.json.gz",
    ]
    assert not (tmp_path / "raw" / "2025").exists()
    assert prune_raw(tmp_path, date(2026, 6, 21), keep_days=0, trusted=None) == 0


def test_retention_keeps_the_day_exactly_the_limit_old_and_removes_the_day_before(tmp_path):
    for day in ("2025/05/16", "2025/05/17", "2025/05/18"):  # 401, 400 and 399 days before 2026-06-21
        (tmp_path / "raw" / day).mkdir(parents=True)
    assert prune_raw(tmp_path, date(2026, 6, 21), keep_days=400, trusted=None) == 1
    assert sorted(p.name for p in (tmp_path / "raw" / "2025" / "05").iterdir()) == ["17", "18"]
    assert prune_raw(tmp_path, date(2026, 6, 22), keep_days=400, trusted=None) == 1
    assert [p.name for p in (tmp_path / "raw" / "2025" / "05").iterdir()] == ["18"]


def test_a_cycle_prunes_the_archive(harness: Harness, simulated):
    old = harness.data_dir / "raw" / "2024" / "01" / "02"
    old.mkdir(parents=True)
    (old / "20240102T000000Z.json.gz").write_bytes(b"")
    harness.env["RAW_RETENTION_DAYS"] = "30"
    assert harness.run().code == 0
    assert not (harness.data_dir / "raw" / "2024").exists()


@pytest.fixture
def tiny_disk(tmp_path):
    with mounted_tmpfs(tmp_path, "512k") as mount_point:
        yield mount_point


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


def test_replay_finds_captures_set_aside_by_an_older_version(harness: Harness, simulated):
    assert harness.run().code == 0
    raw = next((harness.data_dir / "raw").rglob("*.json.gz"))
    aside = raw.with_name(raw.name.replace(".json", ".clock-skew.json"))
    aside.write_bytes(raw.read_bytes())
    csv_dir = harness.tmp_path / "replayed"
    result = harness.run("replay", str(harness.data_dir / "raw"), "--csv-dir", str(csv_dir))
    assert result.code == 0, result.stderr
    with (csv_dir / "readings.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 2
