"""A durable local queue of rows waiting for delivery (Google Sheets), safe against kill -9 anywhere.

Two files in DATA_DIR/sheets/:
- outbox.jsonl: one JSON entry per line, appended whole and fsync'd (a line torn by a crash is ignored
  and trimmed before the next append). Every entry has a sequence number that only grows.
- outbox-state.json, written atomically: `delivered_through` (the highest sequence number the
  receiver confirmed) and `sending` (the range handed to the receiver whose outcome is not yet known).

An entry leaves the queue only when its delivery is confirmed: confirm() moves the cursor first, then
rewrites the JSONL without delivered lines (a crash in between only leaves lines the cursor skips).
While `sending` is set, the caller must find out what landed before sending anything else.

Damage heals (statefile.py): a damaged or unreadable state is set aside and every entry still in the JSONL is
marked in doubt (`sending` with no target), so the caller checks the sheet before sending any of them again;
a damaged or unreadable JSONL is set aside and the rows it held are queued again from readings.csv.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pvs6sup.store.files import append_lines, atomic_write
from pvs6sup.store.statefile import heal, load_state, reclaim

log = logging.getLogger(__name__)

FOLDER = "sheets"
QUEUE_FILE = "outbox.jsonl"
STATE_FILE = "outbox-state.json"


@dataclass(frozen=True)
class Entry:
    """One queued row: its sequence number, when it was read (UTC), and what to deliver."""

    seq: int
    fetched_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class Sending:
    """Entries first..last were handed to `target` and no answer says whether they landed.

    An empty target means the worksheet is unknown (the state was lost): the tab of the first entry.
    """

    first: int
    last: int
    target: str


@dataclass(frozen=True)
class State:
    delivered_through: int = 0
    sending: Sending | None = None
    delivered_at: datetime | None = None  # when the newest delivered entry was read: what the queue last held


def _folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def decode_state(data: bytes) -> State:
    """The state file's document; ValueError/KeyError/TypeError when it is not one."""
    document = json.loads(data)
    if not isinstance(document, dict):
        raise TypeError(f"a JSON {type(document).__name__}, not an object")
    sending = document.get("sending")
    delivered_at = document.get("delivered_at")
    return State(
        delivered_through=int(document.get("delivered_through", 0)),
        sending=Sending(int(sending["first"]), int(sending["last"]), str(sending["target"])) if sending else None,
        delivered_at=datetime.fromisoformat(delivered_at) if delivered_at else None,
    )


def read_state(data_dir: Path) -> State:
    """The cursor and the in-flight range; a fresh queue has neither.

    A damaged state is set aside (one warning) and replaced by one that puts every entry still queued in
    doubt: which of them reached the sheet is then found out from the sheet, so none is sent twice.
    """
    path = _folder(data_dir) / STATE_FILE
    existed = os.path.lexists(path)
    state = load_state(path, decode_state, "Google Sheets queue state", "the sheet will be checked", data_dir)
    if state is not None or not existed:
        return state or State()
    entries = sorted(e.seq for e in _entries(data_dir))
    state = State(entries[0] - 1, Sending(entries[0], entries[-1], "")) if entries else State()
    _write_state(data_dir, state)
    return state


def _write_state(data_dir: Path, state: State) -> None:
    sending = state.sending
    document = {
        "delivered_through": state.delivered_through,
        "sending": {"first": sending.first, "last": sending.last, "target": sending.target} if sending else None,
        "delivered_at": state.delivered_at.isoformat() if state.delivered_at else None,
    }
    atomic_write(_folder(data_dir) / STATE_FILE, (json.dumps(document) + "\n").encode())


def _parse(line: bytes) -> Entry:
    document = json.loads(line)
    payload = document["payload"]
    if not isinstance(payload, dict):
        raise TypeError("the payload is not an object")
    fetched_at = datetime.fromisoformat(document["fetched_at"])
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at has no offset")
    return Entry(int(document["seq"]), fetched_at, payload)


