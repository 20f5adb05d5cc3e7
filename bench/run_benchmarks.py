"""Measure pvs6-supervisor and write BENCHMARKS.md: python bench/run_benchmarks.py [--quick].

Every figure is measured in this run, and times are stated as ratios against a floor measured in the
same run, because shared machines are noisy. Nothing here is a test: it never fails on a number.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import io
import json
import logging
import math
import os
import platform
import re
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # pvs6sup, bench, and tests.support: the test-only simulators and fakes

import requests  # noqa: E402
import responses  # noqa: E402

from bench import alerts_eval  # noqa: E402
from bench.alerts_eval import evaluate_month, evaluate_roofs, roofs_markdown  # noqa: E402
from pvs6sup.commands.replay import Replayer  # noqa: E402
from pvs6sup.cycle import run_cycle  # noqa: E402
from pvs6sup.logs import add_log_file, configured_logging  # noqa: E402
from pvs6sup.runtime import Runtime  # noqa: E402
from pvs6sup.settings.config import WeatherURLs  # noqa: E402
from pvs6sup.settings.load import load_config  # noqa: E402
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel  # noqa: E402
from tests.support.google_fake import SHEET_ID, FakeGoogle, write_key  # noqa: E402
from tests.support.sim.month import captures, month_scenario  # noqa: E402
from tests.support.sim.varserver_pvs import SimulatedNewFirmwarePVS  # noqa: E402

START = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)
STEP = timedelta(minutes=5)


# A child's peak RSS counts the memory image it was forked from, so children are started by this
# small launcher (a bare interpreter, smaller than either measured process) rather than by the bench.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""
FLOOR = "import requests, dotenv"


def _run_child(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KiB) and exit code of one child process."""
    launcher = [sys.executable, "-c", LAUNCHER, *command]
    out = subprocess.run(launcher, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    wall, rss, code = out.stdout.split()
    return float(wall), int(rss), int(code)


@contextlib.contextmanager
def project_copy(cached: bool) -> Iterator[Path]:
    """The program as a fresh clone has it: without bytecode, or compiled as README's set-up command does.

    Children run with PYTHONDONTWRITEBYTECODE=1, so an uncached copy stays uncached from run to run (the
    installed libraries keep the bytecode pip wrote, for the floor and the cycle alike).
    """
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, "project")
        shutil.copytree(ROOT / "pvs6sup", copy / "pvs6sup", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pvs6_supervisor.py", copy)
        if cached:
            subprocess.run([sys.executable, "-m", "compileall", "-q", "pvs6sup"], cwd=copy, check=True)
        yield copy


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PVS_", "DATA_DIR", "WEATHER", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def noon_longitude(now: datetime) -> float:
    """A longitude where it is about solar noon now, so that a benchmark cycle at any hour judges daylight."""
    return round(((12 - (now.hour + now.minute / 60)) * 15 + 180) % 360 - 180, 2)


def warm_learned_roof(site: SimulatedSite, data_dir: Path, now: datetime, days: int = 4) -> None:
    """What the alerts learn over a few days (the faces, each inverter's normal), kept in data_dir the way
    `replay --learn` keeps it, so that a benchmark cycle pays for judging a learned roof, not a new one."""
    from pvs6sup.commands.replay import Replayer, keep_learned

    replayer = Replayer(latitude=site.model.latitude, longitude=site.model.longitude)
    for day in range(days, 0, -1):
        for minutes in range(180, -181, -10):  # the middle of each day is what a daylight cycle uses
            moment = (now - timedelta(days=day, minutes=minutes)).replace(microsecond=0)
            replayer.feed(moment, site.render(moment))
    keep_learned(data_dir, replayer)


def cycle_vs_floor(rounds: int, inverters: int, cached: bool) -> dict[str, float]:
    """A whole `run` cycle as cron starts it, against `python -c "import requests, dotenv"`: alternating pairs.

    The site is placed where it is noon now and its roof already learned, so each cycle judges every inverter
    against its learned normal (the alerts' most expensive path), whatever the hour of the run."""
    floor_cmd = [sys.executable, "-c", FLOOR]
    now = datetime.now(timezone.utc)
    longitude = noon_longitude(now)
    site = SimulatedSite(SiteModel(inverter_count=inverters, longitude=longitude, failed=frozenset()))
    offset_h = round(longitude / 15)
    zone = f"Etc/GMT{-offset_h:+d}" if offset_h else "UTC"  # Etc/GMT-9 is UTC+9
    with project_copy(cached) as copy, tempfile.TemporaryDirectory() as tmp, SimulatedPVS(site=site) as pvs:
        warm_site = SimulatedSite(SiteModel(inverter_count=inverters, longitude=longitude))
        warm_learned_roof(warm_site, Path(tmp, "data"), now)
        env_file = Path(tmp) / "bench.env"
        env_file.write_text(
            f"PVS_HOST={pvs.base_url}\nDATA_DIR={tmp}/data\nWEATHER_PROVIDER=none\nMAX_CLOCK_SKEW=0\n"
            f"LATITUDE={site.model.latitude}\nLONGITUDE={longitude}\nTIMEZONE={zone}\n"
        )
        env_file.chmod(0o600)
        env = _child_env()
        cycle_cmd = [sys.executable, str(copy / "pvs6_supervisor.py"), "--env-file", str(env_file), "run"]
        _run_child(cycle_cmd, env, copy)  # the first contact (firmware check, new CSV files) is not a steady cycle
        pvs.requests.clear()
        floors, cycles = [], []
        for _ in range(rounds):
            time.sleep(1.01)  # one reading per second at most: the clock check wants rows in order
            floors.append(_run_child(floor_cmd, env, copy))
            cycles.append(_run_child(cycle_cmd, env, copy))
        requests_made = pvs.device_list_requests
        own_imports = statistics.median(_own_import_s(env, copy) for _ in range(rounds))
        answer_s = statistics.median(_answer_s(pvs.base_url) for _ in range(rounds))
    assert all(code == 0 for _, _, code in cycles), "a benchmark cycle failed"
    floor_wall = statistics.median(w for w, _, _ in floors)
    cycle_wall = statistics.median(w for w, _, _ in cycles)
    return {
        "rounds": rounds,
        "floor_wall_s": floor_wall,
        "cycle_wall_s": cycle_wall,
        "wall_ratio": statistics.median(c[0] / f[0] for c, f in zip(cycles, floors, strict=True)),
        "floor_rss_kib": statistics.median(r for _, r, _ in floors),
        "cycle_rss_kib": statistics.median(r for _, r, _ in cycles),
        "pvs_requests_per_cycle": requests_made / rounds,
        "own_imports_s": own_imports,
        "pvs_answer_s": answer_s,
    }


def _answer_s(base_url: str) -> float:
    """Seconds the simulated PVS takes to answer one DeviceList to a bare requests.get (its share of a cycle)."""
    started = time.perf_counter()
    requests.get(f"{base_url}/cgi-bin/dl_cgi?Command=DeviceList", timeout=10).raise_for_status()
    return time.perf_counter() - started


def _own_import_s(env: dict[str, str], cwd: Path) -> float:
    """Seconds a fresh interpreter spends importing pvs6sup's command line after requests and dotenv."""
    code = (
        f"import time; {FLOOR}; started = time.perf_counter(); import pvs6sup.cli; print(time.perf_counter() - started)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return float(out.stdout)


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def _importtime(command: list[str], env: dict[str, str], cwd: Path) -> list[tuple[str, int, int]]:
    """(module, self µs, depth) in the order `python -X importtime` prints them (children before parents)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *command], env=env, cwd=cwd, capture_output=True, text=True
    )
    return [(m[4], int(m[1]), len(m[3]) // 2) for m in map(IMPORT_LINE.match, out.stderr.splitlines()) if m]


def import_breakdown(rounds: int) -> dict[str, object]:
    """Self time of each module a cached cycle imports beyond the floor (fastest of `rounds` runs), and each
    of the program's modules with what it alone pulled in from the standard library."""
    env = _child_env()
    with project_copy(True) as copy, tempfile.TemporaryDirectory() as tmp, SimulatedPVS() as pvs:
        env_file = Path(tmp) / "bench.env"
        env_file.write_text(f"PVS_HOST={pvs.base_url}\nDATA_DIR={tmp}/data\nWEATHER_PROVIDER=none\nMAX_CLOCK_SKEW=0\n")
        env_file.chmod(0o600)
        floor = {name for name, _, _ in _importtime(["-c", FLOOR], env, copy)}
        best: dict[str, int] = {}
        owner: dict[str, str] = {}
        cycle_cmd = [str(copy / "pvs6_supervisor.py"), "--env-file", str(env_file), "run"]
        _importtime(cycle_cmd, env, copy)  # a new install's first cycle (the report page is due) is not steady
        for _ in range(rounds):
            time.sleep(1.01)
            lines = _importtime(cycle_cmd, env, copy)
            parents: list[str] = []  # read backwards, a module's parent is the nearest shallower line before
            for name, self_us, depth in reversed(lines):
                del parents[depth:]
                if name not in floor:
                    best[name] = min(best.get(name, self_us), self_us)
                    mine = [p for p in parents if p.startswith("pvs6sup")]
                    owner[name] = name if name.startswith("pvs6sup") else (mine[-1] if mine else "(the script)")
                parents.append(name)
    by_owner: dict[str, list[int]] = {}
    for name, self_us in best.items():
        own, pulled = by_owner.setdefault(owner[name], [0, 0])
        by_owner[owner[name]] = [own + self_us, pulled] if name == owner[name] else [own, pulled + self_us]
    return {
        "total_us": sum(best.values()),
        "own_us": sum(us for name, us in best.items() if name.startswith("pvs6sup")),
        "top": sorted(best.items(), key=lambda item: -item[1])[:15],
        "by_owner": sorted(by_owner.items(), key=lambda item: -sum(item[1]))[:12],
    }


def replay_throughput(generated: list[tuple[datetime, bytes | None]], days: int) -> dict[str, float]:
    """Captures per second through replay's core (parse, derive, detectors, lifecycle) from gzipped bytes,
    and the same for a floor that only does gzip.decompress + json.loads of those bytes."""
    model = SiteModel()
    subset = [(moment, gzip.compress(body, mtime=0)) for moment, body in generated[: days * 288] if body is not None]

    def floor_work() -> None:
        for _, data in subset:
            with contextlib.suppress(ValueError):  # the month holds a few truncated answers on purpose
                json.loads(gzip.decompress(data))

    def best_of_3(work: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    def replay() -> None:
        replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
        for moment, data in subset:
            replayer.feed(moment, gzip.decompress(data))

    floor = best_of_3(floor_work)
    replayed = best_of_3(replay)
    return {
        "captures": len(subset),
        "per_s": len(subset) / replayed,
        "floor_per_s": len(subset) / floor,
        "ratio_to_floor": replayed / floor,
        "us_per_capture": replayed / len(subset) * 1e6,
    }


class FileWriteCounter:
    """Counts the bytes os.write puts into regular files (all of pvs6sup's own file writes go through it)."""

    def __init__(self) -> None:
        self.bytes = 0
        self._real = os.write

    def __enter__(self) -> FileWriteCounter:
        def counting_write(fd: int, data: bytes) -> int:
            written = self._real(fd, data)
            if stat.S_ISREG(os.fstat(fd).st_mode):
                self.bytes += written
            return written

        os.write = counting_write
        return self

    def __exit__(self, *exc: object) -> None:
        os.write = self._real


def storage_write_bytes() -> int | None:
    """Bytes this process sent to the storage layer (page-sized, journal included), from /proc/self/io."""
    try:
        with open("/proc/self/io") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("write_bytes"))
    except (OSError, StopIteration):
        return None


@functools.cache
def one_day(firmware: str = "legacy", sheets: bool = False, expire_sessions: bool = False) -> dict[str, object]:
    """288 five-minute cycles in-process against a simulated 20-inverter site: bytes and requests.

    firmware "legacy" serves DeviceList; "varserver" a build-61845 PVS6 behind login and /vars
    (expire_sessions: the PVS forgets the session before every cycle, the worst case). sheets: deliver
    every row to a stand-in for Google (tests/support/google_fake.py) and count the HTTPS calls it sees.
    """
    moment = START.replace(hour=0)
    clock = lambda: moment  # noqa: E731
    site = SimulatedSite(SiteModel(inverter_count=20))
    pvs_class = SimulatedNewFirmwarePVS if firmware == "varserver" else SimulatedPVS
    extra = {"serial": "ZT000000000000000X0042"} if firmware == "varserver" else {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        requests.Session() as session,
        pvs_class(site=site, clock=clock, **extra) as pvs,
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        mock.add_passthru(pvs.base_url)
        settings = {
            "PVS_HOST": pvs.base_url,
            "DATA_DIR": f"{tmp}/data",
            "LATITUDE": "37.42",
            "LONGITUDE": "-122.08",
            "TIMEZONE": "America/Los_Angeles",
            "MAX_CLOCK_SKEW": "0",
        }
        google = None
        if sheets:
            google = FakeGoogle(mock).install()
            settings["GOOGLE_SERVICE_ACCOUNT_FILE"] = str(write_key(Path(tmp) / "key.json"))
            settings["GOOGLE_SHEET_ID"] = SHEET_ID
        config = load_config(settings, ROOT)
        runtime = Runtime(now=clock, session=session, weather_urls=WeatherURLs(pvs.base_url + "/v1/forecast"))
        run_cycle(config, runtime)  # the first contact (detection, pin, worksheet) is not a steady cycle
        moment += STEP
        pvs.requests.clear()
        google_before = google.google_calls() if google else 0
        data = Path(tmp, "data")
        before = {p: p.stat().st_size for p in data.rglob("*") if p.is_file()}
        storage_before = storage_write_bytes()
        with FileWriteCounter() as counter, configured_logging(io.StringIO(), 0) as logger:
            add_log_file(logger, data)  # as `run` does: a line a cycle
            for _ in range(288):
                if expire_sessions:
                    pvs.expire_sessions()
                run_cycle(config, runtime)
                moment += STEP
        storage_after = storage_write_bytes()
        by_part: dict[str, int] = {}
        for path in (p for p in data.rglob("*") if p.is_file()):
            part = path.relative_to(data).parts[0]
            by_part[part] = by_part.get(part, 0) + max(0, path.stat().st_size - before.get(path, 0))
        log_growth = by_part.get("logs", 0)  # written through Python's file objects, not os.write
        pvs_requests = [r for r in pvs.requests if not r.startswith("/v1/forecast")]
        return {
            "bytes": counter.bytes + log_growth,
            "growth": sum(by_part.values()),
            "storage": (storage_after - storage_before) if storage_before is not None else None,
            "by_part": by_part,
            "pvs_requests_per_cycle": len(pvs_requests) / 288,
            "google_calls_per_cycle": ((google.google_calls() - google_before) / 288) if google else None,
        }


# BENCHMARKS.md is these sections in order. A section is a function of the run's options that measures what
# it shows and returns its Markdown; to add one, write such a function and list it in SECTIONS.


def section_header(opts: argparse.Namespace) -> str:
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Produced by `.venv/bin/python bench/run_benchmarks.py` (the figures below are from one run of it;",
            "rerun it to get yours), but for the last section, which `bench/mutation.py` measures on its own. Times",
            "are ratios against a floor measured in the same run.",
            "",
            f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}",
            f"- Run: {datetime.now(timezone.utc).isoformat(timespec='seconds')}{' (--quick)' if opts.quick else ''}",
        ]
    )


def section_cycle(opts: argparse.Namespace) -> str:
    rounds = 5 if opts.quick else 21
    runs = {(n, cached): cycle_vs_floor(rounds, n, cached) for n in (20, 200) for cached in (True, False)}
    lines = [
        "## A whole cycle, as cron starts it",
        "",
        "`pvs6_supervisor.py run` against the simulated PVS6 on 127.0.0.1 (legacy firmware, weather off, no",
        'sink), versus the floor `python -c "import requests, dotenv"` with the same interpreter and environment.',
        "The site is placed where it is solar noon at the time of the run, with its roof already learned (four",
        "simulated days, kept as `replay --learn` keeps them), so every cycle judges every inverter against its",
        "learned normal and reads and writes that 20-minute bin's file: the alerts' most expensive path.",
        f"{rounds} alternating pairs (floor, cycle) after one unmeasured cycle; the ratio is the median of the pairs'",
        "ratios. *Cached*: the program's bytecode compiled beforehand, as README's set-up command does (how cron",
        "runs it). *Uncached*: a copy without `__pycache__`, run with PYTHONDONTWRITEBYTECODE=1, so every run",
        "compiles the program's modules (the libraries keep the bytecode pip wrote, for both).",
        "",
        "| inverters | bytecode | floor | cycle | ratio | target | floor RSS | cycle RSS | program's imports "
        "| PVS answer |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (n, cached), r in runs.items():
        target = ("≤ 1.3×" if n == 20 else "≤ 1.4×") if cached else ""
        lines.append(
            f"| {n} | {'cached' if cached else 'uncached'} | {r['floor_wall_s'] * 1000:.0f} ms | "
            f"{r['cycle_wall_s'] * 1000:.0f} ms | **{r['wall_ratio']:.2f}×** | {target} | "
            f"{r['floor_rss_kib'] / 1024:.1f} MiB | {r['cycle_rss_kib'] / 1024:.1f} MiB | "
            f"{r['own_imports_s'] * 1000:.0f} ms | {r['pvs_answer_s'] * 1000:.0f} ms |"
        )
    lines += [
        "",
        "*Program's imports*: the median time a fresh interpreter takes to import `pvs6sup.cli` after the floor's",
        "imports. *PVS answer*: the median time the simulated PVS takes to answer one DeviceList to a bare",
        "`requests.get`, a part of every cycle that is the simulator's, not the program's (a real PVS takes",
        "longer). The rest of the gap is the cycle's work (parsing, gzip, the fsync'd writes, alert detection,",
        "the rollup).",
        "The entry point keeps Python's garbage collector off while it imports and then freezes what the imports",
        "made (pvs6_supervisor.py); the floor runs with Python's defaults, so part of that gain is in the libraries'",
        "own imports, which a cron run makes the same way.",
        f"Requests to the PVS per cycle: {runs[(20, True)]['pvs_requests_per_cycle']:.3g}.",
    ]
    return "\n".join(lines)


def section_imports(opts: argparse.Namespace) -> str:
    b = import_breakdown(3 if opts.quick else 7)
    lines = [
        "## What the cycle imports beyond the floor",
        "",
        "`python -X importtime pvs6_supervisor.py run` (cached, 20 inverters, steady cycles after a first one):",
        "each module's own import time, the fastest of several runs, for modules the floor does not import. "
        f"In all {b['total_us'] / 1000:.1f} ms, of which the program's own modules {b['own_us'] / 1000:.1f} ms.",
        "",
        "| module | self |",
        "|---|---|",
        *[f"| {name} | {us / 1000:.2f} ms |" for name, us in b["top"]],
        "",
        "The same time by the program's module that brought it in (its own time, and the standard-library",
        "modules only it imported):",
        "",
        "| program module | own | pulled in | total |",
        "|---|---|---|---|",
        *[
            f"| {name} | {own / 1000:.2f} ms | {pulled / 1000:.2f} ms | {(own + pulled) / 1000:.2f} ms |"
            for name, (own, pulled) in b["by_owner"]
        ],
    ]
    return "\n".join(lines)


def weekly_cost_us(generated: Sequence[tuple[datetime, bytes | None]], days: int) -> list[float]:
    """µs per capture for each week of one replay of the whole span (best of 3 passes per week): whether the
    cost grows with the history carried, which a span of one day cannot tell (nothing is judged until the
    normal has learned three days)."""
    model = SiteModel()
    subset = [(moment, gzip.compress(body, mtime=0)) for moment, body in generated[: days * 288] if body is not None]
    per_week: dict[int, float] = {}
    first = subset[0][0]
    for _ in range(3):
        replayer = Replayer(latitude=model.latitude, longitude=model.longitude)
        spent: dict[int, list[float]] = {}
        for moment, data in subset:
            started = time.perf_counter()
            replayer.feed(moment, gzip.decompress(data))
            spent.setdefault((moment - first).days // 7, []).append(time.perf_counter() - started)
        for week, times in spent.items():
            per_week[week] = min(per_week.get(week, math.inf), sum(times) / len(times) * 1e6)
    return [per_week[week] for week in sorted(per_week)]


def section_replay(opts: argparse.Namespace) -> str:
    days = 3 if opts.quick else 30
    generated = list(captures(month_scenario(days=days, inverter_count=30)))
    replay_1, replay_all = replay_throughput(generated, 1), replay_throughput(generated, days)
    linearity = replay_all["us_per_capture"] / replay_1["us_per_capture"]
    weeks = weekly_cost_us(generated, days)
    lines = [
        "## Replay throughput (30-inverter site, one core)",
        "",
        "The simulated month of `pvs6sup/sim/month.py` at 30 inverters (faults, gaps and garbled answers included),",
        "gzipped as in the archive, through `replay.Replayer` (the replay command's core: parse, derive,",
        "detectors, alert lifecycle). The floor is `gzip.decompress` + `json.loads` of the same bytes. Best of 3.",
        "",
        "| span | captures | captures/s | floor captures/s | ratio to floor | µs per capture |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in (("1 day", replay_1), (f"{days} days", replay_all)):
        lines.append(
            f"| {label} | {r['captures']} | {r['per_s']:,.0f} | {r['floor_per_s']:,.0f} | "
            f"{r['ratio_to_floor']:.2f}× | {r['us_per_capture']:.0f} |"
        )
    lines += [
        "",
        f"Target ≥ 2,000 captures/s: **{replay_all['per_s']:,.0f}/s**. Linearity: the per-capture cost at {days} days",
        f"is {linearity:.2f}× that at 1 day (target within 1.2×). The first day is not a fair base: nothing is",
        "judged until the normal has learned three days. Week by week in one replay of the whole span, µs per",
        "capture: "
        + ", ".join(f"week {week + 1} {cost:.0f}" for week, cost in enumerate(weeks))
        + (f"; the last full week costs {weeks[-2] / weeks[1]:.2f}× the second." if len(weeks) >= 4 else "."),
    ]
    return "\n".join(lines)


def section_disk(opts: argparse.Namespace) -> str:
    disk = one_day(sheets=True)
    return "\n".join(
        [
            "## Disk written per day (20 inverters, a reading every 5 minutes)",
            "",
            "288 cycles in-process against the simulator, Google Sheets on. Target ≤ 1.5 MB/day.",
            "",
            "| measure | per day |",
            "|---|---|",
            "| data written to files (every write, rewrites of state files included) | "
            f"**{disk['bytes'] / 1e6:.2f} MB** |",
            f"| of which the files grew (what stays on disk before pruning) | {disk['growth'] / 1e6:.2f} MB |",
            "| sent to the storage layer (`write_bytes`: whole pages, journal, one fsync per file write) | "
            + (f"{disk['storage'] / 1e6:.2f} MB |" if disk["storage"] is not None else "not available here |"),
            "",
            "The last line is what an SD card sees: each fsync'd write costs at least a 4 KiB page plus the",
            "file system's journal. It is the price of a reading surviving a power cut.",
            "",
            "How the files grew, by part of DATA_DIR:",
            "",
            "| part | bytes/day |",
            "|---|---|",
            *[f"| {part} | {size:,} |" for part, size in sorted(disk["by_part"].items())],
        ]
    )


def section_alerts(opts: argparse.Namespace) -> str:
    logging.getLogger("pvs6sup").setLevel(logging.ERROR)  # one_day's configured_logging may have reset it
    month = evaluate_month(days=3 if opts.quick else 30)
    return "\n".join(
        [
            "## Alerts on a simulated month",
            "",
            "`bench/alerts_eval.py` (run by this command too; see bench/README.md for the scenario): faults",
            "injected into a month of 5-minute captures with clouds, partial shadows, a tree's morning shade,",
            "night errors and gaps, replayed through the live detectors. Targets: dead or missing within",
            "15 minutes of daylight, not reporting within 60 minutes, 30 % degraded the same day, no false alarm.",
            "",
            alerts_eval.markdown(month),
        ]
    )


def section_roofs(opts: argparse.Namespace) -> str:
    logging.getLogger("pvs6sup").setLevel(logging.ERROR)
    from tests.support.sim.roofs import scenarios

    names = list(scenarios())
    if opts.quick:
        names = names[:2]
    started = time.perf_counter()
    catalogued = evaluate_roofs(names, None, "both", 2)
    reseeded = evaluate_roofs(names, None, "learned", 2, seed_offset=100)
    took = time.perf_counter() - started
    return "\n".join(
        [
            "## Alerts on real-looking roofs (issue #18)",
            "",
            "`bench/alerts_eval.py --jobs 2` (bench/README.md explains the scenarios, the targets and how latency is",
            "counted): multi-face roofs in both hemispheres and seasons, trees and chimneys, panel spread, clear,",
            "hazy, broken and overcast days, gaps and garbage answers, faults from day 5. Each scenario is replayed",
            "twice: with nothing configured (`learned`) and with INVERTER_GROUPS set to the true faces (`given`).",
            "The last three scenarios were written after the detector was tuned on the others.",
            "",
            roofs_markdown(catalogued),
            "",
            "The same roofs under other weather, cloud shadows and panel spread (`--seed-offset 100 --groups",
            "learned`), as a check that the figures above are not an artefact of one draw:",
            "",
            roofs_markdown(reseeded).splitlines()[-1],  # the verdict line; the table is in the run's output
            "",
            f"Both runs took {took:.0f} s on this machine.",
        ]
    )


def section_requests(opts: argparse.Namespace) -> str:
    disk, varserver = one_day(sheets=True), one_day("varserver")
    expired = one_day("varserver", expire_sessions=True)
    return "\n".join(
        [
            "## Requests per cycle",
            "",
            "| what | per cycle |",
            "|---|---|",
            f"| requests to the PVS, legacy firmware | {disk['pvs_requests_per_cycle']:.3g} |",
            f"| requests to the PVS, 2025 firmware, session kept | {varserver['pvs_requests_per_cycle']:.3g} |",
            "| requests to the PVS, 2025 firmware, session expired every cycle | "
            f"{expired['pvs_requests_per_cycle']:.3g} |",
            f"| HTTPS calls to Google (token renewals included) | {disk['google_calls_per_cycle']:.3g} |",
            "",
            "Averages over a simulated day after the first cycle. The legacy figure is one DeviceList per",
            "cycle plus the firmware check (supervisor/info) once a day; the 2025 firmware reads /vars twice",
            "(devices; info and livedata) and logs in again when the PVS has dropped the session.",
        ]
    )


def _script(title: str, why: str, command: list[str]) -> str:
    """A section from one of bench/'s own scripts, run as its own process: its printed figures, as they are."""
    done = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False
    )
    body = done.stdout.strip() or f"(no output; exit {done.returncode}: {done.stderr.strip()[-300:]})"
    return "\n".join([f"## {title}", "", why, "", f"`python {' '.join(command)}`:", "", "```", body, "```"])


def section_records(opts: argparse.Namespace) -> str:
    return _script(
        "Records, not dataclasses, on the cron path",
        "The typed records a cron run defines are `core/records.py` classes (fields declared once as annotations, "
        "`__slots__`, an `__init__` compiled only for a class a run builds often). The same classes as `@dataclass` "
        "would cost this much more on every run:",
        ["bench/records_cost.py", "--runs", "3" if opts.quick else "9"],
    )


def section_sinks(opts: argparse.Namespace) -> str:
    return _script(
        "The sinks: extra cycle time with all on, and calls per steady cycle",
        "Every sink (PVOutput's fake, Debian's influxd, a Prometheus textfile, Debian's mosquitto) on 127.0.0.1, "
        "against the same cycles with every sink off, in alternating pairs. Targets: PVOutput 1 HTTP call, "
        "InfluxDB 1, Prometheus 0 per steady cycle.",
        ["bench/sinks_cost.py", "--pairs", "10" if opts.quick else "40"],
    )


def section_sink_calls(opts: argparse.Namespace) -> str:
    return _script(
        "Each sink's send() over a simulated day",
        "A day of 5-minute readings queued and sent one cycle at a time, as cron would.",
        ["bench/sinks_calls.py", "--cycles", "96" if opts.quick else "288"],
    )


def section_mqtt(opts: argparse.Namespace) -> str:
    return _script(
        "MQTT: packets per steady cycle and the time of one publish",
        "Against Debian's mosquitto on 127.0.0.1: connect, QoS 1 publishes, every PUBACK, disconnect.",
        ["bench/mqtt_cost.py", "--cycles", "10" if opts.quick else "50"],
    )


def section_report(opts: argparse.Namespace) -> str:
    return _script(
        "The report over a year, and the rollup per cycle",
        "Targets: the report over a year of a 30-inverter site in at most 2 s; the rollup at most 5 ms a cycle.",
        ["bench/report_cost.py", "--repeat", "2" if opts.quick else "5"],
    )


def section_report_cycle(opts: argparse.Namespace) -> str:
    return _script(
        "The report's duties inside the live cycle, and a year on disk",
        "The real cycle across a midnight with 30 inverters.",
        ["bench/cycle_report_cost.py", "--cycles", "100" if opts.quick else "300"],
    )


def section_archive(opts: argparse.Namespace) -> str:
    return _script(
        "The raw archive over a year, a file per capture and a tar.gz per day (issue #22)",
        "A simulated week of a 20-inverter site archived as the cycle does, copied to fill a year, then packed a "
        "day per call as the cycles pack it. Allocated: st_blocks x 512, folders included.",
        ["bench/archive_size.py", "--days", "2" if opts.quick else "7"],
    )


MUTATION_TITLE = "## Mutation testing"


def section_mutation(opts: argparse.Namespace) -> str:
    """The mutation figure, kept from the report being replaced: `bench/mutation.py` takes some 20 minutes and
    measures the tests, not the speed, so it is run on its own (bench/README.md) and its section written there."""
    source = opts.out if opts.out.exists() else ROOT / "BENCHMARKS.md"
    previous = source.read_text() if source.exists() else ""
    start = previous.find("\n" + MUTATION_TITLE)
    if start < 0:
        return f"{MUTATION_TITLE}\n\nNot measured yet: run `.venv/bin/python bench/mutation.py --show-survivors`."
    end = previous.find("\n## ", start + 1)
    return previous[start + 1 : end if end >= 0 else len(previous)].rstrip()


SECTIONS: list[Callable[[argparse.Namespace], str]] = [
    section_header,
    section_cycle,
    section_imports,
    section_records,
    section_replay,
    section_disk,
    section_alerts,
    section_roofs,
    section_requests,
    section_sinks,
    section_sink_calls,
    section_mqtt,
    section_report,
    section_report_cycle,
    section_archive,
    section_mutation,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and 3 days instead of 30")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="where to write the report")
    parser.add_argument("--only", metavar="NAME", action="append", help="only this section (e.g. cycle); repeatable")
    opts = parser.parse_args()
    logging.getLogger("pvs6sup").setLevel(logging.ERROR)  # the month's truncated answers warn, as they should
    chosen = [s for s in SECTIONS if not opts.only or s.__name__.removeprefix("section_") in opts.only]
    opts.out.write_text("\n\n".join(section(opts) for section in chosen) + "\n")
    print(f"wrote {opts.out}")


if __name__ == "__main__":
    main()
