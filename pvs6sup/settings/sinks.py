"""The delivery targets' settings (Google Sheets, PVOutput, InfluxDB, Prometheus, MQTT): one frozen record a
sink, read by the table and checked together.

Every sink's settings are read even while it is off, so a mistake is reported at once; a sink's module (with its
HTTP or MQTT client) is imported only when it is on (sinks/table.py), so that it is no part of every cron run.
Secrets are kept out of repr().
"""

from __future__ import annotations

import re
from pathlib import Path

from pvs6sup.core.records import FrozenRecord
from pvs6sup.settings.reader import Reader
from pvs6sup.settings.table_site import DEFAULT_WORKSHEET

# (name = queue name, title): the order they are sent in; MQTT last, after the alerts.
# Here, beside their settings, so that --help can name them without importing the delivery code.
SHEETS = "sheets"
SHEETS_TITLE = "Google Sheets"
MODULES = (("pvoutput", "PVOutput"), ("influx", "InfluxDB"), ("prometheus", "Prometheus"), ("mqtt", "MQTT"))
SINK_NAMES = (SHEETS, *(name for name, _ in MODULES))
TARGETS_TEXT = ", ".join((SHEETS_TITLE, *(title for _, title in MODULES))).replace("MQTT", "MQTT/Home Assistant")
OUTBOX_DIR = "outbox"  # DATA_DIR/outbox/<name>/: each sink's queue (and each phone channel's, notify/outbox.py)
QUEUE_FILE = "queue.jsonl"
_TOPIC_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _shown(record: FrozenRecord, hidden: tuple[str, ...]) -> str:
    shown = ", ".join(f"{n}={getattr(record, n)!r}" for n in record.__slots__ if n not in hidden)
    return f"{record.__class__.__name__}({shown})"


class SheetsSettings(FrozenRecord):
    """Google Sheets: the service account's key file, the spreadsheet and the worksheet's name."""

    service_account_file: Path
    sheet_id: str
    worksheet: str = DEFAULT_WORKSHEET


class PvoutputSettings(FrozenRecord):
    """PVOutput: the key and system, the service, the account's limits, and the site's place (for the night)."""

    api_key: str
    system_id: str
    url: str = "https://pvoutput.org"
    donation: bool = False
    interval_min: int = 5
    latitude: float | None = None  # for the night rule; without them, night is "production is not above 0"
    longitude: float | None = None

    def __repr__(self) -> str:
        return _shown(self, ("api_key",))


class InfluxSettings(FrozenRecord):
    """InfluxDB: 2.x/Cloud/3.x (token, org, bucket) or 1.x (database, user)."""

    url: str
    token: str | None = None
    org: str | None = None
    bucket: str | None = None  # set: the /api/v2/write endpoint
    database: str | None = None  # else: the 1.x /write endpoint
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return _shown(self, ("token", "password"))

    @property
    def v2(self) -> bool:
        return self.bucket is not None


class PrometheusSettings(FrozenRecord):
    """Prometheus: the .prom file node_exporter reads."""

    textfile: Path  # e.g. /var/lib/prometheus/node-exporter/pvs6.prom


class MqttSettings(FrozenRecord):
    """MQTT and Home Assistant: the broker, its account and TLS, and the topics."""

    host: str
    port: int = 1883  # 8883 with TLS
    user: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: Path | None = None  # None with TLS: the system's CAs
    topic_prefix: str = "pvs6/site"
    discovery_prefix: str = "homeassistant"
    discovery: bool = True

    def __repr__(self) -> str:
        return _shown(self, ("password",))


class SinkSettings(FrozenRecord):
    """Every delivery target's settings, None when it is off."""

    sheets: SheetsSettings | None = None
    pvoutput: PvoutputSettings | None = None
    influx: InfluxSettings | None = None
    prometheus: PrometheusSettings | None = None
    mqtt: MqttSettings | None = None

    @property
    def any(self) -> bool:
        """Whether anything is delivered: the cycle imports delivery only then."""
        return any(getattr(self, name) is not None for name in self.__slots__)


