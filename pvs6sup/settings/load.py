"""The settings, from the .env file under the environment (the environment wins), read by the one table
(settings/table.py) into a typed Config, one record per section, every problem reported at once."""

from __future__ import annotations

import codecs
import io
import os
import pwd
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dotenv import dotenv_values

from pvs6sup.core.sun import longitude_sign_problem, standard_offset_h
from pvs6sup.errors import ConfigError
from pvs6sup.settings.config import (
    AlertSettings,
    Config,
    EmailSettings,
    HealthcheckSettings,
    PvsSettings,
    ReportSettings,
    WeatherSettings,
)
from pvs6sup.settings.reader import Reader
from pvs6sup.settings.sinks import SheetsSettings, build_sinks
from pvs6sup.settings.table import BY_NAME, SETTINGS
from pvs6sup.settings.table_site import DEFAULT_WORKSHEET

if TYPE_CHECKING:
    from pvs6sup.settings.notify import NotifySettings

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
    price = r.number("ELECTRICITY_PRICE")
    email = _email(r)
    healthcheck_url = r.url("HEALTHCHECK_URL")
    notify = _notify(r)
    sinks = build_sinks(r, site_name, (latitude, longitude), script_dir, sheets)
    report_every = r.whole("REPORT_EVERY_MIN")
    layout = r.rows("INVERTER_LAYOUT", "00001,00002,00003;00004,00005")
    layout_file = r.path("LAYOUT_FILE", script_dir)
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
        alerts=AlertSettings(groups, latitude, longitude, price, layout_file),
        report=ReportSettings(
            report_every, layout, summary_email, summary_hour, groups, latitude, longitude, price, layout_file
        ),
        healthcheck=HealthcheckSettings(healthcheck_url),
        notify=notify,
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


def _notify(r: Reader) -> NotifySettings | None:
    """The push channels, read here only: None when NOTIFY_URLS is empty."""
    text = r.text("NOTIFY_URLS")
    max_age_days, timeout_s = r.whole("NOTIFY_MAX_AGE"), r.number("NOTIFY_TIMEOUT")
    if not text:
        return None
    from pvs6sup.settings.notify import NotifySettings, split_urls, url_problem  # only with push channels

    urls = split_urls(text)
    for url in urls:
        if found := url_problem(url):
            r.problem("NOTIFY_URLS", found)
    assert max_age_days is not None and timeout_s is not None  # they have defaults
    return NotifySettings(urls, max_age_days * 86400.0, timeout_s) if urls else None


def user_name(uid: int | None = None) -> str:
    """This user's name (or uid), for the fixes that say whose a file must be."""
    uid = os.geteuid() if uid is None else uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no name (a container, a deleted user)
        return str(uid)


def read_settings(env_file: Path | None, environ: Mapping[str, str], explicit: bool) -> dict[str, str | None]:
    """Merge the .env file under the environment. A missing file is an error only if asked for by name."""
    values: dict[str, str | None] = read_env_file(env_file, explicit) if env_file is not None else {}
    values.update(environ)
    return values


def read_env_file(env_file: Path, explicit: bool) -> dict[str, str | None]:
    """The settings in a .env file, read once (so /dev/null and a pipe such as <(echo ...) work).

    ConfigError, one line naming the file and the fix, when it cannot be read or is not UTF-8 text.
    """
    try:
        with open(env_file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as err:
        if not explicit:
            return {}  # no .env next to the script: the environment and the defaults are the settings
        raise ConfigError([f"--env-file: no such file: {env_file}"]) from err
    except IsADirectoryError as err:
        raise ConfigError([f"{env_file} is a directory, not a settings file; name a file such as .env"]) from err
    except PermissionError as err:
        user = user_name()
        fix = f"sudo chown {user}: {env_file} && chmod 600 {env_file}"
        raise ConfigError([f"{env_file}: {user} may not read it (permission denied); run: {fix}"]) from err
    except OSError as err:
        raise ConfigError([f"{env_file}: cannot be read: {err.strerror or err}"]) from err
    return dotenv_values(stream=io.StringIO(_env_text(env_file, data)), interpolate=False)


def _env_text(env_file: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise ConfigError([f"{env_file} is UTF-16 text (as Windows Notepad may save it); save it as UTF-8"])
    try:
        return data.decode("utf-8-sig")  # a UTF-8 byte-order mark is harmless
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(
            [f"{env_file} line {line}: not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"]
        ) from err


def env_file_warnings(env_file: Path | None) -> list[str]:
    """Warn when a file holding secrets can be read by other users."""
    if env_file is None or not env_file.is_file():
        return []
    mode = env_file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [f"{env_file} is readable by other users; run: chmod 600 {env_file}"]
    return []


def data_dir_setting(values: Mapping[str, str | None], script_dir: Path) -> Path:
    """DATA_DIR as load_config takes it (relative to the script's folder); read alone so that the
    log file can be opened there even when other settings are invalid."""
    data_dir = Reader(values).path("DATA_DIR", script_dir)
    assert data_dir is not None  # it has a default
    return data_dir


def known_setting_names() -> frozenset[str]:
    """Every setting's name, from the table."""
    return frozenset(BY_NAME)


def unknown_setting_warnings(file_values: Mapping[str, str | None], env_file: Path) -> list[str]:
    """One warning per name in the .env file that no setting has, suggesting the closest one.

    Only the file's names: the environment is full of unrelated variables (GOOGLE_APPLICATION_CREDENTIALS...).
    """
    known = known_setting_names()
    warnings = []
    for name in file_values:
        if name in known:
            continue
        import difflib  # only for an unknown name: a cron run has none

        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
        if close:
            warnings.append(f"{env_file}: {name} is not a setting: did you mean {close[0]}?")
        else:
            warnings.append(f"{env_file}: {name} is not a setting; see config.example.env for the settings")
    return warnings
