"""Replay simulated weeks of 5-minute captures through the alert detectors: latency per fault, false alarms.

Two suites. `roofs` (tests/support/sim/roof_catalogue.py): real-looking roofs, each replayed through a fresh Replayer
with the groups learned (no INVERTER_GROUPS) and given (the true faces), scored against the issue's targets in
daylight minutes. `month` (tests/support/sim/month.py): the original flat-array month.

Run: python bench/alerts_eval.py [--suite roofs|month|all] [--scenario NAME ...] [--days N]
[--groups learned|given|both] [--jobs N] [--inverters N --start DATE --seed N (month)]. Prints Markdown.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # pvs6sup, and tests.support.sim: the simulated month

from pvs6sup.commands.replay import Replayer
from pvs6sup.sim.legacy_pvs import SiteModel
from tests.support.sim import roofs
from tests.support.sim.month import captures, evaluate, month_scenario


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


# --- roofs ----------------------------------------------------------------------------------------


@dataclass
class RoofPass:
    """One roof scenario replayed once: with the groups learned or given."""

    scenario: str
    groups: str  # "learned" | "given"
    outcomes: list[roofs.Outcome]
    false_alarms: list[tuple[datetime, str, str | None, str]]  # (time, kind, serial, message)
    captures: int
    unusable: int
    replay_s: float


@dataclass
class RoofResult:
    """A roof scenario's passes and how long the captures took to generate."""

    scenario: str
    inverters: int
    days: int
    generate_s: float
    passes: list[RoofPass] = field(default_factory=list)


def reseeded(scenario: roofs.RoofScenario, offset: int) -> roofs.RoofScenario:
    """The same roof and faults under other weather, cloud shadows and panel spread (a check against tuning)."""
    if not offset:
        return scenario
    model = dataclasses.replace(scenario.model, seed=scenario.model.seed + offset)
    return dataclasses.replace(scenario, model=model, seed=scenario.seed + offset)


def evaluate_roof(
    scenario: str | roofs.RoofScenario, days: int | None = None, groups: str = "both", seed_offset: int = 0
) -> RoofResult:
    """Generate one scenario's captures once (by name or given), and replay them through a fresh Replayer per pass."""
    if isinstance(scenario, str):
        scenario = roofs.scenarios()[scenario]
    scenario = reseeded(scenario, seed_offset)
    name = scenario.name
    if days is not None and days < scenario.days:
        scenario = scenario.shortened(days)
    started = time.perf_counter()
    generated = list(roofs.captures(scenario))
    result = RoofResult(name, scenario.model.inverter_count, scenario.days, time.perf_counter() - started)
    for mode in ("learned", "given") if groups == "both" else (groups,):
        replayer = Replayer(
            groups=scenario.groups() if mode == "given" else (),
            latitude=scenario.model.latitude,
            longitude=scenario.model.longitude,
        )
        events: list[Any] = []
        started = time.perf_counter()
        for moment, body in generated:
            events += replayer.feed(moment, body)
        replay_s = time.perf_counter() - started
        outcomes, false_alarms = roofs.evaluate(scenario, events)
        alarms = [(e.time, e.kind, e.serial, e.message) for e in false_alarms]  # Events are not picklable
        result.passes.append(RoofPass(name, mode, outcomes, alarms, len(generated), replayer.unusable, replay_s))
    return result


def _evaluate_roof_job(job: tuple[str, int | None, str, int]) -> RoofResult:
    return evaluate_roof(*job)


def evaluate_roofs(
    names: list[str], days: int | None, groups: str, jobs: int, seed_offset: int = 0
) -> list[RoofResult]:
    """Every named scenario, `jobs` at a time (each in its own process), in the order given."""
    work = [(name, days, groups, seed_offset) for name in names]
    if jobs <= 1 or len(work) <= 1:
        return [_evaluate_roof_job(job) for job in work]
    with multiprocessing.Pool(min(jobs, len(work))) as pool:
        return pool.map(_evaluate_roof_job, work, chunksize=1)


def _magnitude(fault: roofs.Fault) -> str:
    if fault.kind == roofs.CREEPING:
        return f"{fault.loss:.0%} over {fault.ramp_days:g} d"
    return f"{fault.loss:.0%}" if fault.kind == roofs.LOSS else "-"


