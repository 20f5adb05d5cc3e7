"""What the report costs the live cycle, and what a year of CSVs costs on disk:
python bench/cycle_report_cost.py [--inverters 30] [--cycles 300]

Runs the real cycle (pvs6sup.cycle.run_cycle) in-process against the simulated PVS on 127.0.0.1 with
--inverters inverters, --cycles readings 5 minutes apart across a midnight (one change of day), and times
each of the report's duties inside it: the daily rollup (load the state, take the reading, write the state
atomically with fsync; at the change of day, append the finished day to daily.csv), the page when due
(REPORT_EVERY_MIN=60: once an hour) and the summary email check. The whole cycle's median is printed
for scale. Then it counts what the cycle wrote for a day (288 readings) and extrapolates a year,
and times the split of an old inverters.csv of three months (--inverters inverters, every 5 minutes)
into monthly files.
Nothing here asserts: it prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from pvs6sup import cycle  # noqa: E402
from pvs6sup.core.rows import INVERTER_COLUMNS  # noqa: E402
from pvs6sup.cycle import run_cycle  # noqa: E402
from pvs6sup.report import step  # noqa: E402
from pvs6sup.runtime import Runtime  # noqa: E402
from pvs6sup.settings.config import WeatherURLs  # noqa: E402
from pvs6sup.settings.load import load_config  # noqa: E402
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel  # noqa: E402
from pvs6sup.store import csvfiles, csvquery, legacy  # noqa: E402

ZONE = ZoneInfo("America/Los_Angeles")
STEP = timedelta(minutes=5)
WRAPPED = {  # the report's functions the cycle calls, timed where they are looked up (cycle.py's and step's globals)
    "rollup_reading": "daily rollup",
    "report_if_due": "page duty (due or not)",
    "write_report": "page written (once an hour)",
    "summary_if_due": "summary email duty",
}


def timed(times: list[float], work: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return work(*args, **kwargs)
        finally:
            times.append((time.perf_counter() - began) * 1000)

    return wrapper


def figures(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    return (
        f"{label:34s} median {statistics.median(ordered):6.2f} ms, p95 {ordered[int(0.95 * len(ordered))]:6.2f} ms, "
        f"max {ordered[-1]:6.2f} ms ({len(ordered)} calls)"
    )


def run(data: Path, inverters: int, start: datetime, count: int) -> dict[str, list[float]]:
    moment = start
    times: dict[str, list[float]] = {"cycle": [], **{label: [] for label in WRAPPED.values()}}
    site = SimulatedSite(SiteModel(inverter_count=inverters))
    with requests.Session() as session, SimulatedPVS(site=site, clock=lambda: moment) as pvs:
        settings = {
            "PVS_HOST": pvs.base_url,
            "DATA_DIR": str(data),
            "LATITUDE": "37.42",
            "LONGITUDE": "-122.08",
            "TIMEZONE": "America/Los_Angeles",
        }
        config = load_config(settings, ROOT)
        runtime = Runtime(now=lambda: moment, session=session, weather_urls=WeatherURLs(pvs.base_url + "/v1/forecast"))
        looked_up = [(module, name) for module in (cycle, step) for name in WRAPPED if hasattr(module, name)]
        originals = {(module, name): getattr(module, name) for module, name in looked_up}
        for (module, name), work in originals.items():
            setattr(module, name, timed(times[WRAPPED[name]], work))
        try:
            for _ in range(count):
                began = time.perf_counter()
                run_cycle(config, runtime)
                times["cycle"].append((time.perf_counter() - began) * 1000)
                moment += STEP
        finally:
            for (module, name), work in originals.items():
                setattr(module, name, work)
    idle = [label for label, calls in times.items() if not calls]
    assert not idle, f"never called, so not timed (moved? look where cycle.py finds them): {idle}"
    return times


def split_cost(folder: Path, inverters: int, days: int = 92) -> str:
    """Write an old single inverters.csv of `days` days and time its split (legacy.migrate)."""
    folder.mkdir()
    start = datetime(2026, 1, 1, tzinfo=ZONE)
    with (folder / csvfiles.INVERTERS_FILE).open("w") as handle:
        handle.write(",".join(INVERTER_COLUMNS) + "\n")
        for i in range(days * 288):
            stamp = (start + STEP * i).isoformat()
            row = f",working,0.2512,{1000 + i / 100:.4f},41,0.26,{stamp}\n"
            handle.write("".join(f"{stamp},E00X{n:011d}{row}" for n in range(inverters)))
    size = (folder / csvfiles.INVERTERS_FILE).stat().st_size
    began = time.perf_counter()
    rows = legacy.migrate(folder, ZONE, start + timedelta(days=days))
    spent = time.perf_counter() - began
    return f"split of an old inverters.csv: {size / 1e6:.0f} MB, {rows:,} rows, {days} days, in {spent:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inverters", type=int, default=30)
    parser.add_argument("--cycles", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        midnight = datetime(2026, 6, 22, tzinfo=ZONE)
        times = run(Path(tmp) / "cycles", args.inverters, midnight - STEP * (args.cycles // 2), args.cycles)
        print(f"{args.inverters} inverters, {args.cycles} real cycles across a midnight (one change of day):")
        for label, found in times.items():
            if found:
                print(figures("whole cycle" if label == "cycle" else label, found))

        day = Path(tmp) / "day"
        run(day, args.inverters, midnight, 288)
        sizes = {
            "inverter rows (a month file)": sum(p.stat().st_size for p in csvfiles.inverter_files(day)),
            "readings.csv": (day / "readings.csv").stat().st_size,
            "raw/ (kept RAW_RETENTION_DAYS)": sum(p.stat().st_size for p in (day / "raw").rglob("*") if p.is_file()),
        }
        rows = sum(1 for _ in csvquery.all_inverter_rows(day))
        print(f"\nA day of {args.inverters} inverters (288 readings): {rows} inverter rows")
        for name, size in sizes.items():
            print(f"  {name:32s} {size / 1e6:7.2f} MB a day, {365 * size / 1e6:8.1f} MB a year")
        print(f"  a month file holds {31 * rows:,} rows at most (a spreadsheet opens 1,048,576)")
        print(f"  {'daily.csv':32s} {(args.inverters + 1) * 365:,} rows a year")
        print("\n" + split_cost(Path(tmp) / "split", args.inverters))


if __name__ == "__main__":
    main()
