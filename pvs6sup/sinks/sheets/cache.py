"""What Google told us about the spreadsheet (each worksheet's id, header and last row, a wait it asked for),
kept in DATA_DIR/outbox/sheets/ so that a steady cycle needs no metadata call."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pvs6sup.core.records import Record, as_dict, field
from pvs6sup.sinks.queue import sheets_queue
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

CACHE_FILE = "sheets-cache.json"


class Worksheet(Record):
    title: str
    sheet_id: int
    columns: list[str]
    column_count: int
    last_row: int | None = None


class Cache(Record):
    """What Google told us about the spreadsheet, so that a steady cycle needs no metadata call."""

    path: Path
    spreadsheet_id: str
    worksheets: dict[str, Worksheet] = field(default_factory=dict)
    not_before: datetime | None = None

    @classmethod
    def load(cls, data_dir: Path, spreadsheet_id: str) -> Cache:
        path = sheets_queue(data_dir).folder / CACHE_FILE
        what, fresh = "Google Sheets cache", "the worksheet is looked up again"
        cache = load_state(path, lambda data: decode_cache(path, data), what, fresh, data_dir)
        if cache is None or cache.spreadsheet_id != spreadsheet_id:
            return cls(path, spreadsheet_id)  # none yet, damaged, or another spreadsheet: nothing we knew applies
        return cache

    def save(self) -> None:
        document = {
            "spreadsheet_id": self.spreadsheet_id,
            "worksheets": {t: as_dict(ws) for t, ws in self.worksheets.items()},
            "not_before": self.not_before.isoformat() if self.not_before else None,
        }
        atomic_write(self.path, (json.dumps(document, indent=1) + "\n").encode())


def decode_cache(path: Path, data: bytes) -> Cache:
    """The cache file's document; ValueError/TypeError/KeyError when it is not one."""
    document = json.loads(data)
    worksheets = {str(title): Worksheet(**ws) for title, ws in document.get("worksheets", {}).items()}
    if not all(isinstance(ws.sheet_id, int) and isinstance(ws.columns, list) for ws in worksheets.values()):
        raise TypeError("a worksheet entry of the wrong shape")
    not_before = datetime.fromisoformat(document["not_before"]) if document.get("not_before") else None
    return Cache(path, str(document.get("spreadsheet_id")), worksheets, not_before)
