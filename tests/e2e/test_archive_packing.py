"""The packed raw archive for real: SIGKILL at every step of packing a day (a process of its own, killed once it
says where it is), and real cycles across a UTC midnight, replayed packed and unpacked."""

from __future__ import annotations

import csv
import select
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pvs6sup.commands.replay import find_captures
from pvs6sup.store import archive, files, packing, tempfiles
from tests.support.harness import ROOT, Harness

DRIVER = ROOT / "tests/support/pack_driver.py"
DAY_START = datetime(2026, 6, 21, tzinfo=timezone.utc)
NEXT_DAY = "2026-06-22T00:05:00+00:00"


def store_day(data_dir: Path) -> dict[str, bytes]:
    """A finished day of 288 captures (garbled and non-JSON ones among them) and one capture of the next day."""
    durable, files.DURABLE = files.DURABLE, False  # the set-up only: the packing under test fsyncs
    try:
        for i in range(288):
            body = b'{"devices": [%d]}' % i if i % 7 else b"<html>busy %d" % i
            archive.store_raw(data_dir, DAY_START + timedelta(minutes=5 * i), body)
        archive.store_raw(data_dir, DAY_START + timedelta(days=1), b'{"devices": []}')
    finally:
        files.DURABLE = durable
    return everything(data_dir)


def everything(data_dir: Path) -> dict[str, bytes]:
    """{capture: bytes as the PVS sent them} as replay finds them, failing on a capture found twice."""
    found = find_captures([data_dir / "raw"])
    names = [packing.capture_key(path.name) for _, path in found]
    assert len(names) == len(set(names)), "a capture is replayed twice"
    with packing.PackedReader() as reader:
        return {packing.capture_key(path.name): reader.read(path) for _, path in found}


def run_until(data_dir: Path, point: str) -> None:
    """Start the packing driver, wait for it to say it reached `point`, and SIGKILL it there."""
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), str(data_dir), NEXT_DAY, point], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    try:
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, f"the driver did not reach {point} within 60 s"
        assert child.stdout.readline().strip() == f"stopped at {point}"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


@pytest.mark.parametrize(
    "point", ["member:1", "member:150", "rename", "renamed", "unlink:1", "unlink:200", "unlink:288", "rmdir"]
)
def test_a_kill_at_any_step_of_packing_loses_no_capture_and_the_next_cycle_finishes(tmp_path, point):
    data_dir = tmp_path / "data"
    before = store_day(data_dir)
    run_until(data_dir, point)
    assert everything(data_dir) == before  # nothing lost, nothing doubled, nothing replay chokes on
    packed = packing.packed_path(data_dir, DAY_START.date())
    if packed.exists():
        assert len(packing.read_packed(packed)) == 288  # whole, or not there
    # The next cycle: the killed run's temporary zip removed, the day packed (or its emptied folder removed).
    tempfiles.clean(data_dir)
    packing.pack_finished_day(data_dir, datetime.fromisoformat(NEXT_DAY))
    assert everything(data_dir) == before
    assert sorted(p.name for p in packed.parent.iterdir()) == ["2026-06-21.tar.gz", "22"]
    assert not [p for p in (data_dir / "raw").iterdir() if p.name.endswith(".tmp")]


def test_packing_run_to_its_end_in_a_process_of_its_own(tmp_path):
    data_dir = tmp_path / "data"
    before = store_day(data_dir)
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(data_dir), NEXT_DAY, "none"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "done\n", "")
    assert everything(data_dir) == before
    assert not (data_dir / "raw/2026/06/21").exists()


def readings(csv_dir: Path) -> list[dict[str, str]]:
    with (csv_dir / "readings.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_real_cycles_across_a_utc_midnight_pack_the_day_and_replay_it_as_the_loose_files(harness: Harness, simulated):
    harness.clock.now = datetime(2026, 6, 21, 23, 0, 30, tzinfo=timezone.utc)
    for _ in range(24):  # 23:00 to 00:55 UTC
        assert harness.run().code == 0
        harness.clock.advance(minutes=5)
    raw = harness.data_dir / "raw"
    assert sorted(p.name for p in (raw / "2026/06").iterdir()) == ["2026-06-21.tar.gz", "22"]
    unpacked = harness.tmp_path / "unpacked"
    shutil.copytree(raw, unpacked)
    (unpacked / "2026/06/2026-06-21.tar.gz").unlink()
    (unpacked / "2026/06/21").mkdir()
    packed_day = raw / "2026/06/2026-06-21.tar.gz"
    subprocess.run(["tar", "-xzf", str(packed_day), "-C", str(unpacked / "2026/06/21")], check=True)
    assert len(list((unpacked / "2026/06/21").iterdir())) == 12  # 23:00 to 23:55, as plain .json files

    packed_out, loose_out = harness.tmp_path / "packed-csv", harness.tmp_path / "loose-csv"
    packed = harness.run("replay", str(raw), "--csv-dir", str(packed_out), "--alerts-out", str(packed_out) + ".jsonl")
    loose = harness.run("replay", str(unpacked), "--csv-dir", str(loose_out), "--alerts-out", str(loose_out) + ".jsonl")
    assert (packed.code, packed.stderr, loose.code, loose.stderr) == (0, "", 0, "")
    assert len(readings(packed_out)) == 24
    assert readings(packed_out) == readings(loose_out)
    recorded = [{**row, "cloud_cover_pct": ""} for row in readings(harness.data_dir)]  # replay asks no weather
    assert readings(packed_out) == recorded
    assert Path(str(packed_out) + ".jsonl").read_text() == Path(str(loose_out) + ".jsonl").read_text()
