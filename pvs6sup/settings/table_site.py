"""The settings of the site itself, in config.example.env's order: the PVS, storage, the site and its weather,
Google Sheets, the alerts, email, phone notifications and the watchdog (the delivery targets and the report are
in table_delivery.py). settings/table.py joins the two.
"""

from __future__ import annotations

from pvs6sup.core.gateway import FIRMWARE_CHOICES
from pvs6sup.settings.schema import Setting

DEFAULT_WORKSHEET = "Readings"  # GOOGLE_WORKSHEET's default (settings/sinks.py's SheetsSettings too)

SITE_SETTINGS = (
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
)
