"""The sink table: every target a member (Google Sheets too), in the order --help names them, each built from its
own settings, and only MQTT carrying the alerts."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

from pvs6sup.settings.config import Config, PvsSettings, WeatherSettings
from pvs6sup.settings.sinks import (
    SINK_NAMES,
    InfluxSettings,
    MqttSettings,
    PrometheusSettings,
    PvoutputSettings,
    SheetsSettings,
    SinkSettings,
)
from pvs6sup.sinks import table

EVERY = SinkSettings(
    SheetsSettings(Path("/keys/k.json"), "s" * 44),
    PvoutputSettings("k" * 40, "12345"),
    InfluxSettings("http://127.0.0.1:8086", database="solar"),
    PrometheusSettings(Path("/var/lib/prometheus/pvs6.prom")),
    MqttSettings("127.0.0.1"),
)


def test_the_table_sends_in_the_order_the_command_line_names_the_sinks():
    assert tuple(row.name for row in table.TABLE) == SINK_NAMES
    assert [sink.name for sink in table.configured(EVERY)] == list(SINK_NAMES)


def test_each_sink_is_built_from_its_own_settings_and_only_mqtt_waits_for_the_alerts():
    sinks = {sink.name: sink for sink in table.configured(EVERY)}
    assert isinstance(sinks["sheets"], table.SheetsSink) and sinks["sheets"].settings is EVERY.sheets
    modules = {name: sink for name, sink in sinks.items() if isinstance(sink, table.ModuleSink)}
    assert set(modules) == {"pvoutput", "influx", "prometheus", "mqtt"}
    assert all(sink.settings is getattr(EVERY, name) for name, sink in modules.items())
    assert [name for name, sink in sinks.items() if sink.after_alerts] == ["mqtt"]
    assert [name for name, sink in sinks.items() if sink.staged] == ["pvoutput", "influx", "prometheus", "mqtt"]
    assert {name: sink.deadline_s for name, sink in modules.items()}["mqtt"] == 10.0


def test_a_sink_that_is_off_is_not_built():
    only_mqtt = SinkSettings(mqtt=MqttSettings("127.0.0.1"))
    assert [sink.name for sink in table.configured(only_mqtt)] == ["mqtt"]
    assert table.configured(SinkSettings()) == [] and not SinkSettings().any and only_mqtt.any


def test_the_whole_config_holds_the_sinks_as_one_section():
    pvs, weather = PvsSettings("h", "http://h", 5.0), WeatherSettings("none", None, 5.0, None, None)
    config = Config(Path("/data"), timezone.utc, "home", pvs, weather, sinks=EVERY)
    assert config.sinks.mqtt is EVERY.mqtt
    assert "s" * 44 in repr(config.sinks.sheets) and "k" * 40 not in repr(config)  # PVOutput's key is hidden
