"""The settings as records: one frozen record per section (what the PVS reading, the weather, the email, the
alerts, the report and the watchdog are given; the sinks' are in settings/sinks.py), and Config, the whole: the
general settings (DATA_DIR, TIMEZONE, SITE_NAME...) and the sections.

Only the cycle, the commands and the command line take the whole Config; every edge is given its own section
(config.pvs, config.email, config.sinks.mqtt...) and what else it needs, by name: the PVS transport cannot
see the SMTP password. Secrets are kept out of repr().

No `from __future__ import annotations` here: typing.NamedTuple compiles each string annotation, so its
annotations are real types.
"""

from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from pvs6sup.core import secrets
from pvs6sup.core.records import FrozenRecord
from pvs6sup.settings.reader import Rows
from pvs6sup.settings.sinks import SinkSettings
from pvs6sup.settings.table import SECRET_NAMES

if TYPE_CHECKING:
    from pvs6sup.settings.notify import NotifySettings

OPEN_METEO_URL = "https://api.open-meteo.com/v1/forecast"
OPENWEATHERMAP_URL = "https://api.openweathermap.org/data/2.5/weather"


def _shown(record: FrozenRecord, hidden: tuple[str, ...]) -> str:
    shown = ", ".join(f"{n}={getattr(record, n)!r}" for n in record.__slots__ if n not in hidden)
    return f"{record.__class__.__name__}({shown})"


class PvsSettings(FrozenRecord):
    """How to reach and read the PVS: PVS_HOST, PVS_TIMEOUT, PVS_FIRMWARE, the login, CONSUMPTION_METER_MODE."""

    host: str
    base_url: str  # scheme://host[:port], no trailing slash
    timeout_s: float
    firmware: str = "auto"  # auto | legacy | varserver (new firmware, authenticated)
    serial: str | None = None  # its last 5 characters are the password
    password: str | None = None
    consumption_meter_mode: str = "auto"

    def __repr__(self) -> str:
        return _shown(self, ("serial", "password"))


class WeatherURLs(FrozenRecord):
    """Where the providers live; tests and the demo point these at loopback."""

    open_meteo: str = OPEN_METEO_URL
    openweathermap: str = OPENWEATHERMAP_URL


DEFAULT_URLS = WeatherURLs()


class WeatherSettings(FrozenRecord):
    """Cloud cover at the site: WEATHER_PROVIDER, its key, WEATHER_TIMEOUT and the site's place."""

    provider: str  # open-meteo | openweathermap | none
    api_key: str | None  # OPENWEATHERMAP_API_KEY
    timeout_s: float
    latitude: float | None
    longitude: float | None

    def __repr__(self) -> str:
        return _shown(self, ("api_key",))


class EmailSettings(FrozenRecord):
    """The mail server and the addresses (SMTP_*, ALERT_EMAIL_*); email is off unless host and recipients are set."""

    host: str | None = None
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    sender: str | None = None
    recipients: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return _shown(self, ("password",))

    @property
    def on(self) -> bool:
        """Whether emails are sent: SMTP_HOST and ALERT_EMAIL_TO are both set."""
        return self.host is not None and bool(self.recipients)


class AlertSettings(FrozenRecord):
    """What the alert detectors are given beyond the readings: INVERTER_GROUPS, the site's place, and
    ELECTRICITY_PRICE (an incident's energy lost told in money too)."""

    inverter_groups: Rows = ()
    latitude: float | None = None
    longitude: float | None = None
    electricity_price: float | None = None  # per kWh, in the owner's currency
    layout_file: Path | None = None  # LAYOUT_FILE: its azimuths seed the roof faces not learned yet


class ReportSettings(FrozenRecord):
    """The report page and the summary email: REPORT_EVERY_MIN, INVERTER_LAYOUT, SUMMARY_EMAIL, SUMMARY_HOUR, and
    what the page shows beside the readings (INVERTER_GROUPS, the site's place for the sun, ELECTRICITY_PRICE,
    LAYOUT_FILE)."""

    every_min: int = 60  # 0: only when the report command runs
    inverter_layout: Rows = ()
    summary_email: str = "off"  # off | daily | weekly
    summary_hour: int = 7
    inverter_groups: Rows = ()
    latitude: float | None = None
    longitude: float | None = None
    electricity_price: float | None = None
    layout_file: Path | None = None  # LAYOUT_FILE: the roof drawn from it


class HealthcheckSettings(FrozenRecord):
    """The watchdog outside the Pi: HEALTHCHECK_URL (a secret), None when off."""

    url: str | None = None

    def __repr__(self) -> str:
        return f"HealthcheckSettings(url={'set' if self.url else None!r})"


# Config fields kept out of repr(): every setting's text (which holds the secrets too); the sections hide theirs.
_NOT_SHOWN = frozenset(("effective",))


class Config(NamedTuple):
    """Every setting, typed and checked (the table is settings/table.py), by section.

    A NamedTuple, not a dataclass: it is defined on every cron run, and @dataclass (with the dataclasses,
    inspect and ast modules it imports) cost about 8 ms of a cycle's 40 beyond the libraries.
    `config._replace(...)` gives a changed copy.
    """

    data_dir: Path
    timezone: tzinfo
    site_name: str
    pvs: PvsSettings
    weather: WeatherSettings
    email: EmailSettings = EmailSettings()
    alerts: AlertSettings = AlertSettings()
    report: ReportSettings = ReportSettings()
    healthcheck: HealthcheckSettings = HealthcheckSettings()
    notify: "NotifySettings | None" = None  # the push channels (NOTIFY_URLS): None when off
    sinks: SinkSettings = SinkSettings()
    raw_retention_days: int = 400
    max_clock_skew_s: float | None = 600.0  # None: do not compare with the PVS's clock
    # Every setting's effective text by name (defaults too), for check and the log filter.
    effective: Mapping[str, str] = MappingProxyType({})

    def __repr__(self) -> str:
        fields = zip(self._fields, self, strict=True)
        return "Config(" + ", ".join(f"{name}={value!r}" for name, value in fields if name not in _NOT_SHOWN) + ")"

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret, for the log filter that masks them wherever they might slip in."""
        return provisional_secrets(self.effective)


def provisional_secrets(values: Mapping[str, str | None]) -> tuple[str, ...]:
    """The values of the table's secret settings, to mask even before they are validated."""
    found = [v.strip() for name in SECRET_NAMES if (v := values.get(name)) and v.strip()]
    if values.get("NOTIFY_URLS"):  # their module only when there are push channels
        from pvs6sup.settings.notify import split_urls, url_secrets

        found += [part for url in split_urls(values.get("NOTIFY_URLS")) for part in url_secrets(url)]
    serial = (values.get("PVS_SERIAL") or "").strip()  # a PVS serial's tail is its password; every form sent:
    return tuple(dict.fromkeys(secrets.every_form([*found, serial[-5:]] if serial else found, values)))
