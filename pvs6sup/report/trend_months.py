"""Each inverter's monthly share of its face's median (core/trend.py) from daily.csv, with the finished months kept
in DATA_DIR/trend-months.json: the report reads only this month's rows of daily.csv, so it costs the same in
the tenth year as in the first. The file is computed again from the whole of daily.csv when the faces it was
made with change, and removed by `report --rebuild`. A damaged one is set aside with one warning."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pvs6sup.core.rollup import DAILY_COLUMNS, SITE
from pvs6sup.core.trend import daily_shares, monthly_medians
from pvs6sup.errors import StorageError
from pvs6sup.store import rollup_file
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

CACHE_FILE = "trend-months.json"


def _decode(data: bytes) -> dict[str, Any]:
    document = json.loads(data)
    if not isinstance(document, dict) or not isinstance(document.get("months"), dict):
        raise ValueError("not a trend document")
    return document


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def monthly_shares(data_dir: Path, faces: Sequence[Sequence[str]], today: date) -> dict[str, dict[str, float]]:
    """serial -> 'YYYY-MM' -> its monthly share of its face's median, this month's so far included."""
    path = data_dir / CACHE_FILE
    key = sorted(sorted(members) for members in faces)
    cache = load_state(path, _decode, "the trend's months", "the trend is computed again from daily.csv", data_dir)
    current = _month(today)
    first_of_month = today.replace(day=1)
    kept: dict[str, dict[str, float]] = {}
    since = date.min
    if cache is not None and cache.get("faces") == key:
        try:
            year, month = (int(part) for part in str(cache.get("through")).split("-"))
            since = date(year + month // 12, month % 12 + 1, 1)  # the month after the last one kept
            kept = {str(s): {str(m): float(v) for m, v in ms.items()} for s, ms in cache["months"].items()}
        except (ValueError, TypeError, AttributeError):  # not as written: computed again, whole
            kept, since = {}, date.min
    shares = daily_shares(_energy(data_dir, since), faces)
    found: dict[str, dict[str, float]] = {serial: dict(months) for serial, months in kept.items()}
    finished_new = since == date.min
    for serial, days in shares.items():
        for name, share in monthly_medians(days).items():
            found.setdefault(serial, {})[name] = share
            finished_new = finished_new or name < current
    if finished_new:
        finished = {s: {m: round(v, 5) for m, v in ms.items() if m < current} for s, ms in found.items()}
        previous = _month(date.fromordinal(first_of_month.toordinal() - 1))
        document = {"faces": key, "through": previous, "months": finished}
        atomic_write(path, json.dumps(document, separators=(",", ":")).encode("utf-8"))
    return found


def _energy(data_dir: Path, since: date) -> list[tuple[date, str, float | None]]:
    """(day, serial, kWh) of every inverter row of daily.csv from `since` on: the file's end for a month, the
    whole file read once, three cells a line, when everything is computed again (a year is 11,000 lines)."""
    if since > date.min:
        return [(r.day, r.serial, r.energy_kwh) for r in rollup_file.read_since(data_dir, since) if r.serial != SITE]
    found = []
    try:
        with (data_dir / rollup_file.DAILY_FILE).open(newline="", encoding="utf-8", errors="replace") as handle:
            for fields in csv.reader(handle):
                if len(fields) != len(DAILY_COLUMNS) or fields[1] == SITE:
                    continue
                try:
                    found.append((date.fromisoformat(fields[0]), fields[1], float(fields[2]) if fields[2] else None))
                except ValueError:  # the header, or a line a spreadsheet mangled: left out, as the rollup does
                    continue
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StorageError(f"cannot read {data_dir / rollup_file.DAILY_FILE}: {err.strerror or err}") from err
    return found


def forget(data_dir: Path) -> None:
    """Drop the kept months (daily.csv was rebuilt)."""
    (data_dir / CACHE_FILE).unlink(missing_ok=True)
