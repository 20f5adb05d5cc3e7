"""Record first: a reading reaches a sink's queue only once its CSV rows are written, and a kill loses nothing.

The CSV is the record (Google Sheets re-queues from it), so no sink may hold a reading it does not. For the sink
modules (PVOutput, InfluxDB, Prometheus, MQTT), whose payloads need the whole reading:

1. stage(): before the CSV rows, every such sink's payload is written whole to DATA_DIR/outbox/handoff.json
   (atomic write; no sink reads this file);
2. the cycle appends the CSV rows;
3. hand_over(): each payload goes into its sink's queue, unless that queue already holds a reading this new, and
   the file is removed.

A run that finds the file (a run killed between 1 and 3, or a disk that filled between 2 and 3) first looks at
readings.csv: when its newest row is the staged reading, the hand-over is finished; when it is not (the kill or
the full disk came before the row), the file is dropped, since the CSV does not hold that reading.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from pvs6sup.core.models import Reading
from pvs6sup.errors import StorageError
from pvs6sup.settings.sinks import OUTBOX_DIR, SinkSettings
from pvs6sup.sinks import deliver
from pvs6sup.store import csvlog
from pvs6sup.store.files import atomic_write, private_dir

log = logging.getLogger(__name__)

HANDOFF_FILE = "handoff.json"


def _path(data_dir: Path) -> Path:
    return data_dir / OUTBOX_DIR / HANDOFF_FILE


def stage(
    sinks: SinkSettings, reading: Reading, *, data_dir: Path, site_name: str, zone: tzinfo
) -> dict[str, Any] | None:
    """Write each sink module's payload of the reading to the hand-off file; the document, or None (no sink)."""
    staged = [sink for sink in deliver.configured_sinks(sinks) if sink.staged]
    if not staged:
        return None
    document = {
        "fetched_at": reading.fetched_at.isoformat(),
        "payloads": {s.name: s.payload(reading, site_name, zone) for s in staged},
    }
    private_dir(_path(data_dir).parent)
    atomic_write(_path(data_dir), json.dumps(document, ensure_ascii=False).encode("utf-8"))
    return document


def hand_over(sinks: SinkSettings, data_dir: Path, document: dict[str, Any]) -> None:
    """Queue each staged payload in its sink's queue (each its own step: one that fails is one warning), then
    remove the hand-off file."""
    fetched_at = datetime.fromisoformat(document["fetched_at"])
    payloads = document.get("payloads", {})
    for sink in deliver.configured_sinks(sinks):
        if sink.name not in payloads:
            continue
        try:
            queue = sink.queue(data_dir)
            last = queue.last_queued_at()
            if last is None or last < fetched_at:
                queue.enqueue(fetched_at, payloads[sink.name])
            deliver.trim(data_dir, sink, fetched_at)
        except (StorageError, OSError) as err:
            log.warning("%s queue: %s; this reading is not sent to it", sink.title, err)
    _remove(_path(data_dir))


def recover(sinks: SinkSettings, data_dir: Path) -> None:
    """Finish (or drop) the hand-off a killed run left: see the module's docstring."""
    path = _path(data_dir)
    try:
        document = json.loads(path.read_bytes())
        fetched_at = datetime.fromisoformat(document["fetched_at"])
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError) as err:  # a damaged file: nothing in it can be trusted
        log.warning("%s: unreadable (%s); removed", path, err)
        _remove(path)
        return
    newest = csvlog.newest_timestamp(data_dir)
    if newest is not None and abs((newest - fetched_at).total_seconds()) < 1:
        log.info("the reading of %s was recorded but not yet queued for the sinks; queued now", fetched_at)
        hand_over(sinks, data_dir, document)
    else:
        log.info("the reading of %s was not recorded (the run ended first); no sink gets it", fetched_at)
        _remove(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
