"""Prometheus: the newest reading as a node_exporter textfile (PROMETHEUS_TEXTFILE), replaced atomically each cycle.

node_exporter's textfile collector reads `*.prom` files from its --collector.textfile.directory (Debian:
/var/lib/prometheus/node-exporter). No HTTP, no timestamps in the file: Prometheus stamps each scrape, and
pvs6_last_reading_timestamp_seconds says how old the reading is, for a staleness alert.
Names use Prometheus's base units: watts, joules (1 kWh = 3.6e6 J), celsius, seconds, and a ratio for cloud
cover. Lifetime energies are counters; one that reads 0, went down or leapt (energy_guard) is left out for that
cycle, so a counter never goes down. An unknown value is absent, never 0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import requests

from pvs6sup.core.energy_guard import MAX_INVERTER_AC_KW
from pvs6sup.core.models import WORKING, Reading
from pvs6sup.errors import StorageError
from pvs6sup.settings.sinks import PrometheusSettings as Settings
from pvs6sup.sinks.lifetimes import LifetimeGuard, site_max_kw
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError, Sent
from pvs6sup.sinks.queue import Entry
from pvs6sup.store.files import atomic_write

NAME = "prometheus"
READABLE = 0o644  # node_exporter runs as its own user

J_PER_KWH = 3.6e6
# name, type, help, where the value is in the payload, factor to the base unit
_SITE = (
    ("pvs6_site_production_watts", "gauge", "Site production power.", "production_kw", 1000),
    ("pvs6_site_consumption_watts", "gauge", "Site consumption power.", "consumption_kw", 1000),
    ("pvs6_site_grid_watts", "gauge", "Grid power: positive importing, negative exporting.", "grid_kw", 1000),
    ("pvs6_site_production_joules_total", "counter", "Lifetime production.", "production_lifetime_kwh", J_PER_KWH),
    ("pvs6_site_consumption_joules_total", "counter", "Lifetime consumption.", "consumption_lifetime_kwh", J_PER_KWH),
    ("pvs6_site_grid_import_joules_total", "counter", "Lifetime grid import.", "grid_import_lifetime_kwh", J_PER_KWH),
    ("pvs6_site_grid_export_joules_total", "counter", "Lifetime grid export.", "grid_export_lifetime_kwh", J_PER_KWH),
    ("pvs6_site_cloud_cover_ratio", "gauge", "Cloud cover at the site, 0 to 1.", "cloud_cover_pct", 0.01),
    ("pvs6_inverters_working", "gauge", "Microinverters reporting the working state.", "inverters_working", 1),
    ("pvs6_inverters", "gauge", "Microinverters the PVS lists.", "inverters_total", 1),
    ("pvs6_gateway_uptime_seconds", "gauge", "Time since the PVS last started.", "uptime_s", 1),
    ("pvs6_gateway_comm_errors", "gauge", "The PVS's communication error count (dl_comm_err).", "comm_errors", 1),
)
_INVERTER = (
    ("pvs6_inverter_power_watts", "gauge", "Microinverter AC power.", "power_kw", 1000),
    ("pvs6_inverter_dc_power_watts", "gauge", "Microinverter DC power.", "dc_power_kw", 1000),
    ("pvs6_inverter_energy_joules_total", "counter", "Microinverter lifetime energy.", "lifetime_kwh", J_PER_KWH),
    ("pvs6_inverter_temperature_celsius", "gauge", "Microinverter heatsink temperature.", "temperature_c", 1),
    ("pvs6_inverter_working", "gauge", "1 when the microinverter reports the working state, else 0.", "working", 1),
)
_LIFETIMES = {
    "production_lifetime_kwh",
    "consumption_lifetime_kwh",
    "grid_import_lifetime_kwh",
    "grid_export_lifetime_kwh",
}


def payload(reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
    """The newest facts to expose; unknown values left out."""
    site, supervisor = reading.site, reading.devices.supervisor
    values = {
        "production_kw": site.production_kw,
        "consumption_kw": site.consumption_kw,
        "grid_kw": site.net_kw,
        **{name: getattr(site, name) for name in _LIFETIMES},
        "cloud_cover_pct": reading.cloud_cover_pct,
        "inverters_working": reading.inverters_working,
        "inverters_total": reading.inverters_total,
        "uptime_s": supervisor.uptime_s if supervisor else None,
        "comm_errors": supervisor.comm_errors if supervisor else None,
    }
    inverters = [
        {
            "serial": inv.serial,
            "power_kw": inv.power_kw,
            "dc_power_kw": inv.dc_power_kw,
            "lifetime_kwh": inv.lifetime_kwh,
            "temperature_c": inv.temperature_c,
            "working": None if inv.state is None else int(inv.state == WORKING),
        }
        for inv in reading.devices.inverters
    ]
    return {
        "time": reading.fetched_at.timestamp(),
        "site": site_name,
        "values": {k: v for k, v in values.items() if v is not None},
        "inverters": [{k: v for k, v in inv.items() if v is not None} for inv in inverters],
    }


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def render(facts: Mapping[str, Any], guard: LifetimeGuard) -> str:
    """The textfile: HELP and TYPE for each metric with a sample, then its samples. No timestamps."""
    at_s, site = float(facts["time"]), _label(str(facts.get("site") or ""))
    values = dict(facts.get("values", {}))
    for name in _LIFETIMES & values.keys():
        limit = site_max_kw(values.get("inverters_total")) if name == "production_lifetime_kwh" else None
        values[name], _ = guard.admit(f"site {name}", values[name], at_s, limit)
        if values[name] is None:
            del values[name]
    inverters = []
    for inverter in facts.get("inverters", []):
        inverter = dict(inverter)
        key = f"inverter {inverter['serial']} lifetime_kwh"
        if "lifetime_kwh" in inverter:
            inverter["lifetime_kwh"], _ = guard.admit(key, inverter["lifetime_kwh"], at_s, MAX_INVERTER_AC_KW)
            if inverter["lifetime_kwh"] is None:
                del inverter["lifetime_kwh"]
        inverters.append(inverter)

    out: list[str] = []

    def family(name: str, kind: str, help_text: str, samples: list[str]) -> None:
        if samples:
            out.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples])

    for name, kind, help_text, key, factor in _SITE:
        if key in values:
            family(name, kind, help_text, [f'{name}{{site="{site}"}} {_number(values[key] * factor)}'])
    for name, kind, help_text, key, factor in _INVERTER:
        samples = [
            f'{name}{{serial="{_label(inv["serial"])}",site="{site}"}} {_number(inv[key] * factor)}'
            for inv in inverters
            if key in inv
        ]
        family(name, kind, help_text, samples)
    family(
        "pvs6_last_reading_timestamp_seconds",
        "gauge",
        "When the newest reading was taken (unix time).",
        [f'pvs6_last_reading_timestamp_seconds{{site="{site}"}} {_number(at_s)}'],
    )
    return "\n".join(out) + "\n"


def send(
    settings: Settings,
    session: requests.Session,
    entries: Sequence[Entry],
    memo: Mapping[str, Any],
    now: datetime,
    deadline_s: float,
) -> Sent:
    """Write the newest entry's metrics; older entries are superseded. No network."""
    if not entries:
        return Sent(0, memo=dict(memo))
    newest = entries[-1]
    if not settings.textfile.parent.is_dir():  # atomic_write would create it private, unreadable to node_exporter
        raise FixConfigError(_missing_folder(settings.textfile))
    guard = LifetimeGuard(memo.get("lifetimes"))
    text = render(newest.payload, guard)
    try:
        atomic_write(settings.textfile, text.encode("utf-8"), mode=READABLE)  # node_exporter is another user
    except (StorageError, OSError) as err:
        reason = str(err) if isinstance(err, StorageError) else f"cannot write {settings.textfile}: {err.strerror}"
        if "disk is full" in reason:
            raise RetryLaterError(f"Prometheus: {reason}") from err
        raise FixConfigError(
            f"PROMETHEUS_TEXTFILE: {reason}; make its folder writable by this user (README: Prometheus)"
        ) from err
    return Sent(newest.seq, memo={**memo, "lifetimes": guard.memo()})


def _missing_folder(path: Path) -> str:
    return (
        f"PROMETHEUS_TEXTFILE: the folder {path.parent} does not exist; create it, or use node_exporter's textfile "
        "folder (Debian: /var/lib/prometheus/node-exporter)"
    )


def probe(settings: Settings, session: requests.Session, deadline_s: float) -> str | None:
    """None when the textfile can be written where node_exporter looks, else the fix."""
    path = settings.textfile
    if path.suffix != ".prom":
        return f"PROMETHEUS_TEXTFILE: {path} must end in .prom, or node_exporter ignores it"
    if not path.parent.is_dir():
        return _missing_folder(path)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"PROMETHEUS_TEXTFILE: {path.parent} is not writable by this user; see README: Prometheus"
    return None
