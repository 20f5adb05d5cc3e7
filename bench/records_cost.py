"""Why the cron path's records are core/records.py classes, not dataclasses: python bench/records_cost.py [--runs 9].

Each run is a fresh interpreter that imports the cron path's modules, finds every record class they define
(direct subclasses of core.records.Record and FrozenRecord), and then defines the same classes again, with the
same fields, twice: as records (what a cron run pays today), compiling each one's own __init__ as well (what
it would pay if every class compiled its __init__), and as @dataclass classes (frozen where the record is),
after importing dataclasses (which pulls in inspect and ast). Prints the medians over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pvs6sup.core.records import _COMPILE_AFTER  # noqa: E402

CHILD = """
import importlib, sys, time
sys.path.insert(0, {root!r})
from pvs6sup import cli  # the cron path
from pvs6sup.core import records
from pvs6sup.core.records import FrozenRecord, Record
bases = (Record, FrozenRecord)
classes = [c for name, m in list(sys.modules.items()) if name.startswith("pvs6sup") for c in vars(m).values()
           if isinstance(c, type) and c.__module__ == name and c.__bases__[0] in bases]
classes = list(dict.fromkeys(classes))
started = time.perf_counter()
again = [type(c)(c.__name__, (c.__bases__[0],), {{"__annotations__": dict.fromkeys(c.__slots__, "object")}})
         for c in classes]
as_records = time.perf_counter() - started
started = time.perf_counter()
for c in again:
    records._compiled_init(c)
compiled = time.perf_counter() - started
started = time.perf_counter()
import dataclasses
imported = time.perf_counter() - started
started = time.perf_counter()
for c in classes:
    plain = type(c.__name__, (), {{"__annotations__": dict.fromkeys(c.__slots__, "object")}})
    dataclasses.dataclass(frozen=issubclass(c, FrozenRecord))(plain)
as_dataclasses = time.perf_counter() - started
print(len(classes), as_records, compiled, imported, as_dataclasses)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters to take the median of")
    runs = parser.parse_args().runs
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(root=str(ROOT))], capture_output=True, text=True, check=True
        )
        count, *times = out.stdout.split()
        results.append([float(t) * 1000 for t in times])
    records_ms, compiled_ms, import_ms, dataclasses_ms = (
        statistics.median(column) for column in zip(*results, strict=True)
    )
    print(f"record classes a cron run defines: {count}")
    print(f"defined as records:                 {records_ms:6.2f} ms")
    print(
        f"every record's own __init__ compiled: {compiled_ms:4.2f} ms (a cron run compiles only the classes it "
        f"builds more than {_COMPILE_AFTER} times)"
    )
    print(f"import dataclasses (inspect, ast):  {import_ms:6.2f} ms")
    print(f"defined as dataclasses:             {dataclasses_ms:6.2f} ms")
    print(
        f"dataclasses would cost {(import_ms + dataclasses_ms) / records_ms:.0f}x as much: "
        f"{import_ms + dataclasses_ms - records_ms:.1f} ms more per cron run (median of {runs} fresh interpreters)"
    )


if __name__ == "__main__":
    main()
