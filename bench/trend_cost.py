"""What the roof drawing and the trend cost the report: python bench/trend_cost.py [--inverters 30] [--years 10]

daily.csv holds --years of synthetic days for --inverters inverters (two faces in LAYOUT_FILE). The report is
loaded and written four times in this process: the first computes every month from the whole daily.csv (as
after an install, a `report --rebuild` or a change of faces), the next two find the finished months kept in
trend-months.json and read only this month's rows, the last drops LAYOUT_FILE (other faces: all again).
Nothing here asserts: it prints wall times.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pvs6sup.core import rollup  # noqa: E402
from pvs6sup.report import load  # noqa: E402

NOW = datetime(2026, 6, 21, 21, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inverters", type=int, default=30)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trend-cost-"))
    data_dir = folder / "data"
    data_dir.mkdir()
    serials = [f"E00X{n:010d}" for n in range(1, args.inverters + 1)]
    rng = random.Random(1)
    rows = []
    end = NOW.date() - timedelta(days=1)
    day = end - timedelta(days=365 * args.years)
    while day <= end:
        weather = rng.uniform(0.3, 1)
        rows.append(rollup.DailyRow(day, "site", 2 * weather * len(serials), 9, 288, 0, 0, 0, ""))
        for serial in serials:
            kwh = round(2 * weather * rng.gauss(1, 0.02), 4)
            rows.append(rollup.DailyRow(day, serial, kwh, 0.3, 288, 0, None, 0, ""))
        day += timedelta(days=1)
    (data_dir / "daily.csv").write_bytes(rollup.header() + rollup.encode_rows(rows))
    lines = ["serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation"]
    split = len(serials) * 2 // 3
    for i, serial in enumerate(serials):
        lines.append(f"{serial},{(i % 10) * 42},{(i // 10) * 70},0,{180 if i < split else 270},portrait")
    layout = folder / "layout.csv"
    layout.write_text("\n".join(lines) + "\n")
    size_mb = (data_dir / "daily.csv").stat().st_size / 1e6
    print(f"daily.csv: {size_mb:.1f} MB, {len(rows)} rows ({args.years} years, {args.inverters} inverters)")
    for label, layout_file in (
        ("first: every month from the whole daily.csv", layout),
        ("again: the months kept, this month's rows read", layout),
        ("again", layout),
        ("without LAYOUT_FILE: other faces, all again", None),
    ):
        started = time.perf_counter()
        data = load.load(data_dir, timezone.utc, NOW, layout_file=layout_file)
        load.write_report(data, folder / "index.html")
        known = sum(slope is not None for slope in data.slopes.values())
        print(f"{label}: {time.perf_counter() - started:.3f} s ({known} slopes known, {len(data.roof)} panels drawn)")
    print(f"(left in {folder})")


if __name__ == "__main__":
    main()
