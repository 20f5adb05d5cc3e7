"""The two CSV logs: one row per reading (readings.csv) and one per inverter (inverters.csv)."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
from datetime import datetime, tzinfo
from pathlib import Path

from .files import append_lines
from .models import Reading

log = logging.getLogger(__name__)

READINGS_FILE = "readings.csv"
INVERTERS_FILE = "inverters.csv"

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


def inverter_rows(reading: Reading, zone: tzinfo) -> list[dict[str, str]]:
    """One inverters.csv row per inverter, in the PVS's order."""
    stamp = local_timestamp(reading.fetched_at, zone)
    return [
        {
            "timestamp": stamp,
            "serial": inv.serial,
            "state": cell(inv.state),
            "power_kw": cell(inv.power_kw),
            "lifetime_kwh": cell(inv.lifetime_kwh),
            "temperature_c": cell(inv.temperature_c),
            "dc_power_kw": cell(inv.dc_power_kw),
            "reported_at": local_timestamp(inv.measured_at, zone),
        }
        for inv in reading.devices.inverters
    ]


def _encode(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _header(columns: tuple[str, ...]) -> bytes:
    return (",".join(columns) + "\n").encode("utf-8")


def _set_aside_if_other_header(path: Path, header: bytes, now: datetime) -> None:
    """A file written with other columns (an older version) is renamed aside, never mixed or rewritten."""
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except FileNotFoundError:
        return
    if not first or first == header:
        return
    aside = path.with_name(f"{path.stem}.until-{now.strftime('%Y%m%dT%H%M%S')}{path.suffix}")
    os.replace(path, aside)
    log.warning("%s had other columns; kept as %s and started anew", path.name, aside.name)


def newest_timestamp(data_dir: Path) -> datetime | None:
    """The timestamp of the last row of readings.csv (read from its tail), or None."""
    for row in reversed(_tail_rows(data_dir / READINGS_FILE, READING_COLUMNS, 4096)):
        try:
            return datetime.fromisoformat(row["timestamp"])
        except ValueError:
            continue
    return None


def _tail_rows(path: Path, columns: tuple[str, ...], tail_bytes: int) -> list[dict[str, str]]:
    """The whole rows in the last tail_bytes of a CSV written with these columns."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - tail_bytes))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return []
    lines = lines[1:]  # the header, or a line the window cut
    return [dict(zip(columns, row, strict=False)) for row in csv.reader(lines) if len(row) == len(columns)]


def rows_between(data_dir: Path, after: datetime, before: datetime) -> list[dict[str, str]]:
    """readings.csv rows stamped strictly between two moments (to the second), from the file's tail."""
    low, high = after.replace(microsecond=0), before.replace(microsecond=0)
    found = []
    rows = _tail_rows(data_dir / READINGS_FILE, READING_COLUMNS, 64 * 1024)
    with contextlib.suppress(ValueError, TypeError):  # the tail does not reach back far enough: read it all
        if rows and datetime.fromisoformat(rows[0]["timestamp"]) > low:
            rows = _tail_rows(data_dir / READINGS_FILE, READING_COLUMNS, 1 << 62)
    for row in rows:
        try:
            stamp = datetime.fromisoformat(row["timestamp"])
        except ValueError:
            continue
        if low < stamp < high:
            found.append(row)
    return found


def inverter_power_at(data_dir: Path, timestamp: str) -> dict[str, str]:
    """serial -> power_kw cell of the inverters.csv rows with this exact timestamp, from the file's tail."""
    rows = _tail_rows(data_dir / INVERTERS_FILE, INVERTER_COLUMNS, 512 * 1024)
    return {row["serial"]: row["power_kw"] for row in rows if row["timestamp"] == timestamp}


def recent_power(data_dir: Path, serial: str, points: int = 36) -> list[tuple[float, float | None]]:
    """The last `points` (epoch s, kW) of one inverter, read from the tail of inverters.csv (for an email's
    trend; kept out of the alert state so that the state file, rewritten every cycle, stays small)."""
    found: list[tuple[float, float | None]] = []
    for row in _tail_rows(data_dir / INVERTERS_FILE, INVERTER_COLUMNS, 256 * 1024):  # 36 readings of 60 inverters
        if row["serial"] == serial:
            try:
                stamp = datetime.fromisoformat(row["timestamp"]).timestamp()
            except ValueError:
                continue
            found.append((stamp, float(row["power_kw"]) if row["power_kw"] else None))
    return found[-points:]


def append_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]], now: datetime) -> None:
    """Append rows to a CSV, writing the header if the file is new."""
    header = _header(columns)
    _set_aside_if_other_header(path, header, now)
    if rows:
        append_lines(path, header, _encode(columns, rows))


def append_reading(data_dir: Path, reading: Reading, zone: tzinfo) -> None:
    """Append the reading's inverters to inverters.csv, then its row to readings.csv.

    The readings.csv row goes last: it is what marks the reading as recorded (a kill between the two
    leaves inverter rows without a site row, never a site row claiming inverters that were not written).
    """
    append_csv(data_dir / INVERTERS_FILE, INVERTER_COLUMNS, inverter_rows(reading, zone), reading.fetched_at)
    append_csv(data_dir / READINGS_FILE, READING_COLUMNS, [reading_row(reading, zone)], reading.fetched_at)