def _encode(entry: Entry) -> bytes:
    document = {"seq": entry.seq, "fetched_at": entry.fetched_at.isoformat(), "payload": entry.payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


_QUEUE_WHAT, _QUEUE_FRESH = "Google Sheets queue", "its rows are queued again from readings.csv"


def _entries(data_dir: Path, after: int = 0) -> Iterator[Entry]:
    """Entries with seq > after, in file order; a torn last line (no newline) is not an entry yet.

    A file with a damaged line, or one that cannot be read, is set aside whole (one warning): its rows are
    queued again from readings.csv by the next queue_reading, so none is lost.
    """
    path = _folder(data_dir) / QUEUE_FILE
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as err:
        heal(path, data_dir, _QUEUE_WHAT, _QUEUE_FRESH, err)
        return
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    break
                try:
                    entry = _parse(line)
                except (ValueError, KeyError, TypeError, AttributeError) as err:
                    raise ValueError(f"line {number}: {err}") from err
                if entry.seq > after:
                    yield entry
        except (OSError, ValueError) as err:  # a damaged line, a folder, or an I/O error on the SD card
            heal(path, data_dir, _QUEUE_WHAT, _QUEUE_FRESH, err)


def verify(data_dir: Path) -> None:
    """Read the whole queue once, so that damage is set aside before anything is queued or sent."""
    for _ in _entries(data_dir):
        pass


def _last_seq(data_dir: Path) -> int:
    """The last whole line's sequence number, read from the end of the file only."""
    last = _last_entry(data_dir)
    return last.seq if last else 0


def _last_entry(data_dir: Path) -> Entry | None:
    """The last whole line's entry, read from the end of the file only."""
    path = _folder(data_dir) / QUEUE_FILE
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            window = min(size, 1 << 16)
            handle.seek(size - window)
            tail = handle.read(window)
    except FileNotFoundError:
        return None
    except OSError as err:
        heal(path, data_dir, _QUEUE_WHAT, _QUEUE_FRESH, err)
        return None
    lines = tail.split(b"\n")[:-1]  # whole lines only
    for line in reversed(lines[1:] if window < size else lines):  # the window's first line may be cut
        try:
            return _parse(line)
        except (ValueError, KeyError, TypeError):
            continue
    return max(_entries(data_dir), key=lambda e: e.seq, default=None)  # only damaged lines at the end: read all


def last_queued_at(data_dir: Path) -> datetime | None:
    """When the newest entry ever queued was read (waiting or delivered); None for a queue never used."""
    last = _last_entry(data_dir)
    return last.fetched_at if last else read_state(data_dir).delivered_at


def enqueue(data_dir: Path, fetched_at: datetime, payload: dict[str, Any]) -> int:
    """Append one entry (fsync'd) and return its sequence number."""
    seq = max(_last_seq(data_dir), read_state(data_dir).delivered_through) + 1
    reclaim(_folder(data_dir) / QUEUE_FILE, data_dir, "Google Sheets queue")
    append_lines(_folder(data_dir) / QUEUE_FILE, b"", _encode(Entry(seq, fetched_at, payload)))
    return seq


def pending(data_dir: Path) -> list[Entry]:
    """Undelivered entries, oldest first."""
    return sorted(_entries(data_dir, read_state(data_dir).delivered_through), key=lambda e: e.seq)


def pending_count(data_dir: Path) -> int:
    """How many entries wait, without reading them all (sequence numbers have no gaps)."""
    return max(0, _last_seq(data_dir) - read_state(data_dir).delivered_through)


def mark_sending(data_dir: Path, first: int, last: int, target: str) -> None:
    """Record, before sending, that entries first..last are about to go to target."""
    state = read_state(data_dir)
    _write_state(data_dir, replace(state, sending=Sending(first, last, target)))


def abandon_sending(data_dir: Path) -> None:
    """The receiver said for certain that nothing landed: forget the in-flight range."""
    state = read_state(data_dir)
    if state.sending is not None:
        _write_state(data_dir, replace(state, sending=None))


def confirm(data_dir: Path, through: int) -> None:
    """Entries up to `through` are delivered: move the cursor, clear the in-flight range, drop them."""
    state = read_state(data_dir)
    entries = list(_entries(data_dir))
    delivered = [e.fetched_at for e in entries if e.seq <= through]
    delivered_at = max(delivered) if delivered else state.delivered_at
    _write_state(data_dir, State(max(through, state.delivered_through), None, delivered_at))
    atomic_write(_folder(data_dir) / QUEUE_FILE, b"".join(_encode(e) for e in entries if e.seq > through))


@dataclass(frozen=True)
class Backlog:
    rows: int
    oldest_age_s: float | None


def backlog(data_dir: Path, now: datetime) -> Backlog:
    """How many rows wait, and how old the oldest is (seconds; None when none wait). Reads little."""
    count = pending_count(data_dir)
    oldest = next(_entries(data_dir, read_state(data_dir).delivered_through), None) if count else None
    if oldest is None:
        return Backlog(0, None)
    return Backlog(count, max(0.0, (now - oldest.fetched_at).total_seconds()))


def oldest_pending_age_s(data_dir: Path, now: datetime) -> float | None:
    """Age in seconds of the oldest undelivered row, None when nothing waits (for the backlog alert)."""
    return backlog(data_dir, now).oldest_age_s


def exists(data_dir: Path) -> bool:
    return os.path.exists(_folder(data_dir) / QUEUE_FILE)
