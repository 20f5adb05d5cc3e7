"""Inverter rows in one file a month, the readers that follow them, and the split of an old inverters.csv:
in place, nothing lost, and whole after a kill at any step (simulated at each step, and a real SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.core.records import replace
from pvs6sup.core.rows import INVERTER_COLUMNS, local_timestamp
from pvs6sup.pvs.parse import reading_from_capture
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from pvs6sup.store import csvfiles, csvlog, csvquery, legacy

ZONE = ZoneInfo("America/Los_Angeles")
ROOT = Path(__file__).resolve().parents[2]
HEADER = ",".join(INVERTER_COLUMNS) + "\n"


def readings(start: datetime, count: int, inverters: int = 3, step: timedelta = timedelta(minutes=5)):
    site = SimulatedSite(SiteModel(inverter_count=inverters, failed=frozenset()))
    for i in range(count):
        moment = start + i * step
        yield replace(reading_from_capture(site.render(moment), moment), cloud_cover_pct=10.0)


def test_rows_go_to_the_month_of_their_local_time_and_the_readers_follow(tmp_path):
    before_midnight = datetime(2026, 6, 30, 23, 50, tzinfo=ZONE).astimezone(timezone.utc)  # 07-01 06:50 UTC
    for reading in readings(before_midnight, 4):  # 23:50, 23:55, 00:00, 00:05 local
        csvlog.append_reading(tmp_path, reading, ZONE)
    june, july = tmp_path / "inverters-2026-06.csv", tmp_path / "inverters-2026-07.csv"
    assert csvfiles.inverter_files(tmp_path) == [june, july]
    for path, month in ((june, "2026-06-30T"), (july, "2026-07-01T")):
        lines = path.read_text().splitlines()
        assert lines[0] + "\n" == HEADER and len(lines) == 1 + 2 * 3
        assert all(line.startswith(month) for line in lines[1:])
    serial = SiteModel(inverter_count=3).inverter_serial(0)
    points = csvquery.recent_power(tmp_path, serial)  # the trend reaches back across the month's change
    assert [p[0] for p in points] == [(before_midnight + timedelta(minutes=5 * i)).timestamp() for i in range(4)]
    june_stamp = local_timestamp(before_midnight, ZONE)
    july_stamp = local_timestamp(before_midnight + timedelta(minutes=15), ZONE)
    assert len(csvquery.inverter_power_at(tmp_path, june_stamp)) == 3
    assert len(csvquery.inverter_power_at(tmp_path, july_stamp)) == 3
    powers = csvquery.inverter_powers(tmp_path, {june_stamp, july_stamp})
    assert sorted(powers) == sorted([june_stamp, july_stamp]) and all(len(p) == 3 for p in powers.values())
    days = [r["timestamp"][:10] for r in csvquery.all_inverter_rows(tmp_path)]
    assert days == ["2026-06-30"] * 6 + ["2026-07-01"] * 6
    (tmp_path / "inverters-2026-06.until-20260701T000000.csv").write_text(HEADER)  # set aside: not a month file
    assert csvfiles.inverter_files(tmp_path) == [june, july]


def legacy_file(folder: Path, months: int = 3, inverters: int = 3, step: timedelta = timedelta(hours=6)) -> bytes:
    """An inverters.csv as an earlier version wrote it, over `months` months, with a 'Total' row a spreadsheet
    added in the middle; returns its bytes."""
    start = datetime(2026, 4, 30, 12, tzinfo=timezone.utc)
    for reading in readings(start, int(months * 31 * timedelta(days=1) / step), inverters, step):
        csvlog.append_csv(
            folder / csvfiles.INVERTERS_FILE, INVERTER_COLUMNS, csvlog.inverter_rows(reading, ZONE), reading.fetched_at
        )
    path = folder / csvfiles.INVERTERS_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(len(lines) // 2, b"Total,,,,,,,\n")
    path.write_bytes(b"".join(lines))
    return path.read_bytes()


def months_joined(folder: Path) -> bytes:
    """The month files' rows, oldest month first, under one header: the old file again."""
    files = csvfiles.inverter_files(folder)
    assert all(path.read_text().startswith(HEADER) for path in files)
    return HEADER.encode() + b"".join(path.read_bytes()[len(HEADER) :] for path in files)


def test_an_old_inverters_csv_is_split_in_place_with_nothing_lost(tmp_path):
    original = legacy_file(tmp_path)
    [reading] = readings(datetime(2026, 8, 5, 12, tzinfo=timezone.utc), 1)
    csvlog.append_reading(tmp_path, reading, ZONE)  # the next cycle splits it, then appends
    assert not (tmp_path / csvfiles.INVERTERS_FILE).exists()
    months = [p.name for p in csvfiles.inverter_files(tmp_path)]
    assert months == [f"inverters-2026-{m:02d}.csv" for m in (4, 5, 6, 7, 8)]
    joined = months_joined(tmp_path)
    assert joined.startswith(original)  # every old row, in order; the 'Total' row stays with its neighbours
    assert joined[len(original) :].count(b"\n") == 3  # then the new reading's rows
    april = (tmp_path / "inverters-2026-04.csv").read_text().splitlines()
    assert all(line.startswith("2026-04-30T") for line in april[1:])  # 12:00 UTC is 05:00 local on the 30th


