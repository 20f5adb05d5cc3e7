"""What the delivery-backlog alert is given: each configured sink's wait, read from its real queue on disk."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from pvs6sup.settings.load import load_config
from pvs6sup.sinks import deliver
from pvs6sup.sinks.queue import Queue
from pvs6sup.sinks.table import MAX_AGE, Sink

T0 = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def config_with_sinks(tmp_path: Path):
    return load_config(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "PVS_HOST": "http://127.0.0.1:9",
            "WEATHER_PROVIDER": "none",
            "PVOUTPUT_API_KEY": "k" * 40,
            "PVOUTPUT_SYSTEM_ID": "12345",
            "INFLUX_URL": "http://127.0.0.1:9",
            "INFLUX_DATABASE": "solar",
            "PROMETHEUS_TEXTFILE": str(tmp_path / "node-exporter" / "pvs6.prom"),
        },
        tmp_path,
    )


def queue(config, name: str) -> Queue:
    [sink] = [s for s in deliver.configured_sinks(config.sinks) if s.name == name] or [Sink(name, name)]
    return sink.queue(config.data_dir)


def test_only_sinks_with_entries_waiting_are_given_in_send_order_with_their_oldest_entrys_age(tmp_path):
    config = config_with_sinks(tmp_path)
    assert deliver.backlogs(config.sinks, config.data_dir, T0) == []  # nothing ever queued: every sink caught up
    now = T0 + DAY + timedelta(hours=1)
    queue(config, "influx").enqueue(now, {"n": 1})
    for minutes in (0, 5, 10):
        queue(config, "pvoutput").enqueue(T0 + timedelta(minutes=minutes), {"n": minutes})
    queue(config, "prometheus").enqueue(T0, {"n": 0})
    queue(config, "prometheus").confirm(1)  # delivered: nothing waits
    mqtt = Queue(config.data_dir, "mqtt", "MQTT")  # MQTT is off: its old queue is not looked at
    mqtt.enqueue(T0 - DAY, {"n": 0})
    assert deliver.backlogs(config.sinks, config.data_dir, now) == [("PVOutput", 25 * 3600.0), ("InfluxDB", 0.0)]


def test_a_queue_whose_age_limit_dropped_undelivered_entries_counts_the_wait_since_its_last_delivery(tmp_path):
    config = config_with_sinks(tmp_path)
    prometheus = queue(config, "prometheus")  # it keeps a day, less than the alert waits
    prometheus.enqueue(T0, {"n": 0})
    prometheus.confirm(1)  # the last reading delivered was read at T0
    moment = T0
    while moment < T0 + 2 * DAY:
        moment += timedelta(minutes=30)
        prometheus.enqueue(moment, {"n": 1})
        prometheus.trim(moment, MAX_AGE["prometheus"])
    assert prometheus.oldest_pending_age_s(moment) < 24 * 3600  # what the queue itself still holds
    assert deliver.backlogs(config.sinks, config.data_dir, moment) == [("Prometheus", 48 * 3600.0)]


def test_a_queue_that_never_delivered_and_dropped_entries_has_waited_at_least_its_age_limit(tmp_path):
    config = config_with_sinks(tmp_path)
    prometheus = queue(config, "prometheus")
    moment = T0 - timedelta(minutes=5)
    while prometheus.read_state().dropped_at is None:  # a reading every 5 minutes, until the first drop
        moment += timedelta(minutes=5)
        prometheus.enqueue(moment, {"n": 1})
        prometheus.trim(moment, MAX_AGE["prometheus"])
    assert moment == T0 + DAY + timedelta(minutes=5) and prometheus.oldest_pending_age_s(moment) < 24 * 3600
    assert deliver.backlogs(config.sinks, config.data_dir, moment) == [("Prometheus", 24 * 3600.0)]
    later = moment + timedelta(hours=1)
    assert deliver.backlogs(config.sinks, config.data_dir, later) == [("Prometheus", 25 * 3600.0)]
