"""Mutation testing of the pure modules: does the suite notice when a rule is changed a little?

A small AST mutation runner (mutmut is awkward with a worktree and a shared venv): for each module it
makes one mutant per site (a comparison made strict or loose, + and -, * and /, and/or swapped, a `not`
dropped, min/max swapped, a number nudged, True/False flipped), writes it over the module, runs only the
test files that exercise that module (`pytest -x -q -p no:cacheprovider`, with a timeout), and puts the
original back. It works on a copy of the project in a temporary directory, so the tree itself is never
changed and can be edited while it runs. One process at a time.

    python bench/mutation.py                      # every module in MODULES
    python bench/mutation.py --module pvs6sup/alerts/normal.py --show-survivors
    python bench/mutation.py --list               # the mutants, not run

Mutants listed in EQUIVALENT (module, mutant id) are counted as equivalent, not as survivors; the figure
is killed / (total - equivalent). Mutant ids are stable while the module's source is unchanged.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the test files that exercise it
MODULES: dict[str, list[str]] = {
    "pvs6sup/alerts/normal.py": ["tests/alerts/test_normal.py", "tests/alerts/test_normal_boundaries.py"],
    "pvs6sup/alerts/faces.py": ["tests/alerts/test_normal.py", "tests/alerts/test_faces_boundaries.py"],
    "pvs6sup/alerts/underperf.py": ["tests/alerts/test_normal.py", "tests/alerts/test_underperf_boundaries.py"],
    "pvs6sup/alerts/detectors.py": [
        "tests/alerts/test_detectors.py",
        "tests/alerts/test_alerts.py",
        "tests/alerts/test_detectors_boundaries.py",
    ],
    "pvs6sup/alerts/incidents.py": [
        "tests/alerts/test_detectors.py",
        "tests/alerts/test_alerts.py",
        "tests/alerts/test_incidents_boundaries.py",
    ],
    "pvs6sup/alerts/diagnosis.py": ["tests/alerts/test_diagnosis.py", "tests/alerts/test_diagnosis_boundaries.py"],
    "pvs6sup/alerts/stalled.py": [
        "tests/alerts/test_stalled.py",
        "tests/alerts/test_detectors_boundaries.py",
        "tests/alerts/test_stalled_boundaries.py",
    ],
    "pvs6sup/alerts/judgement.py": ["tests/alerts/test_detectors.py", "tests/alerts/test_alerts.py"],
    "pvs6sup/alerts/memory.py": [
        "tests/alerts/test_alerts.py",
        "tests/alerts/test_alert_state_encoding.py",
        "tests/alerts/test_detectors.py",
        "tests/alerts/test_incidents_boundaries.py",
    ],
    "pvs6sup/core/energy_guard.py": [
        "tests/core/test_energy_guard.py",
        "tests/core/test_energy_guard_boundaries.py",
    ],
    "pvs6sup/core/rollup.py": [
        "tests/core/test_rollup_state.py",
        "tests/core/test_rollup_boundaries.py",
        "tests/report/test_rollup.py",
    ],
    "pvs6sup/sinks/queue.py": ["tests/sinks/test_outbox.py", "tests/sinks/test_queue_boundaries.py"],
    "pvs6sup/store/files.py": ["tests/store/test_files.py", "tests/store/test_store_boundaries.py"],
    "pvs6sup/store/statefile.py": [
        "tests/store/test_files.py",
        "tests/sinks/test_outbox.py",
        "tests/store/test_store_boundaries.py",
    ],
    "pvs6sup/store/archive.py": ["tests/store/test_files.py", "tests/store/test_store_boundaries.py"],
    "pvs6sup/store/retention.py": ["tests/store/test_clock_and_disk.py", "tests/store/test_store_boundaries.py"],
}
# Not measured yet (run them with --module once they are added above): store/csvlog.py (140 mutants; tests in
# tests/store/test_csvlog.py and test_clock_and_disk.py), store/rollup_file.py (tests/core/test_rollup_state.py,
# tests/report/test_rollup.py), store/alert_log.py, legacy.py, lock.py, tempfiles.py, vanished.py, os_errors.py.

# (module, mutant id): why the mutant cannot be told apart from the original
EQUIVALENT: dict[tuple[str, str], str] = {
    ("pvs6sup/core/energy_guard.py", "48:56:cmp1:Lt->LtE"): "held_kwh: at new == last, last and new are the same",
    ("pvs6sup/alerts/detectors.py", "141:68:const:1->2"): (
        "the first wait holds ' h to ' once: sink titles are fixed names (Google Sheets, PVOutput, ...)"
    ),
    ("pvs6sup/core/rollup.py", "87:14:bool:And->Or"): "an exhausted iterator only gives None again: the loop breaks",
    ("pvs6sup/core/rollup.py", "90:28:const:True->False"): "`exhausted` only saves calls to an exhausted iterator",
    ("pvs6sup/core/rollup.py", "188:11:bool:And->Or"): "last_kwh and last_at are set together",
    ("pvs6sup/core/rollup.py", "201:7:bool:And->Or"): "candidate_kwh and candidate_at are set and cleared together",
    ("pvs6sup/sinks/queue.py", "240:35:const:0->1"): (
        "a size one byte past the end only moves the window's start by a byte; its first line is dropped anyway"
    ),
    ("pvs6sup/sinks/queue.py", "241:35:const:1->2"): "a 128 KiB window instead of 64 only reads more, same entry",
    ("pvs6sup/sinks/queue.py", "241:40:const:16->17"): "a 128 KiB window instead of 64 only reads more, same entry",
    ("pvs6sup/alerts/underperf.py", "84:37:const:1e-06->1.1e-06"): "a dead one's gap is clipped to -0.5 either way",
    ("pvs6sup/alerts/underperf.py", "184:70:const:0.0->0.1"): "no start known: 0 or 0.1 s both read '1 minute'",
    ("pvs6sup/store/files.py", "36:50:const:True->False"): "exist_ok on the retry: only a race with another mkdir",
    ("pvs6sup/store/files.py", "113:20:const:1->2"): "pread of 2 bytes at the last byte reads that one byte",
    ("pvs6sup/store/files.py", "113:23:bin:Sub->Add"): "reading past the end goes to the window search: same cut",
    ("pvs6sup/store/files.py", "115:23:const:1->2"): "a 128 KiB window: the same cut for any torn line under 64 KiB",
    ("pvs6sup/store/files.py", "115:28:const:16->17"): "a 128 KiB window: the same cut for any torn line under 64 KiB",
    ("pvs6sup/store/archive.py", "29:25:const:100->101"): "a 101st twin in one second: never",
    ("pvs6sup/store/archive.py", "28:45:const:6->7"): "gzip level 7, not 6: the same bytes back",
    ("pvs6sup/alerts/faces.py", "152:82:const:0.0->0.1"): "describe() only asks whether longitude is None",
    ("pvs6sup/alerts/faces.py", "143:21:cmp0:Lt->LtE"): "facing: an offset of 0 has returned before (|offset| < 0.75)",
    ("pvs6sup/alerts/faces.py", "83:83:const:99.0->108.9"): "a face without a peak sorts last: any key past 24 h",
    ("pvs6sup/alerts/detectors.py", "168:78:const:0.0->0.1"): (
        "elapsed_s without a previous reading: after_gap is then True and hours is 5/60 whatever it is"
    ),
    ("pvs6sup/alerts/diagnosis.py", "85:52:cmp0:Lt->LtE"): (
        "a gap exactly at -slack without clues: the clues made are dropped again at the end (nothing owed, not low)"
    ),
    ("pvs6sup/alerts/diagnosis.py", "89:37:bin:FloorDiv->Div"): (
        "int() of a positive quotient is its floor, and a negative one is raised to bin 0 by max() either way"
    ),
    ("pvs6sup/alerts/diagnosis.py", "91:12:cmp0:Gt->GtE"): "a bin's time is 0 (never updated) or hours since 1970",
    ("pvs6sup/alerts/diagnosis.py", "91:28:const:0->1"): "a bin's time is 0 (never updated) or hours since 1970",
    ("pvs6sup/alerts/diagnosis.py", "96:31:const:0->1"): (
        "LOW_SINCE is 0 only with LAST_LOW 0 (they are set together), and then the 48-hour test holds too"
    ),
    ("pvs6sup/alerts/diagnosis.py", "115:16:const:1->2"): (
        "the count only matters past two working siblings, so with 3 inverters or more: max(1, n) is max(2, n)"
    ),
    ("pvs6sup/alerts/diagnosis.py", "123:24:cmp0:Gt->GtE"): "power_kw is truthy (not 0) there: > 0 and >= 0 agree",
    ("pvs6sup/alerts/diagnosis.py", "302:27:cmp0:LtE->Lt"): (
        "the siblings' efficiency is 0 only before any was followed (EFF_N 0): never after 3 readings"
    ),
    ("pvs6sup/alerts/diagnosis.py", "310:7:cmp0:LtE->Lt"): (
        "LOW_SINCE is 0 only with LAST_LOW 0 (set together): the 48-hour test gives [] as well"
    ),
    ("pvs6sup/alerts/diagnosis.py", "310:16:const:0->1"): "LOW_SINCE is 0 or hours since 1970, never in (0, 1]",
    ("pvs6sup/alerts/stalled.py", "84:67:const:90.0->99.00000000000001"): (
        "the sun unknown: -90° or -99° are both below 10° and 20°"
    ),
    ("pvs6sup/alerts/stalled.py", "134:15:bin:Add->Sub"): (
        "a frozen report always has a time (_still), so the 'for <lasted>' words are never used (dead code)"
    ),
    ("pvs6sup/alerts/detectors.py", "345:25:const:False->True"): (
        "_judge_no_production's one caller passes meters_still"
    ),
    ("pvs6sup/alerts/normal.py", "209:7:cmp0:Gt->GtE"): "at exactly `window` gaps, del gaps[:-window] removes none",
}

CMP_SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}


def _skip_nodes(tree: ast.AST) -> set[int]:
    """Nodes not to mutate: docstrings, annotations, __slots__, logging calls."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                mark(arg.annotation)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            mark(node)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("log", "logger", "LOG", "logging")
        ):
            mark(node)
        if isinstance(node, ast.JoinedStr):
            mark(node)
    return skip


