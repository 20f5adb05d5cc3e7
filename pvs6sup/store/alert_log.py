"""The alert history: DATA_DIR/alerts-history.jsonl, one line per raised/resolved event, append-only.

The alert state keeps only active incidents; the report and the summary email also show the recent
ones. Alerts are rare (a line is about 200 bytes), so the file stays small; readers read its tail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pvs6sup.errors import StorageError
from pvs6sup.store.files import append_lines

if TYPE_CHECKING:  # every cycle appends; only the report reads (and pays for importing its records)
    from pvs6sup.alerts.incidents import Event
    from pvs6sup.report.data import AlertItem

LOG_FILE = "alerts-history.jsonl"
TAIL_BYTES = 256 * 1024


def append(data_dir: Path, events: Sequence[Event]) -> None:
    """Record raised and resolved events (a reminder changes nothing)."""
    lines = [json.dumps(e.as_json(), separators=(",", ":")) + "\n" for e in events if e.event in ("raised", "resolved")]
    if lines:
        append_lines(data_dir / LOG_FILE, b"", "".join(lines).encode("utf-8"))


def recent(data_dir: Path, since: datetime, price: float | None = None) -> list[AlertItem]:
    """Alerts raised or resolved since `since`, each raised one paired with its resolution (if any); a resolved
    inverter's with its likely cause and the energy it lost (in money too with `price` per kWh)."""
    from pvs6sup.alerts.diagnosis import energy_text
    from pvs6sup.report.data import AlertItem

    path = data_dir / LOG_FILE
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            lines = handle.read().split(b"\n")[:-1]
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err.strerror or err}") from err
    open_: dict[str, AlertItem] = {}
    found: list[AlertItem] = []
    for line in lines[1:] if size > TAIL_BYTES else lines:
        try:
            e = json.loads(line)
            at = datetime.fromisoformat(e["time"])
            key = f"inverter:{e['serial']}" if e.get("serial") else e["kind"]
            item = AlertItem(e["kind"], e.get("serial"), e["message"], at)
        except (ValueError, KeyError, TypeError):
            continue
        if e["event"] == "raised":
            open_[key] = item
        elif e["event"] == "resolved":
            raised = open_.pop(key, None)
            start = raised.raised_at if raised else at
            message = raised.message if raised else item.message
            lost = e.get("lost_kwh")
            days = (at - start).total_seconds() / 86400
            energy = energy_text(float(lost), days, price) if isinstance(lost, (int, float)) else ""
            note = " ".join(filter(None, (str(e.get("evidence") or ""), energy)))
            found.append(AlertItem(item.kind, item.serial, message, start, at, note))
    found += open_.values()  # raised and not resolved: the alert state says whether still active
    return sorted((a for a in found if (a.resolved_at or a.raised_at) >= since), key=lambda a: a.raised_at)
