"""What a cycle queues for Google Sheets (a reading's row, and any row readings.csv has that the queue missed)
and the queue's line for status. No Google library is needed for either."""

from __future__ import annotations

import logging
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

from pvs6sup.core.models import Reading
from pvs6sup.core.rows import READING_COLUMNS, cell, reading_row
from pvs6sup.errors import StorageError
from pvs6sup.sinks.queue import sheets_queue
from pvs6sup.store import csvquery

log = logging.getLogger(__name__)


def queue_reading(data_dir: Path, reading: Reading, zone: tzinfo) -> int:
    """Put the reading's sheet row in the outbox: the site row plus each inverter's power.

    Readings that reached the CSVs but not the queue (the program was killed between the two appends, or
    the queue was lost or set aside as damaged) are queued first, rebuilt from the CSVs, so that nothing is
    lost and the sheet stays in order: every one of them, however far back, with one summary line.
    """
    queue = sheets_queue(data_dir)
    queue.verify()
    last_queued = queue.last_queued_at()
    if last_queued is not None:
        missed = csvquery.rows_between(data_dir, last_queued, reading.fetched_at)
        powers = _inverter_powers(data_dir, {row["timestamp"] for row in missed})
        for row in missed:
            payload: dict[str, Any] = {
                "row": [row[name] for name in READING_COLUMNS],
                "inverters_kw": powers.get(row["timestamp"], {}),
            }
            queue.enqueue(datetime.fromisoformat(row["timestamp"]).astimezone(timezone.utc), payload)
        if missed:
            log.warning("re-queued %d row%s from readings.csv for Google Sheets", len(missed), "s"[: len(missed) - 1])
    row = reading_row(reading, zone)
    payload = {
        "row": [row[name] for name in READING_COLUMNS],  # a list, not a dict: one queue line a cycle, kept short
        "inverters_kw": {inv.serial: cell(inv.power_kw) for inv in reading.devices.inverters},
    }
    return queue.enqueue(reading.fetched_at, payload)


def _inverter_powers(data_dir: Path, stamps: set[str]) -> dict[str, dict[str, str]]:
    """timestamp -> {serial: power_kw cell} from the monthly inverter files: the tail for one row, else their months."""
    if len(stamps) <= 1:
        return {stamp: csvquery.inverter_power_at(data_dir, stamp) for stamp in stamps}
    try:
        return csvquery.inverter_powers(data_dir, stamps)
    except OSError as err:  # the site rows still go; their inverter columns stay empty
        log.warning("Google Sheets: cannot read the inverter rows (%s); inverter columns left empty", err)
        return {}


def backlog_line(data_dir: Path, now: datetime) -> str | None:
    """'Sheets queue  3 rows waiting, the oldest for 15 min' for status; None when there is no queue."""
    queue = sheets_queue(data_dir)
    if not queue.exists():
        return None
    try:
        waiting = queue.backlog(now)
    except StorageError:
        return "Sheets queue  unreadable"
    if not waiting.rows:
        return "Sheets queue  empty (all delivered)"
    from pvs6sup.core.texts import age_text

    rows = f"{waiting.rows} row{'s' if waiting.rows != 1 else ''}"
    return f"Sheets queue  {rows} waiting, the oldest for {age_text(waiting.oldest_age_s)}"
