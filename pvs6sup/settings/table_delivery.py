"""The settings of the delivery targets (PVOutput, InfluxDB, Prometheus, MQTT and Home Assistant) and of the
report and the summary email, in config.example.env's order; settings/table.py joins them to the site's.
"""

from __future__ import annotations

from pvs6sup.settings.schema import Setting

DELIVERY_SETTINGS = (
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
