"""The whole of the settings: the general ones (DATA_DIR, TIMEZONE, SITE_NAME...) and one record per section.

Only the cycle, the commands and the command line take the whole Config; every edge is given its own section
(config.pvs, config.email, config.sinks.mqtt...) and what else it needs, by name.

No `from __future__ import annotations` here: typing.NamedTuple compiles each string annotation, so its
annotations are real types.
"""

from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from pvs6sup.core import secrets
from pvs6sup.settings.sections import (
    AlertSettings,
    EmailSettings,
    HealthcheckSettings,
    PvsSettings,
    ReportSettings,
    WeatherSettings,
)
from pvs6sup.settings.sinks import SinkSettings
from pvs6sup.settings.table import SECRET_NAMES

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
    serial = (values.get("PVS_SERIAL") or "").strip()  # a PVS serial's tail is its password; every form sent:
    return tuple(dict.fromkeys(secrets.every_form([*found, serial[-5:]] if serial else found, values)))
