"""The alert history: DATA_DIR/alerts-history.jsonl, one line per raised/resolved event, append-only.

The alert state keeps only active incidents; the report and the summary email also show the recent
ones. Alerts are rare (a line is about 200 bytes), so the file stays small; readers read its tail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pvs6sup.errors import StorageError
from pvs6sup.store.files import append_lines

LOG_FILE = "alerts-history.jsonl"
TAIL_BYTES = 256 * 1024


class LoggedEvent(Protocol):
    """What the history keeps of an alert event (alerts.incidents.Event): the store knows no alert."""

    @property
    def event(self) -> str: ...

    def as_json(self) -> dict[str, object]: ...


def append(data_dir: Path, events: Sequence[LoggedEvent]) -> None:
    """Record raised and resolved events (a reminder changes nothing)."""
    lines = [json.dumps(e.as_json(), separators=(",", ":")) + "\n" for e in events if e.event in ("raised", "resolved")]
    if lines:
        append_lines(data_dir / LOG_FILE, b"", "".join(lines).encode("utf-8"))


def read_events(data_dir: Path) -> list[dict[str, Any]]:
    """The events of the file's tail, oldest first (a line cut by the tail is left out); [] when there is none.

    Raw documents: the report pairs each raised event with its resolution (report/load.py)."""
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
    events = []
    for line in lines[1:] if size > TAIL_BYTES else lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            events.append(document)
    return events
