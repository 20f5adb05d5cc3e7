"""What MQTT adds to a cycle: packets published per steady cycle and the time of one publish against a local
mosquitto (connect, QoS 1 publishes, every PUBACK, disconnect), for the discovery cycle and the steady ones.

Run: python bench/mqtt_cost.py [--inverters 12 30] [--cycles 50]. Needs Debian's mosquitto. Prints Markdown.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # pvs6sup, and tests.support: the broker

from pvs6sup.sinks import ha_discovery, mqtt  # noqa: E402
from pvs6sup.sinks.ha_entities import Topics  # noqa: E402
from pvs6sup.sinks.queue import Entry  # noqa: E402
from tests.support.mqtt_broker import start_broker  # noqa: E402
from tests.support.mqtt_reading import NOON, reading_at, site  # noqa: E402


def measure(inverters: int, cycles: int, port: int) -> tuple[int, int, float, int, float, float]:
    """(discovery-cycle messages, its bytes, its ms, steady messages, steady median ms, steady max ms)."""
    settings = mqtt.Settings(host="127.0.0.1", port=port, topic_prefix="pvs6/bench")
    simulated = site(inverters)
    memo: dict = {}
    counts, sizes, times = [], [], []
    for step in range(cycles + 1):
        now = NOON + timedelta(minutes=5 * step)
        payload = mqtt.payload(reading_at(simulated, now), "Bench", timezone.utc)
        plan = ha_discovery.plan(Topics(settings.topic_prefix, settings.discovery_prefix), True, [payload], memo, now)
        counts.append(len(plan.messages))
        sizes.append(sum(len(m.topic) + len(m.payload.encode()) for m in plan.messages))
        began = time.perf_counter()
        memo = mqtt.send(settings, None, [Entry(step + 1, now, payload)], memo, now, 10).memo
        times.append((time.perf_counter() - began) * 1000)
    steady = times[1:]
    assert len(set(counts[1:])) == 1, counts
    return counts[0], sizes[0], times[0], counts[1], statistics.median(steady), max(steady)


def import_ms(runs: int = 7) -> float:
    """Median time a fresh interpreter that has the cycle's modules takes to import the sink (paho included):
    what each cron run with MQTT on pays on top."""
    code = (
        "import time, pvs6sup.cycle, pvs6sup.sinks.queue; t = time.perf_counter(); import pvs6sup.sinks.mqtt; "
        "print(time.perf_counter() - t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inverters", type=int, nargs="+", default=[12, 30])
    parser.add_argument("--cycles", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        broker = start_broker(Path(folder))
        try:
            print("| inverters | discovery cycle: messages, bytes, ms | steady cycle: messages | median ms | max ms |")
            print("|---|---|---|---|---|")
            for count in args.inverters:
                first, size, first_ms, steady, median_ms, max_ms = measure(count, args.cycles, broker.port)
                print(f"| {count} | {first}, {size}, {first_ms:.0f} | {steady} | {median_ms:.1f} | {max_ms:.1f} |")
        finally:
            broker.stop()
    print(
        f"\nImporting the sink (paho-mqtt included) on top of the cycle's modules: {import_ms():.0f} ms (median of 7)."
    )


if __name__ == "__main__":
    main()
