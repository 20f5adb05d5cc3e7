"""The one table of settings: name, type, default, group, help and secrecy of each.

settings/reader.py's Reader reads and checks the settings by this table, collecting every problem
(settings/load.py); config.example.env and README's settings tables are rendered from it (settings/docs.py),
and a test fails when they disagree.
"""

from __future__ import annotations

from pvs6sup.core.gateway import FIRMWARE_CHOICES

# Kinds: text, whole (a whole number in low..high), number (low..high), choice, flag (0|1), path, url,
# zone (IANA time zone), list (comma-separated), rows (';' between rows, ',' between members).
KIND_TEXT = {
    "text": "text",
    "whole": "a whole number",
    "number": "a number",
    "choice": "one of",
    "flag": "0 or 1",
    "path": "a file path",
    "url": "an http(s):// URL",
    "zone": "an IANA time zone",
    "list": "a comma-separated list",
    "rows": "groups split by ';', members by ','",
}


class Setting:
    """One setting. (A plain class: there are 59 of them, and a dataclass would cost every cron run its
    class-building and the dataclasses import.)"""

    __slots__ = (
        "choices",
        "default",
        "group",
        "help",
        "high",
        "kind",
        "low",
        "name",
        "secret",
        "shown_default",
        "unit",
    )

    def __init__(
        self,
        name: str,
        kind: str,
        default: str,  # as written in config.example.env; "" = none (see shown_default)
        group: str,
        help: str,  # one or two lines: README's "what" and the comment in config.example.env
        *,
        low: float | None = None,
        high: float | None = None,
        choices: tuple[str, ...] = (),
        shown_default: str = "",  # README's default when it is not a literal value ("the host name", ...)
        secret: bool = False,  # masked in every log, shown only as "set"
        unit: str = "",  # of a number: "seconds", "minutes", "days", "decimal degrees"
    ) -> None:
        self.name, self.kind, self.default, self.group, self.help = name, kind, default, group, help
        self.low, self.high, self.choices, self.unit = low, high, choices, unit
        self.shown_default, self.secret = shown_default, secret

    def __repr__(self) -> str:
        return f"Setting({self.name!r}, {self.kind!r}, {self.default!r})"


class Group:
    """A group of settings: a section of config.example.env and a table in README."""

    __slots__ = ("enabled_by", "intro", "name")

    def __init__(self, name: str, intro: str, enabled_by: tuple[str, ...] = ()) -> None:
        self.name = name
        self.intro = intro  # the comment above the group in config.example.env, the text above its README table
        self.enabled_by = enabled_by  # off while all of these are unset (check prints "off")


DEFAULT_WORKSHEET = "Readings"  # GOOGLE_WORKSHEET's default (settings/sinks.py's SheetsSettings too)

GROUPS = (
    Group("PVS", "The PVS gateway."),
    Group("Storage", "Where things are kept: the raw archive, the CSVs, logs and the lock."),
    Group("Site and weather", "Where and what the site is; cloud cover for each reading."),
    Group(
        "Google Sheets",
        'Off unless both the key file and the sheet are set. See README, "Google Sheets".',
        ("GOOGLE_SERVICE_ACCOUNT_FILE", "GOOGLE_SHEET_ID"),
    ),
    Group("Alerts", 'See README, "Alerts".'),
    Group(
        "Email alerts",
        "Off unless SMTP_HOST and ALERT_EMAIL_TO are both set. Gmail: smtp.gmail.com, 587, starttls, SMTP_USER = your "
        "address, SMTP_PASSWORD = an App Password.",
        ("SMTP_HOST", "ALERT_EMAIL_TO"),
    ),
    Group(
        "Phone notifications",
        "Off while NOTIFY_URLS is empty. Every alert also goes to each Apprise URL (ntfy, Telegram, Pushover, "
        'Discord, Gotify, Home Assistant, webhooks ...). See README, "Phone notifications".',
        ("NOTIFY_URLS",),
    ),
    Group(
        "Watchdog",
        "Recommended: the only thing that notices a dead cron, a dead Pi or a full SD card.",
        ("HEALTHCHECK_URL",),
    ),
    Group("PVOutput", "Off unless the key and the system id are both set.", ("PVOUTPUT_API_KEY", "PVOUTPUT_SYSTEM_ID")),
    Group(
        "InfluxDB",
        "Off while INFLUX_URL is empty. 2.x/Cloud/3.x: token, org and bucket; 1.x: database.",
        ("INFLUX_URL",),
    ),
    Group("Prometheus", "Off while PROMETHEUS_TEXTFILE is empty.", ("PROMETHEUS_TEXTFILE",)),
    Group("MQTT and Home Assistant", "Off while MQTT_HOST is empty.", ("MQTT_HOST",)),
    Group("Report and summary", "The HTML report in DATA_DIR/report/ and the summary email."),
)


