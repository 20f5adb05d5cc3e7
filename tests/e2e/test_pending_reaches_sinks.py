"""Record first, for the readings kept while no clock was right: once a clock is right they are recorded in
readings.csv and handed to the sink modules as every reading is, so each sink ends up with every CSV reading."""

from __future__ import annotations

from datetime import timedelta

from pvs6sup.core.rows import parse_timestamp
from pvs6sup.sinks.queue import Queue
from pvs6sup.store import csvquery
from tests.support.harness import Harness


def test_readings_kept_for_a_wrong_clock_reach_the_sinks_queues_once_recorded(harness: Harness, simulated, tmp_path):
    harness.env["PROMETHEUS_TEXTFILE"] = str(tmp_path / "no-such-folder" / "pvs6.prom")  # it keeps its queue
    for _ in range(2):  # the record so far: a clock behind it cannot be right
        assert harness.run().code == 0
        harness.clock.advance(minutes=5)
    real = harness.clock.now
    for minutes in (0, 5):  # the Pi booted 3 days behind; the PVS lost 2 days too: both answers are kept
        harness.clock.now = real + timedelta(minutes=minutes) - timedelta(days=3)
        simulated.clock = lambda m=minutes: real + timedelta(minutes=m) - timedelta(days=2)
        assert harness.run().code == 5
    harness.clock.now = real + timedelta(minutes=10)  # NTP is back; the PVS is still 2 days behind
    simulated.clock = lambda: real + timedelta(minutes=10) - timedelta(days=2)
    recovered = harness.run()
    assert "recorded 2 reading(s) kept while no clock was right" in recovered.stderr

    rows = csvquery.rows_between(harness.data_dir, real - timedelta(days=9), real + timedelta(days=1))
    recorded = {parse_timestamp(row["timestamp"]) for row in rows}
    queued = {entry.fetched_at for entry in Queue(harness.data_dir, "prometheus", "Prometheus").pending()}
    assert len(recorded) == 5
    assert queued == recorded  # the two kept readings among them: none left out of a sink
