"""The learned normal on disk, beside the alert state: one small JSON file per 20-minute bin of solar time
(DATA_DIR/alerts-normal/NNN.json), and the daily shares of each inverter's normal for the report's trend
(DATA_DIR/alerts-shares.json, rewritten once a day). Written atomically; a damaged file is set aside with one
warning and that part is learned afresh."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pvs6sup.alerts.memory import DetectorState
from pvs6sup.alerts.normal import CELL_SIZE, BinTable
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

log = logging.getLogger(__name__)

NORMAL_DIR = "alerts-normal"
SHARES_FILE = "alerts-shares.json"
KEEP_DAYS = 35  # daily shares kept per inverter: the report shows 30


def bin_from_doc(document: dict[str, Any]) -> BinTable:
    """A bin's table from its JSON document; ValueError, KeyError or TypeError when it is not one."""
    cells = {}
    for serial, cell in document["cells"].items():
        if len(cell) > CELL_SIZE:
            raise ValueError(f"a cell of over {CELL_SIZE} numbers")
        cells[str(serial)] = [float(v) for v in cell] + [0.0] * (CELL_SIZE - len(cell))
    return BinTable(float(document["envelope_kw"]), str(document["day"]), cells)


def bin_to_doc(table: BinTable) -> dict[str, Any]:
    """The document: each cell's numbers to 4 decimals, its trailing zeros left out (light not seen yet)."""
    cells = {}
    for serial, cell in table.cells.items():
        numbers = [round(v, 4) for v in cell]
        while numbers and numbers[-1] == 0:
            numbers.pop()
        cells[serial] = numbers
    return {"envelope_kw": round(table.envelope_kw, 4), "day": table.day, "cells": cells}


def _bin_from_json(data: bytes) -> BinTable:
    return bin_from_doc(json.loads(data))


class FileBook:
    """The learned normal on disk (a NormalBook): DATA_DIR/alerts-normal/NNN.json, one per 20-minute bin of
    solar time, read when first needed. The bin in use travels in the alert state (`carried`), which is
    rewritten every cycle anyway, so a cycle writes a bin's file only when it moves on to the next bin (every
    20 minutes) or when the faces are found (weekly). A damaged file is set aside and that bin learned afresh."""

    def __init__(self, data_dir: Path, carried: dict[int, BinTable] | None = None) -> None:
        self.data_dir = data_dir
        self.folder = data_dir / NORMAL_DIR
        self.tables: dict[int, BinTable] = dict(carried or {})
        self.in_use: int | None = None

    def _path(self, key: int) -> Path:
        return self.folder / f"{key:03d}.json"

    def table(self, key: int) -> BinTable:
        self.in_use = key
        table = self.tables.get(key)
        if table is None:
            path, fresh = self._path(key), "that bin is learned afresh"
            loaded = load_state(path, _bin_from_json, "learned normal", fresh, self.data_dir)
            table = self.tables[key] = loaded or BinTable()
        return table

    def every_table(self) -> dict[int, BinTable]:
        if self.folder.is_dir():
            for path in self.folder.glob("[0-9][0-9][0-9].json"):
                key = int(path.stem)
                if key not in self.tables:
                    path_fresh = "that bin is learned afresh"
                    loaded = load_state(path, _bin_from_json, "learned normal", path_fresh, self.data_dir)
                    self.tables[key] = loaded or BinTable()
        return self.tables

    def save(self) -> dict[int, BinTable]:
        """Write every table read but the one in use, which is returned for the alert state to carry."""
        for key, table in self.tables.items():
            if key != self.in_use:
                atomic_write(self._path(key), json.dumps(bin_to_doc(table), separators=(",", ":")).encode("utf-8"))
        return {self.in_use: self.tables[self.in_use]} if self.in_use is not None else {}


def _shares_from_json(data: bytes) -> dict[str, list[list[Any]]]:
    document = json.loads(data)
    if not isinstance(document, dict) or any(not isinstance(days, list) for days in document.values()):
        raise ValueError("not an object of lists")
    return {str(serial): [list(day) for day in days] for serial, days in document.items()}


def read_shares(data_dir: Path) -> dict[str, list[list[Any]]]:
    """Each inverter's finished days: [solar day, made kWh, expected kWh], oldest first."""
    path = data_dir / SHARES_FILE
    return load_state(path, _shares_from_json, "daily shares", "the trend starts afresh", data_dir) or {}


def merge_days(shares: dict[str, list[list[Any]]], detector: DetectorState) -> None:
    """Move the detector's finished days into `shares` (in place), keeping the last KEEP_DAYS of inverters
    still known."""
    for serial, *entry in detector.closed:
        days = shares.setdefault(str(serial), [])
        days.append([entry[0], round(float(entry[1]), 4), round(float(entry[2]), 4)])
        del days[:-KEEP_DAYS]
    for serial in [s for s in shares if s not in detector.inverters]:
        del shares[serial]
    detector.closed.clear()


def file_finished_days(data_dir: Path, detector: DetectorState) -> None:
    """Once a day, when days have finished: add them to DATA_DIR/alerts-shares.json."""
    if not detector.closed:
        return
    shares = read_shares(data_dir)
    merge_days(shares, detector)
    atomic_write(data_dir / SHARES_FILE, json.dumps(shares, separators=(",", ":")).encode("utf-8"))
