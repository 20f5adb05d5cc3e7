"""Settings from the .env file and the environment (the environment wins), validated all at once."""

from __future__ import annotations

import codecs
import contextlib
import difflib
import io
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from pvs6sup.errors import ConfigError
from pvs6sup.pvs.firmware import FIRMWARE_CHOICES
from pvs6sup.store.os_errors import user_name

DEFAULT_PVS_HOST = "172.27.153.1"
WEATHER_PROVIDERS = ("open-meteo", "openweathermap", "none")
CONSUMPTION_METER_MODES = ("auto", "net", "gross")
DEFAULT_WORKSHEET = "Readings"
_SHEET_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"[A-Za-z0-9_-]{20,}")


@dataclass(frozen=True)
class Config:
    """Every setting, typed and checked. Secrets are kept out of repr()."""

    pvs_host: str
    pvs_base_url: str  # scheme://host[:port], no trailing slash
    pvs_timeout_s: float
    data_dir: Path
    latitude: float | None
    longitude: float | None
    weather_provider: str
    openweathermap_api_key: str | None = field(repr=False)
    weather_timeout_s: float
    timezone: tzinfo
    consumption_meter_mode: str
    raw_retention_days: int = 400
    max_clock_skew_s: float | None = 600.0  # None: do not compare with the PVS's clock
    pvs_firmware: str = "auto"  # auto | legacy | varserver (new firmware, authenticated)
    pvs_serial: str | None = field(default=None, repr=False)  # its last 5 characters are the password
    pvs_password: str | None = field(default=None, repr=False)
    # Google Sheets: off unless both the key file and the sheet are set.
    google_service_account_file: Path | None = None
    google_sheet_id: str | None = None
    google_worksheet: str = DEFAULT_WORKSHEET
    # Alerts (README "Alerts"); email is off unless SMTP_HOST and ALERT_EMAIL_TO are set.
    inverter_groups: tuple[tuple[str, ...], ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_timeout_s: float = 30.0
    alert_email_from: str | None = None
    alert_email_to: tuple[str, ...] = ()
    healthcheck_url: str | None = field(default=None, repr=False)  # a watchdog outside the Pi; its URL is a secret

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret, for the log filter that masks them wherever they might slip in."""
        serial_password = self.pvs_serial[-5:] if self.pvs_serial else None
        candidates = (
            self.openweathermap_api_key,
            self.pvs_password,
            self.pvs_serial,
            serial_password,
            self.smtp_password,
            self.healthcheck_url,
        )
        return tuple(s for s in candidates if s)

    @property
    def sheets_enabled(self) -> bool:
        return self.google_sheet_id is not None and self.google_service_account_file is not None

    @property
    def email_alerts(self) -> bool:
        return self.smtp_host is not None and bool(self.alert_email_to)


class _Reader:
    """Reads named settings, collecting every problem instead of stopping at the first."""

    def __init__(self, values: Mapping[str, str | None]) -> None:
        self.values = values
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def number(self, name: str, default: float | None, low: float, high: float, what: str) -> float | None:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(f"{name}: expected {what}, got {raw!r}")
            return default
        if not low <= value <= high:  # also rejects nan
            self.problems.append(f"{name}: must be between {low:g} and {high:g}, got {raw}")
            return default
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = (self.text(name) or default).lower()
        if value not in choices:
            self.problems.append(f"{name}: must be one of {', '.join(choices)}, got {value!r}")
            return default
        return value


def pvs_base_url(host: str) -> str:
    """Turn PVS_HOST (a bare host, host:port, or a URL) into a base URL; ValueError if it is none."""
    if "://" in host:
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected a host name, an IP address, or an http(s):// URL")
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
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


def _google_sheets(reader: _Reader, script_dir: Path) -> tuple[Path | None, str | None, str]:
    key_text = reader.text("GOOGLE_SERVICE_ACCOUNT_FILE")
    sheet_text = reader.text("GOOGLE_SHEET_ID")
    worksheet = reader.text("GOOGLE_WORKSHEET", DEFAULT_WORKSHEET) or DEFAULT_WORKSHEET
    if len(worksheet) > 90:  # a year is appended and Sheets allows 100 characters
        reader.problems.append(f"GOOGLE_WORKSHEET: at most 90 characters, got {len(worksheet)}")
    key_file = None
    if key_text is not None:
        key_file = Path(os.path.expanduser(key_text))
        if not key_file.is_absolute():
            key_file = script_dir / key_file
    spreadsheet = None
    if sheet_text is not None:
        try:
            spreadsheet = sheet_id(sheet_text)
        except ValueError as err:
            reader.problems.append(f"GOOGLE_SHEET_ID: {err}")
    if key_text is not None and sheet_text is None:
        reader.problems.append("GOOGLE_SHEET_ID: required with GOOGLE_SERVICE_ACCOUNT_FILE (or unset both)")
    if sheet_text is not None and key_text is None:
        reader.problems.append("GOOGLE_SERVICE_ACCOUNT_FILE: required with GOOGLE_SHEET_ID (or unset both)")
    return key_file, spreadsheet, worksheet


def _timezone(reader: _Reader) -> tzinfo:
    name = reader.text("TIMEZONE")
    if name is None:
        return _system_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        reader.problems.append(f"TIMEZONE: unknown time zone {name!r} (use e.g. America/Los_Angeles)")
        return _system_timezone()


def _system_timezone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


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
    data_dir = Path(os.path.expanduser(_Reader(values).text("DATA_DIR", "data") or "data"))
    return data_dir if data_dir.is_absolute() else script_dir / data_dir


def provisional_secrets(values: Mapping[str, str | None]) -> tuple[str, ...]:
    """The raw values of the settings Config keeps out of repr(), to mask before they are validated."""
    names = [f.name.upper() for f in fields(Config) if not f.repr]
    found = [v.strip() for name in names if (v := values.get(name)) and v.strip()]
    serial = (values.get("PVS_SERIAL") or "").strip()
    return tuple([*found, serial[-5:]] if serial else found)  # a PVS serial's tail is its password


class _Recorder(dict):  # type: ignore[type-arg]
    """A settings mapping that notes every name looked up in it."""

    def __init__(self, values: Mapping[str, str | None]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def known_setting_names(values: Mapping[str, str | None] | None = None) -> frozenset[str]:
    """Every name load_config looks up, found by letting it read no settings, then the given ones:
    the validating code is the only list of settings."""
    asked: set[str] = set()
    for sample in ({}, values or {}):
        recorder = _Recorder(sample)
        with contextlib.suppress(ConfigError):
            load_config(recorder, Path("."))
        asked |= recorder.asked
    return frozenset(asked)


def unknown_setting_warnings(file_values: Mapping[str, str | None], env_file: Path) -> list[str]:
    """One warning per name in the .env file that no setting has, suggesting the closest one.

    Only the file's names: the environment is full of unrelated variables (GOOGLE_APPLICATION_CREDENTIALS...).
    """
    known = known_setting_names(file_values)
    warnings = []
    for name in file_values:
        if name in known:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
        if close:
            warnings.append(f"{env_file}: {name} is not a setting: did you mean {close[0]}?")
        else:
            warnings.append(f"{env_file}: {name} is not a setting; see config.example.env for the settings")
    return warnings


def load_config(values: Mapping[str, str | None], script_dir: Path) -> Config:
    """Build the Config from merged settings; raise ConfigError listing every problem."""
    reader = _Reader(values)

    host = reader.text("PVS_HOST", DEFAULT_PVS_HOST) or DEFAULT_PVS_HOST
    try:
        base_url = pvs_base_url(host)
    except ValueError as err:
        reader.problems.append(f"PVS_HOST: {err}, got {host!r}")
        base_url = pvs_base_url(DEFAULT_PVS_HOST)

    timeout = reader.number("PVS_TIMEOUT", 120.0, 1, 900, "a number of seconds")
    data_dir = data_dir_setting(values, script_dir)

    latitude = reader.number("LATITUDE", None, -90, 90, "decimal degrees, e.g. 37.42")
    longitude = reader.number("LONGITUDE", None, -180, 180, "decimal degrees, e.g. -122.08")
    provider = reader.choice("WEATHER_PROVIDER", WEATHER_PROVIDERS, "open-meteo")
    api_key = reader.text("OPENWEATHERMAP_API_KEY")
    if provider != "none":
        for name, value in (("LATITUDE", latitude), ("LONGITUDE", longitude)):
            if value is None and not any(p.startswith(name + ":") for p in reader.problems):
                reader.problems.append(
                    f"{name}: required for cloud cover from {provider} (or set WEATHER_PROVIDER=none)"
                )
    if provider == "openweathermap" and api_key is None:
        reader.problems.append("OPENWEATHERMAP_API_KEY: required when WEATHER_PROVIDER=openweathermap")
    weather_timeout = reader.number("WEATHER_TIMEOUT", 10.0, 1, 120, "a number of seconds")

    zone = _timezone(reader)
    mode = reader.choice("CONSUMPTION_METER_MODE", CONSUMPTION_METER_MODES, "auto")
    retention = reader.number("RAW_RETENTION_DAYS", 400, 0, 36500, "a whole number of days (0 keeps all)")
    skew_min = reader.number("MAX_CLOCK_SKEW", 10, 0, 1440, "a number of minutes (0 turns the warning off)")
    pvs_firmware = reader.choice("PVS_FIRMWARE", FIRMWARE_CHOICES, "auto")
    pvs_serial = reader.text("PVS_SERIAL")
    if pvs_serial is not None and (len(pvs_serial) < 5 or not pvs_serial.isalnum()):
        reader.problems.append("PVS_SERIAL: expected the PVS's serial (letters and digits, e.g. ZT01…), not that")
    pvs_password = reader.text("PVS_PASSWORD")
    key_file, spreadsheet, worksheet = _google_sheets(reader, script_dir)

    alert_settings = _alert_settings(reader)
    healthcheck_url = reader.text("HEALTHCHECK_URL")
    if healthcheck_url is not None and urlsplit(healthcheck_url).scheme not in ("http", "https"):
        reader.problems.append("HEALTHCHECK_URL: expected an http(s):// URL, e.g. https://hc-ping.com/<uuid>")

    if reader.problems:
        raise ConfigError(reader.problems)
    assert timeout is not None and weather_timeout is not None
    return Config(
        pvs_host=host,
        pvs_base_url=base_url,
        pvs_timeout_s=timeout,
        data_dir=data_dir,
        latitude=latitude,
        longitude=longitude,
        weather_provider=provider,
        openweathermap_api_key=api_key,
        weather_timeout_s=weather_timeout,
        timezone=zone,
        consumption_meter_mode=mode,
        raw_retention_days=int(retention or 0),
        max_clock_skew_s=skew_min * 60 if skew_min else None,
        pvs_firmware=pvs_firmware,
        pvs_serial=pvs_serial,
        pvs_password=pvs_password,
        google_service_account_file=key_file,
        google_sheet_id=spreadsheet,
        google_worksheet=worksheet,
        **alert_settings,
        healthcheck_url=healthcheck_url,
    )


SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
_SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def inverter_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """INVERTER_GROUPS: groups split by ';', serials (or their last characters) by ','; ValueError if empty."""
    groups = []
    for part in text.split(";"):
        members = tuple(m.strip() for m in part.split(",") if m.strip())
        if not members:
            raise ValueError("an empty group")
        groups.append(members)
    return tuple(groups)


def _alert_settings(reader: _Reader) -> dict[str, Any]:
    """The alert and email settings (checked together: a half-configured mailer is reported)."""
    groups: tuple[tuple[str, ...], ...] = ()
    raw_groups = reader.text("INVERTER_GROUPS")
    if raw_groups is not None:
        try:
            groups = inverter_groups(raw_groups)
        except ValueError as err:
            reader.problems.append(f"INVERTER_GROUPS: {err}; expected e.g. 'A1,A2,A3;B1,B2' (serial endings)")
    security = reader.choice("SMTP_SECURITY", SMTP_SECURITY_MODES, "starttls")
    port = reader.number("SMTP_PORT", _SMTP_DEFAULT_PORTS[security], 1, 65535, "a port number, e.g. 587")
    host = reader.text("SMTP_HOST")
    recipients = tuple(a.strip() for a in (reader.text("ALERT_EMAIL_TO") or "").split(",") if a.strip())
    for address in recipients:
        if "@" not in address:
            reader.problems.append(f"ALERT_EMAIL_TO: {address!r} is not an email address")
    user = reader.text("SMTP_USER")
    sender = reader.text("ALERT_EMAIL_FROM")
    if sender is None and user is not None and "@" in user:
        sender = user
    if (host is None) != (not recipients):
        missing = "ALERT_EMAIL_TO" if host else "SMTP_HOST"
        reader.problems.append(
            f"{missing}: required for email alerts (set both SMTP_HOST and ALERT_EMAIL_TO, or neither)"
        )
    elif host and sender is None:
        reader.problems.append("ALERT_EMAIL_FROM: required for email alerts (SMTP_USER is not an email address)")
    elif sender is not None and "@" not in sender:
        reader.problems.append(f"ALERT_EMAIL_FROM: {sender!r} is not an email address")
    password = reader.text("SMTP_PASSWORD")
    if user and password is None:
        reader.problems.append("SMTP_PASSWORD: required with SMTP_USER (for Gmail, an App Password)")
    if user and security == "none":
        reader.problems.append(
            "SMTP_SECURITY: 'none' would send SMTP_PASSWORD unencrypted; use starttls or ssl "
            "(or no SMTP_USER, for a relay on your own network)"
        )
    smtp_timeout = reader.number("SMTP_TIMEOUT", 30.0, 1, 300, "a number of seconds")
    return {
        "inverter_groups": groups,
        "smtp_host": host,
        "smtp_port": int(port or _SMTP_DEFAULT_PORTS[security]),
        "smtp_security": security,
        "smtp_user": user,
        "smtp_password": password,
        "smtp_timeout_s": smtp_timeout or 30.0,
        "alert_email_from": sender,
        "alert_email_to": recipients,
    }
