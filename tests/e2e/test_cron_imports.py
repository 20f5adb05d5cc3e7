"""A cron cycle imports only what it uses: imports are most of its cost (BENCHMARKS.md, issue 10).

Run as cron runs it (a fresh interpreter on pvs6_supervisor.py) with `python -X importtime`, which names
every module imported. No time is asserted: the benchmark measures time, this test keeps the modules
that cost it off the path of a cycle that does not need them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pvs6sup.sim.legacy_pvs import SimulatedPVS
from tests.support.harness import ROOT

# Needed only by some cycles (the report when due, a sink when on, new firmware, a typo, a TIMEZONE), or
# by none (dataclasses compiles each class at import and pulls in inspect and ast).
ONLY_WHEN_NEEDED = {
    "dataclasses",
    "inspect",
    "logging.handlers",
    "difflib",
    "zoneinfo",
    "pvs6sup.report.load",
    "pvs6sup.report.render",
    "pvs6sup.sinks.deliver",
    "pvs6sup.sinks.table",
    "pvs6sup.sinks.queue",
    "pvs6sup.store.csvquery",
    "pvs6sup.pvs.varserver",
    "pvs6sup.commands.check",
    "pvs6sup.settings.docs",
}
_IMPORTED = re.compile(r"import time:\s+\d+ \|\s+\d+ \| +(\S+)")


def imported_by_a_cycle(env_file: Path, data_dir: Path) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PVS_", "DATA_DIR", "WEATHER", "TIMEZONE"))}
    before = len(list((data_dir / "raw").rglob("*.json.gz"))) if data_dir.exists() else 0
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "pvs6_supervisor.py"), "--env-file", str(env_file), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((data_dir / "raw").rglob("*.json.gz"))) == before + 1  # it did record a reading
    return {m[1] for m in map(_IMPORTED.match, done.stderr.splitlines()) if m}


def wait_for_the_next_second(after: float) -> None:
    """Readings are stamped to the second and must come in order: wait until the clock has moved on."""
    while time.time() < int(after) + 1:
        time.sleep(0.05)


@pytest.mark.slow
def test_a_steady_cycle_leaves_the_report_the_sinks_and_dataclasses_unimported(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with SimulatedPVS() as pvs:
        env_file = tmp_path / "cron.env"
        env_file.write_text(f"PVS_HOST={pvs.base_url}\nDATA_DIR={data_dir}\nWEATHER_PROVIDER=none\n")
        env_file.chmod(0o600)
        first = imported_by_a_cycle(env_file, data_dir)  # a new install: the report page is due
        wait_for_the_next_second(time.time())
        steady = imported_by_a_cycle(env_file, data_dir)
    assert "pvs6sup.report.load" in first and (data_dir / "report" / "index.html").exists()
    assert {"pvs6sup.cycle", "pvs6sup.pvs.devicelist", "pvs6sup.store.csvlog"} <= steady  # the parser saw it
    assert steady & ONLY_WHEN_NEEDED == set()


def test_a_sink_that_is_on_brings_its_code(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with SimulatedPVS() as pvs:
        env_file = tmp_path / "cron.env"
        env_file.write_text(
            f"PVS_HOST={pvs.base_url}\nDATA_DIR={data_dir}\nWEATHER_PROVIDER=none\nREPORT_EVERY_MIN=0\n"
            f"PROMETHEUS_TEXTFILE={tmp_path / 'pvs6.prom'}\n"
        )
        env_file.chmod(0o600)
        modules = imported_by_a_cycle(env_file, data_dir)
    assert {"pvs6sup.sinks.deliver", "pvs6sup.sinks.table", "pvs6sup.sinks.prometheus"} <= modules
    assert not {"pvs6sup.sinks.pvoutput", "pvs6sup.sinks.influx", "pvs6sup.sinks.mqtt"} & modules  # those are off
    assert "pvs6_inverters_working " in (tmp_path / "pvs6.prom").read_text()  # and it was delivered
    assert "pvs6sup.report.load" not in modules  # REPORT_EVERY_MIN=0: only the report command makes the page
