"""What the sinks add to a whole cron cycle: python bench/sinks_cost.py [--pairs 40] [--inverters 12].

Two data folders run real cycles (cli.main() in-process, the simulated PVS on loopback) in alternating pairs:
one with every sink off, one with PVOutput (the tests' fake), InfluxDB (Debian's influxd 1.x), Prometheus (a
textfile) and MQTT (Debian's mosquitto) on, all on 127.0.0.1. Prints the median extra time per cycle (the
median of the pairs' differences, after a few warm-up cycles) and, per steady cycle, the HTTP calls to each
peer and the MQTT messages (QoS 1: a PUBLISH and a PUBACK each, plus CONNECT/CONNACK and DISCONNECT).
Sink settings are pointed at the loopback peers with tests/support/delivery_site.with_sinks.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # pvs6sup, and tests.support: the fakes

import requests  # noqa: E402

from pvs6sup import cli  # noqa: E402
from pvs6sup.runtime import Runtime  # noqa: E402
from pvs6sup.settings.config import WeatherURLs  # noqa: E402
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel  # noqa: E402
from pvs6sup.sinks import influx, mqtt, prometheus, pvoutput  # noqa: E402
from tests.support.delivery_site import with_sinks  # noqa: E402
from tests.support.influx_server import PASSWORD, USER, start_influx  # noqa: E402
from tests.support.mqtt_broker import start_broker  # noqa: E402
from tests.support.pvoutput_fake import API_KEY, SYSTEM_ID, FakePVOutput  # noqa: E402

ZONE = ZoneInfo("America/Los_Angeles")
LAT, LON = 37.42, -122.08
START = datetime(2026, 6, 21, 17, 0, 30, tzinfo=timezone.utc)  # 10:00 in California: the sun is up
WARM_UP = 3


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls[urlsplit(url).netloc] += 1
        return super().request(method, url, *args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--inverters", type=int, default=12)
    args = parser.parse_args()
    now = [START]
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        (folder / "influx").mkdir()
        influx_run = start_influx(folder / "influx")
        influx_server = next(influx_run)
        influx_server.query("CREATE DATABASE bench", method="POST")
        broker = start_broker(folder / "broker")
        fake = FakePVOutput(lambda: now[0], ZONE, LAT, LON, donation=True).start()
        (folder / "prom").mkdir()
        published: list[int] = []
        real_publish = mqtt.publish

        def counting_publish(settings: mqtt.Settings, messages: Any, deadline_s: float) -> None:
            published.append(len(messages))
            real_publish(settings, messages, deadline_s)

        mqtt.publish = counting_publish  # type: ignore[assignment]
        pvoutput.SPACING_S = 0.0
        sinks = {
            "pvoutput": pvoutput.Settings(API_KEY, SYSTEM_ID, url=fake.url, latitude=LAT, longitude=LON),
            "influx": influx.Settings(influx_server.url, database="bench", username=USER, password=PASSWORD),
            "prometheus": prometheus.Settings(folder / "prom" / "pvs6.prom"),
            "mqtt": mqtt.Settings("127.0.0.1", broker.port, topic_prefix="pvs6/bench"),
        }
        real_load = cli.load_config
        on: dict[str, bool] = {"sinks": False}

        def load(values: Any, script_dir: Path) -> Any:
            config = real_load(values, script_dir)
            extra = sinks if on["sinks"] else {}
            return with_sinks(config, extra)

        cli.load_config = load  # type: ignore[assignment]
        site = SimulatedSite(SiteModel(inverter_count=args.inverters))
        try:
            with SimulatedPVS(site=site, clock=lambda: now[0]) as pvs:
                env = {
                    "PVS_HOST": pvs.base_url,
                    "PVS_TIMEOUT": "5",
                    "TIMEZONE": "America/Los_Angeles",
                    "LATITUDE": str(LAT),
                    "LONGITUDE": str(LON),
                    "WEATHER_PROVIDER": "none",
                }
                sessions = {"on": CountingSession(), "off": CountingSession()}

                def cycle(kind: str) -> float:
                    on["sinks"] = kind == "on"
                    runtime = Runtime(
                        environ={**env, "DATA_DIR": str(folder / kind)},
                        stdout=io.StringIO(),
                        stderr=io.StringIO(),
                        now=lambda: now[0],
                        session=sessions[kind],
                        script_dir=folder,
                        weather_urls=WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast"),
                    )
                    began = time.perf_counter()
                    code = cli.main(["run"], runtime)
                    took = time.perf_counter() - began
                    if code != 0:
                        raise SystemExit(f"a cycle with sinks {kind} failed: {runtime.stderr.getvalue()}")  # type: ignore[attr-defined]
                    return took

                differences, on_times, off_times = [], [], []
                for pair in range(WARM_UP + args.pairs):
                    before_calls, before_published = Counter(sessions["on"].calls), len(published)
                    order = ("on", "off") if pair % 2 else ("off", "on")
                    times = {kind: cycle(kind) for kind in order}
                    now[0] += timedelta(minutes=5)
                    if pair < WARM_UP:
                        continue
                    differences.append(times["on"] - times["off"])
                    on_times.append(times["on"])
                    off_times.append(times["off"])
                    calls = sessions["on"].calls - before_calls
                    steady_calls = {
                        "PVOutput": calls[urlsplit(fake.url).netloc],
                        "InfluxDB": calls[urlsplit(influx_server.url).netloc],
                    }
                    steady_messages = sum(published[before_published:])
        finally:
            fake.stop()
            broker.stop()
            with_influx_stopped = list(influx_run)  # runs the generator's cleanup
            del with_influx_stopped
    print(f"{args.pairs} alternating pairs of whole cycles, {args.inverters} inverters, peers on 127.0.0.1")
    print(f"- cycle with every sink off: median {statistics.median(off_times) * 1000:.0f} ms")
    print(f"- cycle with every sink on:  median {statistics.median(on_times) * 1000:.0f} ms")
    print(f"- extra per cycle (median of the pairs' differences): {statistics.median(differences) * 1000:.0f} ms")
    print(f"- HTTP calls per steady cycle: {steady_calls}, Prometheus 0 (a file)")
    print(f"- MQTT per steady cycle: 1 connection, {steady_messages} messages at QoS 1")


if __name__ == "__main__":
    main()
