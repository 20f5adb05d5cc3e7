"""HTTP calls and send() time per steady cycle for each sink: python bench/sinks_calls.py [--cycles 288].

A simulated day of 5-minute readings is queued and sent one cycle at a time, as cron would:
- PVOutput against the fake PVOutput of the tests (tests/support/pvoutput_fake.py: the documented API rules);
- InfluxDB against Debian's influxd 1.x started on loopback when installed, else a loopback server
  answering 204 (the count is the same: one POST a cycle);
- Prometheus writing its textfile in a temporary folder.
Nothing here is a test: it prints what it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # pvs6sup, and tests.support: the fakes

from pvs6sup.sinks import influx, prometheus, pvoutput  # noqa: E402
from tests.support.pvoutput_fake import API_KEY, SYSTEM_ID, FakePVOutput  # noqa: E402
from tests.support.sink_driver import Driver, readings  # noqa: E402

ZONE = ZoneInfo("America/Los_Angeles")
LAT, LON = 37.42, -122.08
START = datetime(2026, 6, 21, 7, 0, 30, tzinfo=timezone.utc)


def day(driver: Driver, payload: Callable[..., dict[str, Any]], cycles: int, clock: list[datetime]) -> dict[str, Any]:
    calls, times_ms = [], []
    for reading in readings(START, cycles):
        driver.queue(reading, payload(reading, "home", ZONE))
        clock[0] = reading.fetched_at + timedelta(seconds=5)
        before = driver.session.calls
        began = time.perf_counter()
        driver.cycle(clock[0])
        times_ms.append((time.perf_counter() - began) * 1000)
        calls.append(driver.session.calls - before)
    steady = calls[1:]  # the first cycle has no ended PVOutput slot yet
    return {
        "cycles": cycles,
        "calls": sum(calls),
        "per steady cycle": f"{min(steady)}–{max(steady)}" if min(steady) != max(steady) else str(max(steady)),
        "median send ms": round(statistics.median(times_ms), 1),
        "p95 send ms": round(sorted(times_ms)[int(len(times_ms) * 0.95) - 1], 1),
        "warnings": len(driver.warnings),
    }


@contextlib.contextmanager
def influx_url(folder: Path) -> Iterator[tuple[str, influx.Settings]]:
    from tests.support.influx_server import INFLUXD, PASSWORD, USER, start_influx

    if shutil.which(INFLUXD):
        servers = start_influx(folder)
        server = next(servers)
        server.query("CREATE DATABASE bench", method="POST")
        try:
            yield "influxd 1.x", influx.Settings(server.url, database="bench", username=USER, password=PASSWORD)
        finally:
            with contextlib.suppress(StopIteration):
                next(servers)
        return

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield "a 204 server", influx.Settings(f"http://127.0.0.1:{httpd.server_address[1]}", database="bench")
    finally:
        httpd.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=288)
    args = parser.parse_args()
    pvoutput.SPACING_S = 0.0  # one request a steady cycle: spacing never applies, and the backlog is not measured
    rows = {}
    clock = [START]
    fake = FakePVOutput(lambda: clock[0], ZONE, LAT, LON).start()
    try:
        settings = pvoutput.Settings(API_KEY, SYSTEM_ID, url=fake.url, latitude=LAT, longitude=LON)
        rows["PVOutput (fake on loopback)"] = day(Driver(pvoutput.send, settings), pvoutput.payload, args.cycles, clock)
    finally:
        fake.stop()
    with tempfile.TemporaryDirectory() as folder:
        with influx_url(Path(folder)) as (what, settings_influx):
            rows[f"InfluxDB ({what})"] = day(Driver(influx.send, settings_influx), influx.payload, args.cycles, clock)
        textfile = prometheus.Settings(Path(folder) / "pvs6.prom")
        rows["Prometheus (textfile)"] = day(Driver(prometheus.send, textfile), prometheus.payload, args.cycles, clock)

    columns = ["cycles", "calls", "per steady cycle", "median send ms", "p95 send ms", "warnings"]
    print("| sink | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