def test_a_resaved_old_file_is_split_into_this_programs_column_order(tmp_path):
    path = tmp_path / csvfiles.INVERTERS_FILE
    order = ("serial", *(c for c in INVERTER_COLUMNS if c != "serial"))
    path.write_bytes(
        b"\xef\xbb\xbf"
        + (",".join(order) + "\r\n").encode()
        + b"E001,2026-05-31 23:55:00,working,0.2,100,40,,\r\n"
        + b"E001,2026-06-01 00:00:00,working,0.3,100.1,40,,\r\n"
    )
    assert legacy.migrate(tmp_path, ZONE, datetime(2026, 6, 1, tzinfo=timezone.utc)) == 2
    may, june = (tmp_path / "inverters-2026-05.csv").read_text(), (tmp_path / "inverters-2026-06.csv").read_text()
    assert may == HEADER + "2026-05-31 23:55:00,E001,working,0.2,100,40,,\n"
    assert june == HEADER + "2026-06-01 00:00:00,E001,working,0.3,100.1,40,,\n"


def test_a_split_that_meets_newer_rows_puts_the_old_ones_first(tmp_path):
    original = legacy_file(tmp_path, months=1)
    newer = "2026-05-31T23:00:00-07:00,E009,working,0.1,1,1,,\n"
    (tmp_path / "inverters-2026-05.csv").write_text(HEADER + newer)  # a cycle appended while the split failed
    legacy.migrate(tmp_path, ZONE, datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert months_joined(tmp_path) == original + newer.encode()
    may = (tmp_path / "inverters-2026-05.csv").read_text()
    assert may.endswith(newer) and may.count(newer) == 1


class Killed(BaseException):
    pass


def split_killed_at(folder: Path, kill_at: int, now: datetime, monkeypatch) -> None:
    """Split the old file in `folder`, killed at step `kill_at`: before and after each month's file is
    written (the old file is cut right after), and before the old file is removed."""
    steps = []
    real_merge, real_unlink = legacy._merge, Path.unlink

    def step() -> None:
        steps.append(1)
        if len(steps) - 1 == kill_at:
            raise Killed

    def merge(path, lines):
        step()
        real_merge(path, lines)
        step()

    def unlink(self, *args, **kwargs):
        if self.name == csvfiles.INVERTERS_FILE:
            step()
        return real_unlink(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(legacy, "_merge", merge)
        patch.setattr(Path, "unlink", unlink)
        with contextlib.suppress(Killed):
            legacy.migrate(folder, ZONE, now)
    assert len(steps) == kill_at + 1  # killed where asked


def test_a_kill_at_any_step_of_the_split_loses_nothing_and_doubles_nothing(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    reference.mkdir()
    original = legacy_file(reference)
    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    legacy.migrate(reference, ZONE, now)
    expected = {p.name: p.read_bytes() for p in csvfiles.inverter_files(reference)}
    assert months_joined(reference) == original

    for kill_at in range(2 * len(expected) + 1):
        folder = tmp_path / f"kill-{kill_at}"
        folder.mkdir()
        (folder / csvfiles.INVERTERS_FILE).write_bytes(original)
        split_killed_at(folder, kill_at, now, monkeypatch)
        legacy.migrate(folder, ZONE, now)  # the next cycle finishes it
        assert not (folder / csvfiles.INVERTERS_FILE).exists()
        assert {p.name: p.read_bytes() for p in csvfiles.inverter_files(folder)} == expected, kill_at


def synthetic_year_part(months: int, inverters: int) -> bytes:
    """Rows every 15 minutes for `months` months of 30 days (about 7 MB for 3 months of 30 inverters)."""
    start = datetime(2026, 3, 1, tzinfo=ZONE)
    lines = [HEADER]
    for i in range(months * 30 * 96):
        stamp = (start + timedelta(minutes=15 * i)).isoformat()
        lines += [f"{stamp},E00X{n:011d},working,0.25,{1000 + i / 100:.2f},41,0.26,{stamp}\n" for n in range(inverters)]
    return "".join(lines).encode()


CHILD = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
sys.path.insert(0, {root!r})
from pvs6sup.store import legacy
legacy.migrate(Path({folder!r}), ZoneInfo("America/Los_Angeles"), datetime(2026, 8, 1, tzinfo=timezone.utc))
"""


@pytest.mark.slow
def test_a_real_kill_during_the_split(tmp_path):
    reference, folder = tmp_path / "reference", tmp_path / "killed"
    reference.mkdir()
    folder.mkdir()
    original = synthetic_year_part(months=3, inverters=30)
    (reference / csvfiles.INVERTERS_FILE).write_bytes(original)
    (folder / csvfiles.INVERTERS_FILE).write_bytes(original)
    legacy.migrate(reference, ZONE, datetime(2026, 8, 1, tzinfo=timezone.utc))
    expected = {p.name: p.read_bytes() for p in csvfiles.inverter_files(reference)}

    child = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT), folder=str(folder))])
    try:
        deadline = time.monotonic() + 60
        while not csvfiles.inverter_files(folder) and child.poll() is None:  # the first month is in place
            assert time.monotonic() < deadline
            time.sleep(0.001)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the split ended before the kill: nothing was tested"
    assert (folder / csvfiles.INVERTERS_FILE).exists()
    legacy.migrate(folder, ZONE, datetime(2026, 8, 1, tzinfo=timezone.utc))
    assert {p.name: p.read_bytes() for p in csvfiles.inverter_files(folder)} == expected
    assert months_joined(folder) == original