def _minutes(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value} min" if value < 120 else f"{value / 60:.1f} h"


def roofs_markdown(results: list[RoofResult], shown_alarms: int = 8) -> str:
    """The per-fault table, the false alarms per scenario and pass, and a one-line verdict."""
    lines = [
        "| scenario | groups | fault | magnitude | inverter | starts (UTC) | alert | daylight latency | target | |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for run in result.passes:
            for o in run.outcomes:
                latency = _minutes(o.latency_min) if o.latency_min is not None else "NOT DETECTED"
                lines.append(
                    f"| {result.scenario} | {run.groups} | {o.fault.kind} | {_magnitude(o.fault)} | {o.serial[-5:]} "
                    f"| {o.fault.start:%m-%d %H:%M} | {o.kind or '-'} | {latency} | {_minutes(o.target_min)} "
                    f"| {'PASS' if o.passed else 'FAIL'} |"
                )
    lines += ["", "False alarms:", ""]
    for result in results:
        for run in result.passes:
            lines.append(f"- {result.scenario} ({run.groups}): {len(run.false_alarms)}")
            for when, kind, serial, message in run.false_alarms[:shown_alarms]:
                lines.append(f"  - {when:%m-%d %H:%M} {kind} {serial or '(site)'}: {message}")
            if len(run.false_alarms) > shown_alarms:
                lines.append(f"  - … and {len(run.false_alarms) - shown_alarms} more")
    runs = [run for result in results for run in result.passes]
    faults = [o for run in runs for o in run.outcomes]
    failed = sum(not o.passed for o in faults)
    alarms = sum(len(run.false_alarms) for run in runs)
    timing = ", ".join(
        f"{r.scenario} {r.inverters} inv × {r.days} d ({r.passes[0].unusable if r.passes else 0} unusable): "
        f"{r.generate_s:.1f} s + " + " + ".join(f"{p.replay_s:.1f} s" for p in r.passes)
        for r in results
    )
    verdict = "ALL TARGETS MET" if not failed and not alarms else "TARGETS NOT MET"
    lines += [
        "",
        f"Generated + replayed per pass: {timing}",
        "",
        f"**{verdict}**: {len(faults) - failed}/{len(faults)} faults within target, {alarms} false alarms, "
        f"over {len(results)} scenarios × {len(runs) // max(1, len(results))} passes.",
    ]
    return "\n".join(lines)


def roofs_met(results: list[RoofResult]) -> bool:
    return all(o.passed for r in results for p in r.passes for o in p.outcomes) and not any(
        p.false_alarms for r in results for p in r.passes
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=("roofs", "month", "all"), default="roofs")
    parser.add_argument("--scenario", action="append", default=[], help="a roof scenario's name (repeatable)")
    parser.add_argument("--days", type=int, help="simulated days (month: 30; roofs: each scenario's own)")
    parser.add_argument("--groups", choices=("learned", "given", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=1, help="roof scenarios evaluated in parallel processes")
    parser.add_argument(
        "--seed-offset", type=int, default=0, help="roofs: other weather, shadows and panel spread (0: as catalogued)"
    )
    parser.add_argument("--inverters", type=int, default=20, help="month: inverters")
    parser.add_argument("--start", default="2026-06-01", help="month: first day (UTC date), e.g. 2026-12-01")
    parser.add_argument("--seed", type=int, default=11, help="month: shadow pattern (the panels' spread is fixed)")
    args = parser.parse_args()
    logging.getLogger("pvs6sup.commands.replay").setLevel(logging.ERROR)  # the garbage answers are meant
    ok = True
    if args.suite in ("month", "all"):
        result = evaluate_month(args.days or 30, args.inverters, args.start, args.seed)
        print(markdown(result))
        ok = not result.false_alarms and all(o.raised for o in result.outcomes)
    if args.suite in ("roofs", "all"):
        known = roofs.scenarios()
        unknown = [name for name in args.scenario if name not in known]
        if unknown:
            parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")
        results = evaluate_roofs(args.scenario or list(known), args.days, args.groups, args.jobs, args.seed_offset)
        print(roofs_markdown(results))
        ok = ok and roofs_met(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
