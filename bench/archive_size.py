"""What the raw archive costs on disk over a year, loose and packed, and what packing costs a cycle:
python bench/archive_size.py [--inverters 20] [--days 7] [--dir DIR]

Archives --days days of the simulated site's answers (pvs6sup/sim, --inverters inverters, one every 5 minutes,
from 00:00 UTC) as the cycle does (store.archive.store_raw: gzipped, a file per capture), then fills a year
of days with copies of those days' files (renamed to their new dates), and counts the files and folders and
the bytes allocated (st_blocks x 512, folders included) under raw/. Then it packs the year as the cycles
would, a day per call of store.packing.pack_finished_day (fsync on), timing each call in wall and CPU time
(the difference is mostly the disk's: fsync and deletes), counts again, and times the call a cycle makes when
there is nothing to pack. --dir puts the archive on the file system to measure (the default is the system's
temporary folder). Nothing here asserts: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel  # noqa: E402
from pvs6sup.store import archive, files, packing  # noqa: E402

START = datetime(2026, 6, 1, tzinfo=timezone.utc)
STEP = timedelta(minutes=5)


def census(raw: Path) -> dict[str, int]:
    """Files, folders, bytes of data and bytes allocated under raw/ (raw/ itself not counted)."""
    files = folders = data = allocated = 0
    for top, dirs, names in os.walk(raw):
        for name in dirs:
            folders += 1
            allocated += os.lstat(os.path.join(top, name)).st_blocks * 512
        for name in names:
            info = os.lstat(os.path.join(top, name))
            files += 1
            data += info.st_size
            allocated += info.st_blocks * 512
    return {"files": files, "folders": folders, "data": data, "allocated": allocated}


def write_days(data_dir: Path, inverters: int, days: int) -> int:
    site = SimulatedSite(SiteModel(inverter_count=inverters))
    moment, end, count = START, START + timedelta(days=days), 0
    while moment < end:
        archive.store_raw(data_dir, moment, site.render(moment))
        moment += STEP
        count += 1
    return count


def fill_year(raw: Path, days: int) -> None:
    """Every day of the year after the measured ones: a copy of a measured day's files, under its own date."""
    measured = [archive.raw_path(raw.parent, START + timedelta(days=i)).parent for i in range(days)]
    for offset in range(days, 365):
        day = START + timedelta(days=offset)
        folder = archive.raw_path(raw.parent, day).parent
        files.private_dir(folder)
        for source in os.scandir(measured[offset % days]):
            shutil.copyfile(source.path, folder / (day.strftime("%Y%m%d") + source.name[8:]))


def mb(count: int) -> str:
    return f"{count / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inverters", type=int, default=20)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the archive (a temporary folder in it)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=opts.dir) as tmp:
        data_dir = Path(tmp)
        files.DURABLE = False  # building the loose year (fsync is the packing's, measured below)
        captures = write_days(data_dir, opts.inverters, opts.days)
        fill_year(data_dir / archive.RAW_DIR, opts.days)
        files.DURABLE = True
        os.sync()  # on disk, as a real archive's days are by the time they are packed
        loose = census(data_dir / "raw")
        after = START + timedelta(days=365, minutes=5)
        times, cpu = [], []
        while True:
            started, started_cpu = time.perf_counter(), time.process_time()
            day = packing.pack_finished_day(data_dir, after)
            if day is None:
                break
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        packed = census(data_dir / "raw")
        idle = []
        for _ in range(200):
            started = time.perf_counter()
            packing.pack_finished_day(data_dir, after)
            idle.append(time.perf_counter() - started)
        block = os.statvfs(data_dir).f_bsize
    print(
        f"{opts.inverters} inverters, {captures // opts.days} captures a day (simulated for {opts.days} days, "
        f"copied to fill 365); file system block {block} B"
    )
    print()
    print("| raw archive, a year | files | folders | data | allocated |")
    print("|---|---|---|---|---|")
    for title, found in (("loose: a file per capture (before)", loose), ("packed: a tar.gz per day (after)", packed)):
        sizes = f"{mb(found['data'])} | {mb(found['allocated'])}"
        print(f"| {title} | {found['files']:,} | {found['folders']:,} | {sizes} |")
    print()
    per_day = captures // opts.days
    print(
        f"packing one day ({per_day} captures, fsync'd): median {statistics.median(times) * 1e3:.0f} ms wall, "
        f"{statistics.median(cpu) * 1e3:.0f} ms CPU; slowest {max(times) * 1e3:.0f} ms wall (of {len(times)} days)"
    )
    print(f"a cycle with nothing to pack, on a year of packed days: median {statistics.median(idle) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
