"""The delivery targets' settings (PVOutput, InfluxDB, Prometheus, MQTT) read by the table, checked together.

Every sink's settings are read even while it is off, so a mistake is reported at once; a sink's module (with its
HTTP or MQTT client) is imported only when it is on, so that it is no part of every cron run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pvs6sup.settings_table import Reader

if TYPE_CHECKING:
    from pvs6sup.sinks import influx, mqtt, prometheus, pvoutput


# (config attribute = module and queue name, title): the order they are sent in; MQTT last, after the alerts.
# Here, beside their settings, so that --help can name them without importing the delivery code.
SHEETS_TITLE = "Google Sheets"
MODULES = (("pvoutput", "PVOutput"), ("influx", "InfluxDB"), ("prometheus", "Prometheus"), ("mqtt", "MQTT"))
TARGETS_TEXT = ", ".join((SHEETS_TITLE, *(title for _, title in MODULES))).replace("MQTT", "MQTT/Home Assistant")

Sinks = tuple[
    "pvoutput.Settings | None", "influx.Settings | None", "prometheus.Settings | None", "mqtt.Settings | None"
]


def build_sinks(r: Reader, site_name: str, place: tuple[float | None, float | None], script_dir: Path) -> Sinks:
    """Read every sink's settings; build those that are on: (pvoutput, influx, prometheus, mqtt), None when off."""
    return _pvoutput(r, *place), _influx(r), _prometheus(r), _mqtt(r, site_name, script_dir)


def _pvoutput(r: Reader, latitude: float | None, longitude: float | None) -> pvoutput.Settings | None:
    key, system_id = r.text("PVOUTPUT_API_KEY"), r.text("PVOUTPUT_SYSTEM_ID")
    url, donation, interval = r.url("PVOUTPUT_URL"), r.flag("PVOUTPUT_DONATION"), r.choice("PVOUTPUT_INTERVAL_MIN")
    if system_id is not None and not system_id.isdigit():
        r.problem("PVOUTPUT_SYSTEM_ID", f"expected the System Id's digits (on pvoutput.org), got {system_id!r}")
    if (key is None) != (system_id is None):
        missing = "PVOUTPUT_SYSTEM_ID" if key else "PVOUTPUT_API_KEY"
        r.problem(missing, "required for PVOutput (set both PVOUTPUT_API_KEY and PVOUTPUT_SYSTEM_ID, or neither)")
    if key is None or system_id is None or url is None:
        return None
    from pvs6sup.sinks import pvoutput

    return pvoutput.Settings(
        api_key=key,
        system_id=system_id,
        url=url.rstrip("/"),
        donation=donation,
        interval_min=int(interval),
        latitude=latitude,
        longitude=longitude,
    )


def _influx(r: Reader) -> influx.Settings | None:
    url, token, org = r.url("INFLUX_URL"), r.text("INFLUX_TOKEN"), r.text("INFLUX_ORG")
    bucket, database = r.text("INFLUX_BUCKET"), r.text("INFLUX_DATABASE")
    username, password = r.text("INFLUX_USERNAME"), r.text("INFLUX_PASSWORD")
    if url is None:
        return None
    if bucket is not None:
        for name, value in (("INFLUX_TOKEN", token), ("INFLUX_ORG", org)):
            if value is None:
                r.problem(name, "required with INFLUX_BUCKET (InfluxDB 2.x, Cloud, 3.x)")
    elif database is None:
        r.problem("INFLUX_DATABASE", "required with INFLUX_URL: set INFLUX_DATABASE (1.x) or INFLUX_BUCKET (2.x/3.x)")
    if username is not None and password is None:
        r.problem("INFLUX_PASSWORD", "required with INFLUX_USERNAME")
    from pvs6sup.sinks import influx

    return influx.Settings(url.rstrip("/"), token, org, bucket, database, username, password)


def _prometheus(r: Reader) -> prometheus.Settings | None:
    textfile = r.path("PROMETHEUS_TEXTFILE", Path("/"))
    if textfile is None:
        return None
    if textfile.suffix != ".prom" or not textfile.is_absolute():
        r.problem("PROMETHEUS_TEXTFILE", f"expected a path ending .prom (node_exporter reads only those), got "
                  f"'{textfile}'")
        return None
    from pvs6sup.sinks import prometheus

    return prometheus.Settings(textfile)


def _mqtt(r: Reader, site_name: str, script_dir: Path) -> mqtt.Settings | None:
    host, tls, ca_file = r.text("MQTT_HOST"), r.flag("MQTT_TLS"), r.path("MQTT_CA_FILE", script_dir)
    port = r.whole("MQTT_PORT") or (8883 if tls else 1883)
    r.default("MQTT_PORT", port)
    user, password = r.text("MQTT_USER"), r.text("MQTT_PASSWORD")
    prefix, discovery_prefix = r.text("MQTT_TOPIC_PREFIX"), r.text("MQTT_DISCOVERY_PREFIX")
    discovery = r.flag("MQTT_DISCOVERY")
    if host is None:
        return None
    from pvs6sup.sinks import mqtt

    prefix = prefix or mqtt.default_topic_prefix(site_name)
    r.default("MQTT_TOPIC_PREFIX", prefix)
    assert discovery_prefix is not None  # it has a default
    for name, value in (("MQTT_TOPIC_PREFIX", prefix), ("MQTT_DISCOVERY_PREFIX", discovery_prefix)):
        problem = mqtt.topic_prefix_problem(name, value)
        if problem is not None:
            r.problems.append(problem)
    if ca_file is not None and not tls:
        r.problem("MQTT_CA_FILE", "used only with MQTT_TLS=1 (set it, or empty MQTT_CA_FILE)")
    return mqtt.Settings(host, port, user, password, tls, ca_file, prefix, discovery_prefix, discovery)
