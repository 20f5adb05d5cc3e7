"""The settings table is the one list: config reads by it, config.example.env and README agree with it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pvs6sup.core.secrets import every_form
from pvs6sup.errors import ConfigError
from pvs6sup.settings.docs import README_END, README_START, example_env, readme_tables
from pvs6sup.settings.load import load_config, unknown_setting_warnings
from pvs6sup.settings.table import BY_NAME, GROUPS, SECRET_NAMES, SETTINGS
from tests.support.harness import ROOT

SCRIPT_DIR = Path("/opt/pvs6")
BASE = {"WEATHER_PROVIDER": "none"}
ALL_SINKS = {
    "PVOUTPUT_API_KEY": "pvo-key-0123456789",
    "PVOUTPUT_SYSTEM_ID": "12345",
    "INFLUX_URL": "http://127.0.0.1:8086/",
    "INFLUX_TOKEN": "influx-token-0042",
    "INFLUX_ORG": "home",
    "INFLUX_BUCKET": "solar",
    "INFLUX_USERNAME": "pvs6",
    "INFLUX_PASSWORD": "influx-pw-0042",
    "PROMETHEUS_TEXTFILE": "/var/lib/prometheus/node-exporter/pvs6.prom",
    "MQTT_HOST": "127.0.0.1",
    "MQTT_USER": "pvs6",
    "MQTT_PASSWORD": "mqtt-pw-0042",
}


def problems(values: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config({**BASE, **values}, SCRIPT_DIR)
    return caught.value.problems


def test_config_example_env_is_rendered_from_the_table():
    assert (ROOT / "config.example.env").read_text() == example_env()
    assigned = re.findall(r"^([A-Z0-9_]+)=(.*)$", (ROOT / "config.example.env").read_text(), re.M)
    assert assigned == [(s.name, s.default) for s in SETTINGS]  # every setting once, with its default, nothing else


def test_readme_lists_every_setting_once_and_nothing_else():
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(README_START) : readme.index(README_END) + len(README_END)]
    assert block == readme_tables()
    assert re.findall(r"^\| `([A-Z0-9_]+)` \|", block, re.M) == [s.name for s in SETTINGS]


def test_the_docs_checker_agrees():
    result = subprocess.run([sys.executable, "-m", "pvs6sup.settings.docs"], cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")


def test_every_setting_has_a_group_help_and_a_sound_spec():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for setting in SETTINGS:
        assert setting.group in {g.name for g in GROUPS} and setting.help.strip(), setting.name
        if setting.kind in ("whole", "number"):
            assert setting.low is not None and setting.high is not None, setting.name
        if setting.kind == "choice":
            assert setting.default in setting.choices, setting.name
    for group in GROUPS:
        assert all(name in BY_NAME for name in group.enabled_by)


class Recorder(dict):
    def __init__(self, values):
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


@pytest.mark.parametrize("values", [BASE, {**BASE, **ALL_SINKS, "MQTT_TLS": "1"}])
def test_load_config_reads_every_setting_of_the_table_and_no_other(values):
    recorder = Recorder(values)
    load_config(recorder, SCRIPT_DIR)
    assert recorder.asked == set(BY_NAME)


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("RAW_RETENTION_DAYS", "1.5", "RAW_RETENTION_DAYS: expected a whole number of days from 0 to 36500, got '1.5'"),
        ("SUMMARY_HOUR", "24", "SUMMARY_HOUR: expected a whole number from 0 to 23, got '24'"),
        ("REPORT_EVERY_MIN", "-5", "REPORT_EVERY_MIN: expected a whole number of minutes from 0 to 10080, got '-5'"),
        ("SMTP_PORT", "58.7", "SMTP_PORT: expected a whole number from 1 to 65535, got '58.7'"),
        ("PVS_TIMEOUT", "nan", "PVS_TIMEOUT: expected a number of seconds from 1 to 900, got 'nan'"),
        ("MQTT_TLS", "yes", "MQTT_TLS: expected 0 or 1, got 'yes'"),
        ("SUMMARY_EMAIL", "monthly", "SUMMARY_EMAIL: expected one of off, daily, weekly, got 'monthly'"),
        ("PVOUTPUT_INTERVAL_MIN", "7", "PVOUTPUT_INTERVAL_MIN: expected one of 5, 10, 15, got '7'"),
        ("PVOUTPUT_URL", "pvoutput.org", "PVOUTPUT_URL: expected an http(s):// URL, got 'pvoutput.org'"),
        ("INVERTER_LAYOUT", "A1,A2;;B1", "INVERTER_LAYOUT: an empty group; expected e.g."),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting_and_what_is_allowed(name, value, says):
    found = problems({name: value})
    assert len(found) == 1 and found[0].startswith(says), found


def test_whole_numbers_are_whole():
    assert load_config({**BASE, "RAW_RETENTION_DAYS": "30"}, SCRIPT_DIR).raw_retention_days == 30


def test_every_problem_is_reported_at_once_across_groups_in_table_order():
    found = problems(
        {
            "RAW_RETENTION_DAYS": "1.5",
            "PVOUTPUT_API_KEY": "key",
            "INFLUX_URL": "http://127.0.0.1:8086",
            "PROMETHEUS_TEXTFILE": "/tmp/pvs6.txt",
            "MQTT_HOST": "broker",
            "MQTT_TOPIC_PREFIX": "pvs6/#",
            "SUMMARY_EMAIL": "daily",
        }
    )
    names = [re.split(r"[: ]", line, maxsplit=1)[0] for line in found]
    assert names == [
        "RAW_RETENTION_DAYS",
        "PVOUTPUT_SYSTEM_ID",
        "INFLUX_DATABASE",
        "PROMETHEUS_TEXTFILE",
        "MQTT_TOPIC_PREFIX",
        "SUMMARY_EMAIL",
    ]
    assert all("\n" not in line for line in found)


def test_sinks_are_off_by_default_and_built_with_their_settings_when_on():
    config = load_config({**BASE, "SITE_NAME": "Home Roof", "LATITUDE": "37.4", "LONGITUDE": "-122"}, SCRIPT_DIR)
    sinks = config.sinks
    assert (sinks.sheets, sinks.pvoutput, sinks.influx, sinks.prometheus, sinks.mqtt) == (None, None, None, None, None)
    assert (config.site_name, config.report.every_min, config.report.summary_email, config.report.summary_hour) == (
        "Home Roof",
        60,
        "off",
        7,
    )
    sinks = load_config({**BASE, **ALL_SINKS, "SITE_NAME": "Home Roof", "LATITUDE": "37.4"}, SCRIPT_DIR).sinks
    assert sinks.pvoutput is not None and sinks.influx is not None and sinks.mqtt is not None
    assert (sinks.pvoutput.system_id, sinks.pvoutput.url, sinks.pvoutput.interval_min) == (
        "12345",
        "https://pvoutput.org",
        5,
    )
    assert sinks.pvoutput.latitude == 37.4 and sinks.pvoutput.donation is False
    assert (sinks.influx.url, sinks.influx.bucket, sinks.influx.v2) == ("http://127.0.0.1:8086", "solar", True)
    assert sinks.prometheus is not None and sinks.prometheus.textfile == Path(ALL_SINKS["PROMETHEUS_TEXTFILE"])
    assert (sinks.mqtt.port, sinks.mqtt.topic_prefix, sinks.mqtt.discovery) == (1883, "pvs6/home_roof", True)


def test_mqtt_over_tls_defaults_to_8883_and_a_relative_ca_file_is_beside_the_script():
    mqtt = load_config({**BASE, "MQTT_HOST": "b", "MQTT_TLS": "1", "MQTT_CA_FILE": "ca.pem"}, SCRIPT_DIR).sinks.mqtt
    assert mqtt is not None and (mqtt.port, mqtt.ca_file) == (8883, SCRIPT_DIR / "ca.pem")


def test_influx_v2_needs_token_and_org():
    assert [p.split(":")[0] for p in problems({"INFLUX_URL": "http://i:8086", "INFLUX_BUCKET": "b"})] == [
        "INFLUX_TOKEN",
        "INFLUX_ORG",
    ]


def test_inverter_layout_is_parsed_like_inverter_groups():
    config = load_config({**BASE, "INVERTER_LAYOUT": "00001, 00002;00003"}, SCRIPT_DIR)
    assert config.report.inverter_layout == (("00001", "00002"), ("00003",))


def test_secret_values_come_from_the_table_and_none_is_in_repr():
    secrets = {
        **ALL_SINKS,
        "PVS_SERIAL": "ZT000000000000000X0042",
        "PVS_PASSWORD": "pvs-pw-0042",
        "OPENWEATHERMAP_API_KEY": "owm-key-0042",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_USER": "me@example.com",
        "SMTP_PASSWORD": "smtp-pw-0042",
        "ALERT_EMAIL_TO": "you@example.com",
        "HEALTHCHECK_URL": "https://hc-ping.com/0000-0042",
        "NOTIFY_URLS": "ntfy://ntfy.sh/topic-0042 json://127.0.0.1:9/hook-0042",
    }
    config = load_config({**BASE, **secrets}, SCRIPT_DIR)
    each_url = {"ntfy://ntfy.sh/topic-0042", "topic-0042", "json://127.0.0.1:9/hook-0042", "hook-0042"}
    expected = {secrets[name] for name in SECRET_NAMES} | {"X0042"} | each_url
    assert expected <= set(config.secret_values())
    # and each in every form the program sends it in (percent-encoded, base64, the basic-auth header)
    assert set(config.secret_values()) == set(every_form(sorted(expected), {**BASE, **secrets}))
    assert set(SECRET_NAMES) >= {
        "HEALTHCHECK_URL",
        "PVOUTPUT_API_KEY",
        "INFLUX_TOKEN",
        "INFLUX_PASSWORD",
        "MQTT_PASSWORD",
        "SMTP_PASSWORD",
        "PVS_SERIAL",
        "PVS_PASSWORD",
        "OPENWEATHERMAP_API_KEY",
    }
    for secret in expected:
        assert secret not in repr(config), secret


def test_an_unknown_name_suggests_the_closest_setting_of_the_table(tmp_path: Path):
    warnings = unknown_setting_warnings({"MQTT_HOTS": "x", "INFLUX_BUKET": "x", "SITE_NAME": "x"}, tmp_path / ".env")
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "MQTT_HOTS is not a setting: did you mean MQTT_HOST?",
        "INFLUX_BUKET is not a setting: did you mean INFLUX_BUCKET?",
    ]


def test_importing_config_loads_no_sink_module_and_no_client_library():
    code = (
        "import sys, pvs6sup.settings.load\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pvs6sup.sinks.', 'paho', 'requests'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