SETTINGS = (
    # --- PVS
    Setting(
        "PVS_HOST",
        "text",
        "172.27.153.1",
        "PVS",
        "A bare host or IP (http; https on 2025+ firmware), host:port, or http(s)://host[:port] to choose "
        "the scheme (no path). "
        "The PVS6 LAN1 port always answers at 172.27.153.1.",
    ),
    Setting(
        "PVS_TIMEOUT",
        "number",
        "120",
        "PVS",
        "Seconds to wait for the whole answer; DeviceList can take over a minute, so keep it generous.",
        low=1,
        high=900,
        unit="seconds",
    ),
    Setting(
        "CONSUMPTION_METER_MODE",
        "choice",
        "auto",
        "PVS",
        "How the consumption CTs are installed: auto reads the meter's subtype; net (load-side) or gross "
        "(line-side) only if `status` shows consumption as unknown.",
        choices=("auto", "net", "gross"),
    ),
    Setting(
        "PVS_FIRMWARE",
        "choice",
        "auto",
        "PVS",
        "auto reads the firmware build once a day; legacy (DeviceList, before mid-2025) or varserver "
        "(PVS6 61840+, PVS5 5408+) to force it.",
        choices=FIRMWARE_CHOICES,
    ),
    Setting(
        "PVS_SERIAL",
        "text",
        "",
        "PVS",
        "2025+ firmware: the PVS serial (ZT...), whose last 5 characters are the password; read from the PVS "
        "when empty.",
        secret=True,
    ),
    Setting(
        "PVS_PASSWORD",
        "text",
        "",
        "PVS",
        "2025+ firmware: the password itself, if it is not the serial's last 5 characters.",
        secret=True,
    ),
    # --- Storage
    Setting(
        "DATA_DIR",
        "path",
        "data",
        "Storage",
        "Archive, CSVs, logs and lock; a relative path is taken from the folder of pvs6_supervisor.py.",
    ),
    Setting(
        "RAW_RETENTION_DAYS",
        "whole",
        "400",
        "Storage",
        "Days of raw PVS answers to keep under DATA_DIR/raw (about 0.4 MB a day for 20 inverters); 0 keeps all.",
        low=0,
        high=36500,
        unit="days",
    ),
    Setting(
        "MAX_CLOCK_SKEW",
        "number",
        "10",
        "Storage",
        "Minutes the PVS's clock may differ from the system's before a daily warning; 0 turns it off. "
        'No reading is dropped for a clock (README, "When the clock is wrong").',
        low=0,
        high=1440,
        unit="minutes",
    ),
    # --- Site and weather
    Setting(
        "SITE_NAME",
        "text",
        "",
        "Site and weather",
        "The site's name: tags every delivery target (InfluxDB, Prometheus, MQTT) and the report.",
        shown_default="the host name",
    ),
    Setting(
        "LATITUDE",
        "number",
        "",
        "Site and weather",
        "Decimal degrees of the panels, north positive; needed for cloud cover and PVOutput's night.",
        low=-90,
        high=90,
        unit="decimal degrees",
    ),
    Setting(
        "LONGITUDE",
        "number",
        "",
        "Site and weather",
        "Decimal degrees of the panels, east positive, west negative (California: -122.08); "
        "a sign that disagrees with TIMEZONE is refused.",
        low=-180,
        high=180,
        unit="decimal degrees",
    ),
    Setting(
        "TIMEZONE",
        "zone",
        "",
        "Site and weather",
        "IANA time zone for timestamps and days, e.g. America/Los_Angeles; unset, the system's named zone "
        "(/etc/timezone, /etc/localtime), which follows daylight saving time.",
        shown_default="the system's",
    ),
    Setting(
        "WEATHER_PROVIDER",
        "choice",
        "open-meteo",
        "Site and weather",
        "open-meteo (free, no key), openweathermap (needs OPENWEATHERMAP_API_KEY) or none.",
        choices=("open-meteo", "openweathermap", "none"),
    ),
    Setting("OPENWEATHERMAP_API_KEY", "text", "", "Site and weather", "Needed for openweathermap.", secret=True),
    Setting(
        "WEATHER_TIMEOUT",
        "number",
        "10",
        "Site and weather",
        "Seconds to wait for the weather service; a failure only leaves the cloud cover blank.",
        low=1,
        high=120,
        unit="seconds",
    ),
    # --- Google Sheets
    Setting(
        "GOOGLE_SERVICE_ACCOUNT_FILE",
        "path",
        "",
        "Google Sheets",
        "The service account's JSON key (chmod 600 it); relative to the folder of pvs6_supervisor.py.",
    ),
    Setting(
        "GOOGLE_SHEET_ID",
        "text",
        "",
        "Google Sheets",
        "The spreadsheet's ID or whole URL; share it with the key's client_email as Editor.",
    ),
    Setting(
        "GOOGLE_WORKSHEET",
        "text",
        DEFAULT_WORKSHEET,
        "Google Sheets",
        'Tab name; the year is added ("Readings 2026"). At most 90 characters.',
    ),
    # --- Alerts
    Setting(
        "INVERTER_GROUPS",
        "rows",
        "",
        "Alerts",
        "Optional: which inverters share a roof face, when you know better than what the alerts learn. Each "
        "is then compared with its group. Serials or their endings, e.g. 1392,1393,1400;2001,2002.",
        shown_default="learned from the readings",
    ),
    Setting(
        "ELECTRICITY_PRICE",
        "number",
        "",
        "Alerts",
        "Optional: what a kWh costs you, in your currency (e.g. 0.30); alerts and the report then also give "
        "the energy an incident lost in money, per day and per year.",
        low=0,
        high=1000,
        shown_default="energy lost in kWh only",
    ),
    # --- Email alerts
    Setting("SMTP_HOST", "text", "", "Email alerts", "The mail server."),
    Setting(
        "SMTP_PORT",
        "whole",
        "",
        "Email alerts",
        "The mail server's port.",
        low=1,
        high=65535,
        shown_default="587 / 465 / 25 by SMTP_SECURITY",
    ),
    Setting(
        "SMTP_SECURITY",
        "choice",
        "starttls",
        "Email alerts",
        "starttls (587), ssl (implicit TLS, 465) or none (a relay on your own network, without SMTP_USER).",
        choices=("starttls", "ssl", "none"),
    ),
    Setting("SMTP_USER", "text", "", "Email alerts", "Login, if the server wants one (Gmail: your address)."),
    Setting(
        "SMTP_PASSWORD", "text", "", "Email alerts", "Password for SMTP_USER (Gmail: an App Password).", secret=True
    ),
    Setting(
        "SMTP_TIMEOUT",
        "number",
        "30",
        "Email alerts",
        "Seconds for the whole conversation with the mail server; an unsent email is retried next cycle.",
        low=1,
        high=300,
        unit="seconds",
    ),
    Setting("ALERT_EMAIL_FROM", "text", "", "Email alerts", "Sender address.", shown_default="SMTP_USER"),
    Setting("ALERT_EMAIL_TO", "list", "", "Email alerts", "Recipients, comma-separated."),
    # --- Phone notifications
    Setting(
        "NOTIFY_URLS",
        "text",
        "",
        "Phone notifications",
        "One or more Apprise URLs, split by spaces or commas, e.g. ntfy://ntfy.sh/my-secret-topic or "
        "json://host/path; each is a channel with its own outbox. A secret.",
        secret=True,
    ),
    Setting(
        "NOTIFY_MAX_AGE",
        "whole",
        "3",
        "Phone notifications",
        "Days a message a channel could not deliver is kept and retried; older ones are dropped with one line.",
        low=1,
        high=60,
        unit="days",
    ),
    Setting(
        "NOTIFY_TIMEOUT",
        "number",
        "20",
        "Phone notifications",
        "Seconds in all for one channel's sending in a cycle; what is not sent is retried next cycle.",
        low=1,
        high=120,
        unit="seconds",
    ),
    # --- Watchdog
    Setting(
        "HEALTHCHECK_URL",
        "url",
        "",
        "Watchdog",
        "A ping URL watched from outside the Pi (https://hc-ping.com/<uuid>, an Uptime Kuma push URL); each "
        "recorded reading pings it, a failed run sends its error. A secret.",
        secret=True,
    ),
    # --- PVOutput
    Setting(
        "PVOUTPUT_API_KEY",
        "text",
        "",
        "PVOutput",
        "The API key under Settings on pvoutput.org (API access on; not a read-only key).",
        secret=True,
    ),
    Setting("PVOUTPUT_SYSTEM_ID", "text", "", "PVOutput", "The System Id on the same page (digits)."),
    Setting("PVOUTPUT_URL", "url", "https://pvoutput.org", "PVOutput", "The PVOutput service."),
    Setting(
        "PVOUTPUT_DONATION",
        "flag",
        "0",
        "PVOutput",
        "1 with a donation account: 300 requests an hour, 90 days of backfill.",
    ),
    Setting(
        "PVOUTPUT_INTERVAL_MIN",
        "choice",
        "5",
        "PVOutput",
        "The system's status interval on pvoutput.org, in minutes.",
        choices=("5", "10", "15"),
    ),
    # --- InfluxDB
    Setting("INFLUX_URL", "url", "", "InfluxDB", "The InfluxDB server, e.g. http://influx.local:8086."),
    Setting(
        "INFLUX_TOKEN", "text", "", "InfluxDB", "2.x/Cloud/3.x: a token that may write to the bucket.", secret=True
    ),
    Setting("INFLUX_ORG", "text", "", "InfluxDB", "2.x/Cloud/3.x: the organisation."),
    Setting(
        "INFLUX_BUCKET",
        "text",
        "",
        "InfluxDB",
        "2.x/Cloud/3.x (and 1.8+): the bucket (3.x: the database); set, the /api/v2/write endpoint is used.",
    ),
    Setting("INFLUX_DATABASE", "text", "", "InfluxDB", "1.x: the database (create it first)."),
    Setting("INFLUX_USERNAME", "text", "", "InfluxDB", "1.x with auth on: the user (sent as basic auth)."),
    Setting("INFLUX_PASSWORD", "text", "", "InfluxDB", "1.x with auth on: the password.", secret=True),
    # --- Prometheus
    Setting(
        "PROMETHEUS_TEXTFILE",
        "path",
        "",
        "Prometheus",
        "A .prom file in node_exporter's textfile folder, e.g. /var/lib/prometheus/node-exporter/pvs6.prom.",
    ),
    # --- MQTT and Home Assistant
    Setting("MQTT_HOST", "text", "", "MQTT and Home Assistant", "The broker's host name or address."),
    Setting(
        "MQTT_PORT",
        "whole",
        "",
        "MQTT and Home Assistant",
        "The broker's port.",
        low=1,
        high=65535,
        shown_default="1883; 8883 with MQTT_TLS=1",
    ),
    Setting("MQTT_USER", "text", "", "MQTT and Home Assistant", "The broker account, if it wants one."),
    Setting("MQTT_PASSWORD", "text", "", "MQTT and Home Assistant", "The broker account's password.", secret=True),
    Setting(
        "MQTT_TLS", "flag", "0", "MQTT and Home Assistant", "1: connect with TLS and check the broker's certificate."
    ),
    Setting(
        "MQTT_CA_FILE",
        "path",
        "",
        "MQTT and Home Assistant",
        "The CA certificate that signed the broker's (a self-signed broker).",
        shown_default="the system's CAs",
    ),
    Setting(
        "MQTT_TOPIC_PREFIX",
        "text",
        "",
        "MQTT and Home Assistant",
        "Where state, availability and alerts are published.",
        shown_default="pvs6/<SITE_NAME>",
    ),
    Setting(
        "MQTT_DISCOVERY_PREFIX",
        "text",
        "homeassistant",
        "MQTT and Home Assistant",
        "Home Assistant's discovery prefix.",
    ),
    Setting(
        "MQTT_DISCOVERY",
        "flag",
        "1",
        "MQTT and Home Assistant",
        "0: publish state and alerts only, with no discovery configs (for your own YAML).",
    ),
    # --- Report and summary
    Setting(
        "REPORT_EVERY_MIN",
        "whole",
        "60",
        "Report and summary",
        "Minutes between rewrites of DATA_DIR/report/index.html by the cycle; 0: only when `report` runs.",
        low=0,
        high=10080,
        unit="minutes",
    ),
    Setting(
        "INVERTER_LAYOUT",
        "rows",
        "",
        "Report and summary",
        "The roof's rows for the report: rows split by ';', inverters by ','; serials or their endings.",
        shown_default="by serial",
    ),
    Setting(
        "LAYOUT_FILE",
        "path",
        "",
        "Report and summary",
        "The roof's layout as a cloud export tool writes it (CSV: serialNumber,xCoordinate,yCoordinate,rotation,"
        "azimuth,orientation): the report draws the roof from it, and its azimuths seed the alerts' roof faces; "
        "relative to the folder of pvs6_supervisor.py.",
    ),
    Setting(
        "SUMMARY_EMAIL",
        "choice",
        "off",
        "Report and summary",
        "off, daily (yesterday's) or weekly (Mondays, the week to Sunday); sent to ALERT_EMAIL_TO.",
        choices=("off", "daily", "weekly"),
    ),
    Setting(
        "SUMMARY_HOUR",
        "whole",
        "7",
        "Report and summary",
        "The local hour after which the summary is sent.",
        low=0,
        high=23,
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}
SECRET_NAMES = tuple(setting.name for setting in SETTINGS if setting.secret)


def allowed(setting: Setting) -> str:
    """What a setting accepts, for its one-line problem and the docs."""
    if setting.kind == "choice":
        return "one of " + ", ".join(setting.choices)
    if setting.kind in ("whole", "number") and setting.low is not None and setting.high is not None:
        unit = f" of {setting.unit}" if setting.unit else ""
        return f"{KIND_TEXT[setting.kind]}{unit} from {setting.low:g} to {setting.high:g}"
    return KIND_TEXT[setting.kind]
