"""The one table of settings: name, type, default, group, help and secrecy of each.

settings/reader.py's Reader reads and checks the settings by this table, collecting every problem
(settings/load.py); config.example.env and README's settings tables are rendered from it (settings/docs.py),
and a test fails when they disagree.
"""

from __future__ import annotations

from pvs6sup.settings.schema import Group, Setting
from pvs6sup.settings.table_delivery import DELIVERY_SETTINGS
from pvs6sup.settings.table_site import SITE_SETTINGS

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


SETTINGS: tuple[Setting, ...] = (*SITE_SETTINGS, *DELIVERY_SETTINGS)

BY_NAME = {setting.name: setting for setting in SETTINGS}
SECRET_NAMES = tuple(setting.name for setting in SETTINGS if setting.secret)
