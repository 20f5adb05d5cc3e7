"""Issue #23, item 7: the small ones, each through main() or the real CLI: a killed run's temporary files,
the daily rollup's state healing, a read-only file system named as such, a set-aside capture's true reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.support.harness import Harness


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_runs_temporary_files_are_removed_at_the_next_run_and_only_those(harness: Harness, simulated):
    harness.env["PROMETHEUS_TEXTFILE"] = str(harness.tmp_path / "pvs6.prom")
    assert harness.run().code == 0
    data, pid = harness.data_dir, dead_pid()
    day = next(p.parent for p in (data / "raw").rglob("*.json.gz"))
    ours = [
        data / f".alerts-state.json.gz.{pid}.tmp",
        data / "outbox" / "prometheus" / f".state.json.{pid}.tmp",
        day / f".20260621T190530Z.json.gz.{pid}.tmp",
    ]
    theirs = [data / "notes.tmp", data / ".hidden.tmp", data / f"readings.csv.{pid}.tmp"]
    alive = data / f".clock-state.json.{os.getpid()}.tmp"  # a live process's (this one): left alone
    for path in [*ours, *theirs, alive]:
        path.write_bytes(b"half")
    harness.clock.advance(minutes=5)
    result = harness.run()
    assert result.code == 0 and result.stderr == ""
    assert [p for p in ours if p.exists()] == []
    assert all(p.exists() for p in [*theirs, alive])


def test_the_rollup_state_heals_once_like_every_state_file(harness: Harness, simulated):
    assert harness.run().code == 0
    state = harness.data_dir / "rollup-state.json"
    state.unlink()
    state.mkdir()  # unreadable as a file (as one left by a `sudo … run` is for the user)
    harness.clock.advance(minutes=5)
    first = harness.run()
    assert first.code == 0
    assert first.stderr.count("\n") == 1 and "daily rollup state" in first.stderr
    assert "rollup-state.json.damaged" in first.stderr
    harness.clock.advance(minutes=5)
    again = harness.run()
    assert again.code == 0 and again.stderr == ""  # healed: not a warning every cycle
    assert state.is_file()


@pytest.fixture
def small_fs(tmp_path):
    mount_point = tmp_path / "fs"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_read_only_data_dir_is_named_as_such_never_sudo_mv(harness: Harness, simulated, small_fs):
    harness.env["DATA_DIR"] = str(small_fs / "data")
    assert harness.run().code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    harness.clock.advance(minutes=5)
    result = harness.run()
    assert result.code == 4, result.stderr
    assert "read-only" in result.stderr and "sudo mv" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_capture_older_than_the_last_reading_is_set_aside_for_that_reason(harness: Harness, simulated):
    assert harness.run().code == 0
    raw = next((harness.data_dir / "raw").rglob("*.json.gz"))
    pending = harness.data_dir / "raw" / "pending"
    pending.mkdir()
    shutil.copy(raw, pending / raw.name)  # kept "while no clock was right", but taken before the last reading
    harness.clock.advance(minutes=5)
    result = harness.run()
    assert result.code == 0
    assert "not between the last recorded reading and this one" in result.stderr, result.stderr
    assert "restarted" not in result.stderr


def test_a_data_dir_that_vanished_since_the_last_run_is_one_warning(harness: Harness, simulated):
    assert harness.run().code == 0  # makes DATA_DIR
    harness.clock.advance(minutes=5)
    assert harness.run().code == 0  # finds it, and notes it
    shutil.rmtree(harness.data_dir)
    harness.clock.advance(minutes=5)
    gone = harness.run()
    assert gone.code == 0
    assert gone.stderr.count("\n") == 1 and "is gone (an earlier run used it)" in gone.stderr, gone.stderr
    harness.clock.advance(minutes=5)
    assert harness.run().stderr == ""  # said once: the folder is there again