def default_topic_prefix(site_name: str) -> str:
    """MQTT_TOPIC_PREFIX when unset: pvs6/<SITE_NAME>, the name reduced to characters safe in a topic."""
    return "pvs6/" + (_TOPIC_UNSAFE.sub("_", site_name).strip("_").lower() or "site")


def topic_prefix_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be the MQTT topic prefix setting `name`, or None."""
    if not value or value.startswith("/") or value.endswith("/") or "//" in value:
        return f"{name} must be topic levels separated by single '/', e.g. pvs6/home (got {value!r})"
    if any(char in value for char in "+#\0"):
        return f"{name} cannot contain '+', '#' or NUL: they are MQTT wildcards (got {value!r})"
    return None


def build_sinks(
    r: Reader, site_name: str, place: tuple[float | None, float | None], script_dir: Path, sheets: SheetsSettings | None
) -> SinkSettings:
    """Read every sink's settings (Sheets' are read by the caller); build those that are on, None when off."""
    return SinkSettings(sheets, _pvoutput(r, *place), _influx(r), _prometheus(r), _mqtt(r, site_name, script_dir))


def _pvoutput(r: Reader, latitude: float | None, longitude: float | None) -> PvoutputSettings | None:
    key, system_id = r.text("PVOUTPUT_API_KEY"), r.text("PVOUTPUT_SYSTEM_ID")
    url, donation, interval = r.url("PVOUTPUT_URL"), r.flag("PVOUTPUT_DONATION"), r.choice("PVOUTPUT_INTERVAL_MIN")
    if system_id is not None and not system_id.isdigit():
        r.problem("PVOUTPUT_SYSTEM_ID", f"expected the System Id's digits (on pvoutput.org), got {system_id!r}")
    if (key is None) != (system_id is None):
        missing = "PVOUTPUT_SYSTEM_ID" if key else "PVOUTPUT_API_KEY"
        r.problem(missing, "required for PVOutput (set both PVOUTPUT_API_KEY and PVOUTPUT_SYSTEM_ID, or neither)")
    if key is None or system_id is None or url is None:
        return None
    return PvoutputSettings(
        api_key=key,
        system_id=system_id,
        url=url.rstrip("/"),
        donation=donation,
        interval_min=int(interval),
        latitude=latitude,
        longitude=longitude,
    )


def _influx(r: Reader) -> InfluxSettings | None:
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
    return InfluxSettings(url.rstrip("/"), token, org, bucket, database, username, password)


def _prometheus(r: Reader) -> PrometheusSettings | None:
    textfile = r.path("PROMETHEUS_TEXTFILE", Path("/"))
    if textfile is None:
        return None
    if textfile.suffix != ".prom" or not textfile.is_absolute():
        r.problem(
            "PROMETHEUS_TEXTFILE", f"expected a path ending .prom (node_exporter reads only those), got '{textfile}'"
        )
        return None
    return PrometheusSettings(textfile)


def _mqtt(r: Reader, site_name: str, script_dir: Path) -> MqttSettings | None:
    host, tls, ca_file = r.text("MQTT_HOST"), r.flag("MQTT_TLS"), r.path("MQTT_CA_FILE", script_dir)
    port = r.whole("MQTT_PORT") or (8883 if tls else 1883)
    r.default("MQTT_PORT", port)
    user, password = r.text("MQTT_USER"), r.text("MQTT_PASSWORD")
    prefix, discovery_prefix = r.text("MQTT_TOPIC_PREFIX"), r.text("MQTT_DISCOVERY_PREFIX")
    discovery = r.flag("MQTT_DISCOVERY")
    if host is None:
        return None
    prefix = prefix or default_topic_prefix(site_name)
    r.default("MQTT_TOPIC_PREFIX", prefix)
    assert discovery_prefix is not None  # it has a default
    for name, value in (("MQTT_TOPIC_PREFIX", prefix), ("MQTT_DISCOVERY_PREFIX", discovery_prefix)):
        problem = topic_prefix_problem(name, value)
        if problem is not None:
            r.problems.append(problem)
    if ca_file is not None and not tls:
        r.problem("MQTT_CA_FILE", "used only with MQTT_TLS=1 (set it, or empty MQTT_CA_FILE)")
    return MqttSettings(host, port, user, password, tls, ca_file, prefix, discovery_prefix, discovery)
