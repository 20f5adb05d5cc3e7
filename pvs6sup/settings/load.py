"""The settings read by the one table (settings/table.py) into a typed Config, one record per section, every
problem reported at once. Where they come from (.env under the environment) is settings/envfile.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from pvs6sup.core.sun import longitude_sign_problem, standard_offset_h
from pvs6sup.errors import ConfigError
from pvs6sup.settings.config import Config
from pvs6sup.settings.reader import Reader
from pvs6sup.settings.sections import (
    AlertSettings,
    EmailSettings,
    HealthcheckSettings,
    PvsSettings,
    ReportSettings,
    WeatherSettings,
)
from pvs6sup.settings.sinks import DEFAULT_WORKSHEET, SheetsSettings, build_sinks
from pvs6sup.settings.table import SETTINGS

ORDER = {setting.name: index for index, setting in enumerate(SETTINGS)}
_SHEET_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"[A-Za-z0-9_-]{20,}")
_SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def pvs_base_url(host: str) -> str:
    """Turn PVS_HOST (a bare host, host:port, or a URL) into a base URL; ValueError if it is none."""
    if "://" in host:
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected a host name, an IP address, or an http(s):// URL")
        if parts.path.strip("/") or parts.query or parts.fragment:  # a pasted page: its path would 404
            raise ValueError(f"a host, not a page: set PVS_HOST={parts.scheme}://{parts.netloc}")
        return f"{parts.scheme}://{parts.netloc}"
    if any(ch in host for ch in "/?# "):
        raise ValueError("expected a host name, an IP address, or an http(s):// URL")
    return f"http://{host}"


def sheet_id(value: str) -> str:
    """The spreadsheet ID from a bare ID or the sheet's URL; ValueError if it is neither."""
    match = _SHEET_URL_ID.search(value)
    candidate = match.group(1) if match else value
    if not _SHEET_ID.fullmatch(candidate):
        raise ValueError("expected the spreadsheet's ID or its URL (https://docs.google.com/spreadsheets/d/ID/edit)")
    return candidate


def load_config(values: Mapping[str, str | None], script_dir: Path) -> Config:
    """Build the Config from merged settings; raise ConfigError listing every problem."""
    r = Reader(values)

    host = r.text("PVS_HOST")
    assert host is not None  # it has a default
    try:
        base_url = pvs_base_url(host)
    except ValueError as err:
        r.problem("PVS_HOST", f"{err}, got {host!r}")
        base_url = ""
    timeout = r.number("PVS_TIMEOUT")
    mode = r.choice("CONSUMPTION_METER_MODE")
    pvs_firmware = r.choice("PVS_FIRMWARE")
    pvs_serial = r.text("PVS_SERIAL")
    if pvs_serial is not None and (len(pvs_serial) < 5 or not pvs_serial.isalnum()):
        r.problem("PVS_SERIAL", "expected the PVS's serial (letters and digits, e.g. ZT01…), not that")
    pvs_password = r.text("PVS_PASSWORD")

    data_dir = r.path("DATA_DIR", script_dir)
    retention = r.whole("RAW_RETENTION_DAYS")
    skew_min = r.number("MAX_CLOCK_SKEW")

    site_name = r.text("SITE_NAME") or _host_name()
    r.default("SITE_NAME", site_name)
    latitude, longitude = r.number("LATITUDE"), r.number("LONGITUDE")
    zone = r.zone("TIMEZONE")
    r.default("TIMEZONE", getattr(zone, "key", None) or f"{zone} (the system's)")
    if longitude is not None and not any(p.startswith("LONGITUDE") for p in r.problems):
        zone_name = getattr(zone, "key", None) or str(zone)
        if sign := longitude_sign_problem(longitude, standard_offset_h(zone), zone_name):
            r.problem("LONGITUDE", sign)
    provider = r.choice("WEATHER_PROVIDER")
    api_key = r.text("OPENWEATHERMAP_API_KEY")
    if provider != "none":
        for name, value in (("LATITUDE", latitude), ("LONGITUDE", longitude)):
            if value is None and not any(p.startswith(name + ":") for p in r.problems):
                r.problem(name, f"required for cloud cover from {provider} (or set WEATHER_PROVIDER=none)")
    if provider == "openweathermap" and api_key is None:
        r.problem("OPENWEATHERMAP_API_KEY", "required when WEATHER_PROVIDER=openweathermap")
    weather_timeout = r.number("WEATHER_TIMEOUT")

    sheets = _google_sheets(r, script_dir)
    groups = r.rows("INVERTER_GROUPS", "A1,A2,A3;B1,B2")
    email = _email(r)
    healthcheck_url = r.url("HEALTHCHECK_URL")
    sinks = build_sinks(r, site_name, (latitude, longitude), script_dir, sheets)
    report_every = r.whole("REPORT_EVERY_MIN")
    layout = r.rows("INVERTER_LAYOUT", "00001,00002,00003;00004,00005")
    summary_email = r.choice("SUMMARY_EMAIL")
    summary_hour = r.whole("SUMMARY_HOUR")
    if summary_email != "off" and not email.host:
        r.problem("SUMMARY_EMAIL", f"{summary_email} needs SMTP_HOST and ALERT_EMAIL_TO (or set SUMMARY_EMAIL=off)")

    if r.problems:
        raise ConfigError(sorted(r.problems, key=_table_order))
    assert timeout is not None and weather_timeout is not None and data_dir is not None and retention is not None
    assert report_every is not None and summary_hour is not None
    return Config(
        data_dir=data_dir,
        timezone=zone,
        site_name=site_name,
        pvs=PvsSettings(host, base_url, timeout, pvs_firmware, pvs_serial, pvs_password, mode),
        weather=WeatherSettings(provider, api_key, weather_timeout, latitude, longitude),
        email=email,
        alerts=AlertSettings(groups, latitude, longitude),
        report=ReportSettings(report_every, layout, summary_email, summary_hour, groups, latitude, longitude),
        healthcheck=HealthcheckSettings(healthcheck_url),
        sinks=sinks,
        raw_retention_days=retention,
        max_clock_skew_s=skew_min * 60 if skew_min else None,
        effective=MappingProxyType(r.effective),
    )


