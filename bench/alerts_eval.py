"""Replay a simulated month of 5-minute captures through the alert detectors: latency per fault, false alarms.

Run: python bench/alerts_eval.py [--days N] [--inverters N]. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # tests/sim: the simulated month

from sim.month import captures, evaluate, month_scenario

from pvs6sup.commands.replay import Replayer
from pvs6sup.sim.legacy_pvs import SiteModel


@dataclass
class Evaluation:
    """A simulated month replayed through the alert detectors."""

    days: int
    inverters: int
    generated: list[tuple[datetime, bytes]]
    events: list[Any]
    outcomes: list[Any]
    false_alarms: list[Any]
    unusable: int
    generate_s: float
    replay_s: float


def evaluate_month(days: int = 30, inverters: int = 20, start: str = "2026-06-01", seed: int = 11) -> Evaluation:
    """Generate the month (faults included) and replay it in memory through a fresh Replayer."""
    first = datetime.fromisoformat(start).replace(hour=8, tzinfo=timezone.utc)  # midnight in California
    scenario = month_scenario(first, days=days, inverter_count=inverters)
    scenario.seed = seed
    model = SiteModel()
    replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
    started = time.perf_counter()
    generated = list(captures(scenario))
    generate_s = time.perf_counter() - started
    events: list[Any] = []
    started = time.perf_counter()
    for moment, body in generated:
        events += replayer.feed(moment, body)
    replay_s = time.perf_counter() - started
    outcomes, false_alarms = evaluate(scenario, events)
    return Evaluation(
        days, inverters, generated, events, outcomes, false_alarms, replayer.unusable, generate_s, replay_s
    )


def markdown(result: Evaluation) -> str:
    """The latency table, the false alarms and the event counts, as Markdown."""
    lines = [
        f"{result.days} simulated days, {result.inverters} inverters, {len(result.generated)} captures "
        f"({result.unusable} unusable); generated in {result.generate_s:.1f} s; replayed in {result.replay_s:.1f} s "
        f"({len(result.generated) / result.replay_s:.0f} captures/s, parsing included)",
        "",
        "| fault | inverter | starts (UTC) | alert | latency from daylight (sun ≥ 10°) | emails raised |",
        "|---|---|---|---|---|---|",
    ]
    for o in result.outcomes:
        latency = f"{o.latency_min:.0f} min" if o.latency_min is not None else "NOT DETECTED"
        where = f"{o.fault.kind} | {o.serial[-5:]} | {o.fault.start:%m-%d %H:%M}"
        lines.append(f"| {where} | {o.kind or '-'} | {latency} | {o.raised_count} |")
    lines += ["", f"False alarms: {len(result.false_alarms)}"]
    lines += [f"  {e.time:%m-%d %H:%M} {e.kind} {e.serial}: {e.message}" for e in result.false_alarms]
    counts = {name: sum(e.event == name for e in result.events) for name in ("raised", "resolved", "reminder")}
    lines.append(
        f"All events: {counts['raised']} raised, {counts['resolved']} resolved, {counts['reminder']} reminders"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--inverters", type=int, default=20)
    parser.add_argument("--start", default="2026-06-01", help="first day (UTC date), e.g. 2026-12-01 for winter")
    parser.add_argument("--seed", type=int, default=11, help="shadow pattern (the panels' own spread is fixed)")
    args = parser.parse_args()
    result = evaluate_month(args.days, args.inverters, args.start, args.seed)
    print(markdown(result))
    return 0 if not result.false_alarms and all(o.raised for o in result.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
