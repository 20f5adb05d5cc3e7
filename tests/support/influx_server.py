"""A real InfluxDB 1.x (Debian's influxd) on 127.0.0.1 for tests: temp folders, auth on, one admin user.

Skips (naming the Debian package) when influxd is missing. Waits for /ping with a bounded poll.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

INFLUXD = "/usr/bin/influxd"
USER, PASSWORD = "writer", "influx-pass-X000"
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Influx:
    url: str
    process: subprocess.Popen[bytes]

    def query(self, q: str, db: str | None = None, method: str = "GET") -> Any:
        params = {"q": q, **({"db": db} if db else {})}
        response = requests.request(method, self.url + "/query", params=params, auth=(USER, PASSWORD), timeout=30)
        response.raise_for_status()
        return response.json()

    def rows(self, q: str, db: str) -> list[dict[str, Any]]:
        """The query's points as dicts (column -> value), all series together."""
        result = self.query(q, db)["results"][0]
        rows = []
        for series in result.get("series", []):
            for values in series["values"]:
                rows.append({**series.get("tags", {}), **dict(zip(series["columns"], values, strict=True))})
        return rows


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    end = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"influxd exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url + "/ping", timeout=1).status_code == 204:
                return
        except requests.ConnectionError:
            time.sleep(0.05)  # polling a condition with a bound, not guessing a duration
    raise RuntimeError(f"influxd did not answer /ping within {START_TIMEOUT_S:g} s: {log.read_text()[-2000:]}")


def start_influx(folder: Path) -> Iterator[Influx]:
    if not shutil.which(INFLUXD):
        pytest.skip("needs Debian's InfluxDB 1.x (apt-get install -y influxdb)")
    port, rpc_port = _free_port(), _free_port()
    config = folder / "influxdb.conf"
    config.write_text(
        f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{folder}/meta"
[data]
  dir = "{folder}/data"
  wal-dir = "{folder}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{port}"
  auth-enabled = true
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
"""
    )
    log = folder / "influxd.log"
    with log.open("wb") as out:
        process = subprocess.Popen([INFLUXD, "-config", str(config)], stdout=out, stderr=subprocess.STDOUT)
    influx = Influx(f"http://127.0.0.1:{port}", process)
    try:
        _wait_for_ping(influx.url, process, log)
        # With auth on and no user yet, the first admin user may be created without credentials.
        requests.post(
            influx.url + "/query",
            params={"q": f"CREATE USER {USER} WITH PASSWORD '{PASSWORD}' WITH ALL PRIVILEGES"},
            timeout=30,
        ).raise_for_status()
        yield influx
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