def _table_order(problem: str) -> int:
    """Problems in the order of config.example.env."""
    name = re.split(r"[: ]", problem, maxsplit=1)[0]
    return ORDER.get(name, len(ORDER))


def _host_name() -> str:
    import socket  # only when SITE_NAME is unset

    return socket.gethostname().split(".")[0] or "site"


def _google_sheets(r: Reader, script_dir: Path) -> SheetsSettings | None:
    key_file = r.path("GOOGLE_SERVICE_ACCOUNT_FILE", script_dir)
    sheet_text = r.text("GOOGLE_SHEET_ID")
    worksheet = r.text("GOOGLE_WORKSHEET") or DEFAULT_WORKSHEET
    if len(worksheet) > 90:  # a year is appended and Sheets allows 100 characters
        r.problem("GOOGLE_WORKSHEET", f"at most 90 characters, got {len(worksheet)}")
    spreadsheet = None
    if sheet_text is not None:
        try:
            spreadsheet = sheet_id(sheet_text)
        except ValueError as err:
            r.problem("GOOGLE_SHEET_ID", str(err))
    if key_file is not None and sheet_text is None:
        r.problem("GOOGLE_SHEET_ID", "required with GOOGLE_SERVICE_ACCOUNT_FILE (or unset both)")
    if sheet_text is not None and key_file is None:
        r.problem("GOOGLE_SERVICE_ACCOUNT_FILE", "required with GOOGLE_SHEET_ID (or unset both)")
    if key_file is None or spreadsheet is None:
        return None
    return SheetsSettings(key_file, spreadsheet, worksheet)


def _email(r: Reader) -> EmailSettings:
    """The email settings, checked together: a half-configured mailer is reported."""
    host = r.text("SMTP_HOST")
    security = r.choice("SMTP_SECURITY")
    port = r.whole("SMTP_PORT") or _SMTP_DEFAULT_PORTS[security]
    r.default("SMTP_PORT", port)
    user = r.text("SMTP_USER")
    password = r.text("SMTP_PASSWORD")
    smtp_timeout = r.number("SMTP_TIMEOUT")
    sender = r.text("ALERT_EMAIL_FROM")
    recipients = r.items("ALERT_EMAIL_TO")
    for address in recipients:
        if "@" not in address:
            r.problem("ALERT_EMAIL_TO", f"{address!r} is not an email address")
    if sender is None and user is not None and "@" in user:
        sender = user
        r.default("ALERT_EMAIL_FROM", sender)
    if (host is None) != (not recipients):
        missing = "ALERT_EMAIL_TO" if host else "SMTP_HOST"
        r.problem(missing, "required for email alerts (set both SMTP_HOST and ALERT_EMAIL_TO, or neither)")
    elif host and sender is None:
        r.problem("ALERT_EMAIL_FROM", "required for email alerts (SMTP_USER is not an email address)")
    elif sender is not None and "@" not in sender:
        r.problem("ALERT_EMAIL_FROM", f"{sender!r} is not an email address")
    if user and password is None:
        r.problem("SMTP_PASSWORD", "required with SMTP_USER (for Gmail, an App Password)")
    if user and security == "none":
        r.problem(
            "SMTP_SECURITY",
            "'none' would send SMTP_PASSWORD unencrypted; use starttls or ssl "
            "(or no SMTP_USER, for a relay on your own network)",
        )
    assert smtp_timeout is not None
    return EmailSettings(host, port, security, user, password, smtp_timeout, sender, recipients)