def _nudge(value: object) -> object | None:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.1 if value else 0.1
    return None


def sites(tree: ast.AST) -> list[tuple[str, object]]:
    """Every mutation site as (id, applier); the id is `line:col:kind`."""
    skip = _skip_nodes(tree)
    found: list[tuple[str, object]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        where = f"{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = CMP_SWAP.get(type(op))
                if new is not None:
                    found.append((f"{where}:cmp{i}:{type(op).__name__}->{new.__name__}", (node, "cmp", i, new)))
        elif isinstance(node, ast.BinOp) and type(node.op) in BIN_SWAP:
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                continue  # string concatenation / formatting
            new = BIN_SWAP[type(node.op)]
            found.append((f"{where}:bin:{type(node.op).__name__}->{new.__name__}", (node, "bin", 0, new)))
        elif isinstance(node, ast.AugAssign) and type(node.op) in BIN_SWAP:
            new = BIN_SWAP[type(node.op)]
            found.append((f"{where}:aug:{type(node.op).__name__}->{new.__name__}", (node, "bin", 0, new)))
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            found.append((f"{where}:bool:{type(node.op).__name__}->{new.__name__}", (node, "bool", 0, new)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((f"{where}:not:drop", (node, "not", 0, None)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            new = "max" if node.func.id == "min" else "min"
            found.append((f"{where}:call:{node.func.id}->{new}", (node, "call", 0, new)))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            new = _nudge(node.value)
            found.append((f"{where}:const:{node.value!r}->{new!r}", (node, "const", 0, new)))
    return found


def mutate(source: str, site_id: str) -> str:
    """The module's source with the one mutation `site_id` applied."""
    tree = ast.parse(source)
    for sid, (node, kind, i, new) in sites(tree):
        if sid != site_id:
            continue
        if kind == "cmp":
            node.ops[i] = new()
        elif kind in ("bin", "bool"):
            node.op = new()
        elif kind == "not":
            _replace(tree, node, node.operand)
        elif kind == "call":
            node.func = ast.Name(id=new, ctx=ast.Load())
        elif kind == "const":
            node.value = new
        return ast.unparse(ast.fix_missing_locations(tree))
    raise KeyError(site_id)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return


def run_tests(work: Path, tests: list[str], timeout: float) -> str:
    """'killed', 'survived' or 'timeout' (a timeout kills the mutant)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    try:
        done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def run_module(
    work: Path, module: str, tests: list[str], only: set[str] | None, show: bool, verbose: bool
) -> dict[str, int]:
    path = work / module
    original = path.read_text()
    tests = [t for t in tests if (work / t).exists()]
    ids = [sid for sid, _ in sites(ast.parse(original))]
    if only:
        ids = [sid for sid in ids if sid in only]
    counts = {"killed": 0, "survived": 0, "equivalent": 0, "total": len(ids)}
    try:
        path.write_text(ast.unparse(ast.parse(original)))
        start = time.monotonic()
        base = run_tests(work, tests, 600)
        baseline_s = time.monotonic() - start
        if base != "survived":
            raise SystemExit(f"{module}: the tests fail on the unmutated module ({tests})")
        timeout = max(10.0, 3 * baseline_s + 5)
        for sid in ids:
            path.write_text(mutate(original, sid))
            result = run_tests(work, tests, timeout)
            if result == "survived" and (module, sid) in EQUIVALENT:
                result = "equivalent"
            counts["killed" if result in ("killed", "timeout") else result] += 1
            if verbose or (show and result == "survived"):
                print(f"  {result:10} {module} {sid}", flush=True)
    finally:
        path.write_text(original)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="a module path (repeatable); default: all of MODULES")
    parser.add_argument("--mutant", action="append", help="only this mutant id (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--show-survivors", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every mutant's result")
    opts = parser.parse_args()
    modules = opts.module or list(MODULES)
    if opts.list:
        for module in modules:
            for sid, _ in sites(ast.parse((ROOT / module).read_text())):
                print(module, sid)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the temporary copy is removed on kill too
    rows = []
    tmp = tempfile.mkdtemp(prefix="mutation-")
    work = Path(tmp) / "project"
    skip = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", "*.pyc")
    shutil.copytree(ROOT, work, ignore=skip)
    try:
        _run_all(work, modules, opts, rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    killed = sum(c["killed"] for _, c in rows)
    live = sum(c["total"] - c["equivalent"] for _, c in rows)
    print(f"{'overall':34} killed {killed:4} of {live} non-equivalent mutants: {100 * killed / max(live, 1):.1f} %")
    return 0


def _run_all(work: Path, modules: list[str], opts: argparse.Namespace, rows: list) -> None:
    for module in modules:
        only = set(opts.mutant or []) or None
        counts = run_module(work, module, MODULES[module], only, opts.show_survivors, opts.verbose)
        rows.append((module, counts))
        live = counts["total"] - counts["equivalent"]
        share = 100 * counts["killed"] / live if live else 100.0
        print(
            f"{module:34} killed {counts['killed']:4}  survived {counts['survived']:4}  "
            f"equivalent {counts['equivalent']:3}  total {counts['total']:4}  {share:5.1f} %",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
