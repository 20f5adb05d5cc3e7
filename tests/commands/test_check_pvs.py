"""`check` says what it is doing before a long wait, the time it really took, and a fix for each failure."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pvs6sup.errors import ExitStatus
from tests.support.harness import ROOT, SITE_ENV, Harness


@pytest.mark.slow
def test_a_pvs_that_never_answers_is_told_before_the_wait_with_the_time_it_took(tmp_path: Path) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # takes connections (the kernel's backlog), never answers
    try:
        env = {**os.environ, **SITE_ENV, "PVS_TIMEOUT": "2", "WEATHER_PROVIDER": "none"}
        env |= {"PVS_HOST": f"127.0.0.1:{silent.getsockname()[1]}", "DATA_DIR": str(tmp_path / "data")}
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "pvs6_supervisor.py"), "--env-file", os.devnull, "check"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for line in child.stdout:  # the progress line comes while the PVS is still being waited for
            if "asking the PVS" in line:
                assert child.poll() is None
                assert "up to 4 s" in line  # the firmware check (2 s here) and the reading (2 s)
                break
        rest, _ = child.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert child.returncode == ExitStatus.SERVICE_FAILED
    said = re.search(r"✗ PVS: .*did not answer within 2 s \(PVS_TIMEOUT\) \(gave up after (\d+) s\)", rest)
    assert said is not None, rest
    assert 4 <= int(said[1]) <= took + 1  # the true time, not the timeout of one request
    assert "power-cycle it" in rest.split(said[0], 1)[1].splitlines()[1]


def test_connection_refused_comes_with_the_cable_the_address_and_pvs_host(harness: Harness) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # closed when the block ends: nothing listens there afterwards
    harness.env.update({**SITE_ENV, "PVS_HOST": f"127.0.0.1:{port}", "WEATHER_PROVIDER": "none"})
    result = harness.run("check")
    assert result.code == ExitStatus.SERVICE_FAILED
    lines = result.stdout.splitlines()
    [at] = [i for i, line in enumerate(lines) if line.startswith("✗ PVS:")]
    assert "connection refused" in lines[at]
    fix = lines[at + 1]
    assert fix.startswith("    fix: ") and "PVS_HOST" in fix and "LAN1" in fix and "ip -4 addr" in fix
