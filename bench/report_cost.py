"""What the report and the daily rollup cost: python bench/report_cost.py [--inverters 30] [--cycles 300]

1. The report over a year of a 30-inverter site: daily.csv holds 365 synthetic days (site + 30 inverter
   rows each), today's readings.csv and the rollup state hold a simulated morning. One child process per
   measure loads, renders and writes the report (30-day heatmap, then a 365-day one); wall time and the
   child's peak RSS (resource.getrusage ru_maxrss) are printed. The import floor (python -c "import
   pvs6sup.report.load") is measured the same way, so the report's own share can be read off.
2. The rollup's cost per cycle: rollup_file.record() (load the state, take the reading, write the state
   atomically with fsync) for --cycles readings of 5 minutes (parsed beforehand: the cycle has the
   Reading already); median, 95th percentile and max.
Nothing here asserts: it prints figures for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pvs6sup.core import rollup  # noqa: E402
from pvs6sup.core.records import replace  # noqa: E402
from pvs6sup.pvs.parse import reading_from_capture  # noqa: E402
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel  # noqa: E402
from pvs6sup.store import csvlog, rollup_file  # noqa: E402

ZONE = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)  # 14:00 in California

CHILD = """
import resource, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
from pvs6sup.report import load, schedule
if {days}:
    now = datetime.fromisoformat({now!r})
    data = load.load(Path({data!r}), ZoneInfo("America/Los_Angeles"), now, days={days})
    load.write_report(data, schedule.report_path(Path({data!r})))
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def year_of_rows(inverters: int, end: date) -> list[rollup.DailyRow]:
    rng = random.Random(3)  # repeatable
    rows = []
    for back in range(365, 0, -1):
        day = end - timedelta(days=back)
        weather = rng.uniform(0.3, 1.0)
        kwh = [round(2.3 * weather * rng.uniform(0.95, 1.02), 4) for _ in range(inverters)]
        rows.append(rollup.DailyRow(day, "site", round(sum(kwh), 4), 9.1, 288, 0, 0, 0, ""))
        rows += [
            rollup.DailyRow(day, f"E00X000007{i + 1:05d}", k, round(k / 7, 3), 288, 0, None, 0, "")
            for i, k in enumerate(kwh)
        ]
    return rows


def readings(inverters: int, start: datetime, count: int) -> list:
    site = SimulatedSite(SiteModel(inverter_count=inverters))
    found = []
    for i in range(count):
        moment = start + timedelta(minutes=5 * i)
        found.append(replace(reading_from_capture(site.render(moment), moment), cloud_cover_pct=30.0))
    return found


def child(data_dir: Path, days: int) -> tuple[float, float, float]:
    """(wall s seen from outside, time inside s, peak RSS MB) of one child process."""
    code = CHILD.format(root=str(ROOT), days=days, now=NOW.isoformat(), data=str(data_dir))
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    inside, rss_kb = out.split()
    return wall, float(inside), int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inverters", type=int, default=30)
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        today = NOW.astimezone(ZONE).date()
        rows = year_of_rows(args.inverters, today)
        (data_dir / "daily.csv").write_bytes(rollup.header() + rollup.encode_rows(rows))
        midnight = datetime.combine(today, datetime.min.time(), ZONE).astimezone(timezone.utc)
        morning = readings(args.inverters, midnight, 14 * 12 + 1)
        for reading in morning:
            csvlog.append_reading(data_dir, reading, ZONE)
            rollup_file.record(data_dir, reading, ZONE)
        size_kb = (data_dir / "daily.csv").stat().st_size / 1024
        print(f"daily.csv: {len(rows)} rows, {size_kb:.0f} KiB ({args.inverters} inverters, 365 days)")
        for label, days in (("import floor", 0), ("report, 30-day heatmap", 30), ("report, 365-day heatmap", 365)):
            runs = [child(data_dir, days) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            inside = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            print(f"{label:26s} wall {wall:.3f} s (in-process {inside:.3f} s), peak RSS {rss:.1f} MB")
        page = data_dir / "report" / "index.html"
        print(f"report page: {page.stat().st_size / 1024:.0f} KiB (365-day heatmap)")

        cycle_dir = Path(tmp) / "cycles"
        start = midnight + timedelta(hours=23, minutes=55) - timedelta(minutes=5 * (args.cycles // 2))
        batch = readings(args.inverters, start, args.cycles)  # crosses midnight: one day-change cycle
        costs = []
        for reading in batch:
            began = time.perf_counter()
            rollup_file.record(cycle_dir, reading, ZONE)
            costs.append((time.perf_counter() - began) * 1000)
        costs.sort()
        print(
            f"rollup per cycle ({args.inverters} inverters, {len(costs)} cycles, one change of day): "
            f"median {statistics.median(costs):.2f} ms, p95 {costs[int(0.95 * len(costs))]:.2f} ms, "
            f"max {costs[-1]:.2f} ms"
        )
        print(f"this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
