"""The CSV and Sheets row schema: the columns, how a reading becomes cells, and how a cell a person may
have re-saved from a spreadsheet reads back (no offset, comma decimals). Pure; store/csvlog.py does the files."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from pvs6sup.core.models import Reading

READING_COLUMNS = (
    "timestamp",
    "production_kw",
    "consumption_kw",
    "net_kw",
    "cloud_cover_pct",
    "inverters_total",
    "inverters_working",
    "production_lifetime_kwh",
    "consumption_lifetime_kwh",
    "grid_import_lifetime_kwh",
    "grid_export_lifetime_kwh",
    "pvs_uptime_s",
    "pvs_comm_errors",
)
INVERTER_COLUMNS = (
    "timestamp",
    "serial",
    "state",
    "power_kw",
    "lifetime_kwh",
    "temperature_c",
    "dc_power_kw",
    "reported_at",
)


def cell(value: object) -> str:
    """A CSV cell: empty for unknown, plain decimals (at most 4 places) for numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def local_timestamp(moment: datetime | None, zone: tzinfo) -> str:
    """ISO 8601 local time with its offset, to the second: 2026-06-21T12:05:00-07:00."""
    if moment is None:
        return ""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def reading_row(reading: Reading, zone: tzinfo) -> dict[str, str]:
    """The readings.csv row of a reading, as cells keyed by READING_COLUMNS."""
    site = reading.site
    supervisor = reading.devices.supervisor
    values: dict[str, object] = {
        "timestamp": local_timestamp(reading.fetched_at, zone),
        "production_kw": site.production_kw,
        "consumption_kw": site.consumption_kw,
        "net_kw": site.net_kw,
        "cloud_cover_pct": reading.cloud_cover_pct,
        "inverters_total": reading.inverters_total,
        "inverters_working": reading.inverters_working,
        "production_lifetime_kwh": site.production_lifetime_kwh,
        "consumption_lifetime_kwh": site.consumption_lifetime_kwh,
        "grid_import_lifetime_kwh": site.grid_import_lifetime_kwh,
        "grid_export_lifetime_kwh": site.grid_export_lifetime_kwh,
        "pvs_uptime_s": supervisor.uptime_s if supervisor else None,
        "pvs_comm_errors": supervisor.comm_errors if supervisor else None,
    }
    return {name: cell(values[name]) for name in READING_COLUMNS}


def text_cell(value: str | None) -> str:
    """A text cell (serial, state): never one a spreadsheet takes for a formula (values.text did it already)."""
    found = cell(value)
    return "'" + found if found.startswith(("=", "+", "-", "@", "\t", "\r")) else found


def inverter_rows(reading: Reading, zone: tzinfo) -> list[dict[str, str]]:
    """One inverters.csv row per inverter, in the PVS's order."""
    stamp = local_timestamp(reading.fetched_at, zone)
    return [
        {
            "timestamp": stamp,
            "serial": text_cell(inv.serial),
            "state": text_cell(inv.state),
            "power_kw": cell(inv.power_kw),
            "lifetime_kwh": cell(inv.lifetime_kwh),
            "temperature_c": cell(inv.temperature_c),
            "dc_power_kw": cell(inv.dc_power_kw),
            "reported_at": local_timestamp(inv.measured_at, zone),
        }
        for inv in reading.devices.inverters
    ]


_SHEET_FORMATS = (  # what spreadsheets write back when they took the column for dates
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_TEXT_COLUMNS = frozenset({"serial", "state"})
_TIME_COLUMNS = frozenset({"timestamp", "reported_at"})


def parse_timestamp(text: str, zone: tzinfo | None = None) -> datetime | None:
    """An aware moment from a timestamp cell, or None. Spreadsheet forms without an offset
    (2026-06-21 12:05:00, 6/21/2026 12:05) are wall times in `zone` (the system's zone when None)."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for form in _SHEET_FORMATS:
            try:
                moment = datetime.strptime(text, form)  # noqa: DTZ007 (a wall time: given its zone below)
                break
            except ValueError:
                continue
        else:
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    return moment


def parse_number(text: str) -> float | None:
    """A number from a cell, also as a spreadsheet writes it ("0,281", " 1 234.5 "), or None."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text:
        text = text.replace(",", ".") if "." not in text and text.count(",") == 1 else text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _has_offset(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def normalised_row(row: dict[str, str], zone: tzinfo | None) -> dict[str, str]:
    """A row's cells as this program writes them; a cell it cannot read becomes empty (unknown)."""
    out = {}
    for name, text in row.items():
        if name in _TEXT_COLUMNS:
            out[name] = text
        elif name in _TIME_COLUMNS:
            moment = parse_timestamp(text, zone)
            out[name] = text if moment is None or _has_offset(text) else moment.isoformat(timespec="seconds")
        else:
            out[name] = cell(parse_number(text))
    return out
