"""Replay a simulated month of 5-minute captures through the alert detectors: latency per fault, false alarms.

Run: python bench/alerts_eval.py [--days N] [--inverters N]. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pvs6sup.month_sim import captures, evaluate, month_scenario
from pvs6sup.replay import Replayer
from pvs6sup.simulator import SiteModel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--inverters", type=int, default=20)
    parser.add_argument("--start", default="2026-06-01", help="first day (UTC date), e.g. 2026-12-01 for winter")
    parser.add_argument("--seed", type=int, default=11, help="shadow pattern (the panels' own spread is fixed)")
    args = parser.parse_args()
    start = datetime.fromisoformat(args.start).replace(hour=8, tzinfo=timezone.utc)  # midnight in California
    scenario = month_scenario(start, days=args.days, inverter_count=args.inverters)
    scenario.seed = args.seed
    model = SiteModel()
    replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
    started = time.perf_counter()
    generated = list(captures(scenario))
    generate_s = time.perf_counter() - started
    events = []
    started = time.perf_counter()
    for moment, body in generated:
        events += replayer.feed(moment, body)
    replay_s = time.perf_counter() - started
    outcomes, false_alarms = evaluate(scenario, events)
    print(
        f"{args.days} simulated days, {args.inverters} inverters, {len(generated)} captures "
        f"({replayer.unusable} unusable); generated in {generate_s:.1f} s; "
        f"replayed in {replay_s:.1f} s ({len(generated) / replay_s:.0f} captures/s, parsing included)"
    )
    print()
    print("| fault | inverter | starts (UTC) | alert | latency from daylight (sun ≥ 10°) | emails raised |")
    print("|---|---|---|---|---|---|")
    for o in outcomes:
        latency = f"{o.latency_min:.0f} min" if o.latency_min is not None else "NOT DETECTED"
        where = f"{o.fault.kind} | {o.serial[-5:]} | {o.fault.start:%m-%d %H:%M}"
        print(f"| {where} | {o.kind or '-'} | {latency} | {o.raised_count} |")
    print()
    print(f"False alarms: {len(false_alarms)}")
    for event in false_alarms:
        print(f"  {event.time:%m-%d %H:%M} {event.kind} {event.serial}: {event.message}")
    counts = {name: sum(e.event == name for e in events) for name in ("raised", "resolved", "reminder")}
    print(f"All events: {counts['raised']} raised, {counts['resolved']} resolved, {counts['reminder']} reminders")
    return 0 if not false_alarms and all(o.raised for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
