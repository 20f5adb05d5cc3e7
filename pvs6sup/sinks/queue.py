"""One durable local queue per sink, safe against kill -9 anywhere: DATA_DIR/outbox/<sink>/.

Two files per sink:
- queue.jsonl: one JSON entry per line, appended whole and fsync'd (a line torn by a crash is ignored and
  trimmed before the next append). Every entry has a sequence number that only grows.
- state.json, written atomically: `cursor` (the highest sequence number settled: delivered or dropped),
  `sending` (the range handed to the receiver whose outcome is not yet known), the sink's `memo` (what it keeps
  between cycles), `retry_after` (no send before then) and the last config warning (said at most once a day).

An entry leaves the queue only when it is settled: confirm() moves the cursor (and saves the memo) first, then
rewrites the JSONL without settled lines (a crash in between only leaves lines the cursor skips).
The queue is bounded by age: once its oldest entry is older than the sink's limit, the oldest tenth of that
span is dropped at once, with one summary warning (so a long outage rewrites the file rarely, not every cycle).

Damage heals (statefile.py): a damaged or unreadable state is set aside and every entry still in the JSONL is
marked in doubt (`sending` with no target), so a sink that can look (Google Sheets) checks before sending them
again, and the others, whose receivers overwrite by time, send them again; a damaged or unreadable JSONL is set
aside (Google Sheets queues its rows again from readings.csv).

Before this shared queue, Google Sheets kept its queue in DATA_DIR/sheets/ (outbox.jsonl, outbox-state.json):
migrate_legacy() moves that folder in place, by renames only, so a kill at any point loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pvs6sup.core.records import FrozenRecord, field, replace
from pvs6sup.settings.sinks import OUTBOX_DIR, QUEUE_FILE, SHEETS, SHEETS_TITLE
from pvs6sup.store.files import append_lines, atomic_write, private_dir
from pvs6sup.store.statefile import heal, load_state, reclaim

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
LEGACY_DIR = "sheets"  # DATA_DIR/sheets/: the Google Sheets queue before every sink had one
LEGACY_NAMES = {"outbox.jsonl": QUEUE_FILE, "outbox-state.json": STATE_FILE}
TRIM_FRACTION = 0.1  # past its age limit, a queue drops this much more, so the next trim is far off


class Entry(FrozenRecord):
    """One queued item: its sequence number, when it was read (UTC), and what to deliver."""

    seq: int
    fetched_at: datetime
    payload: dict[str, Any]


class Sending(FrozenRecord):
    """Entries first..last were handed to `target` and no answer says whether they landed.

    An empty target means the target is unknown (the state was lost); Google Sheets then looks in the tab of
    the first entry.
    """

    first: int
    last: int
    target: str = ""


class State(FrozenRecord):
    cursor: int = 0
    sending: Sending | None = None
    delivered_at: datetime | None = None  # when the newest settled entry was read: what the queue last held
    memo: dict[str, Any] = field(default_factory=dict)
    retry_after: datetime | None = None
    warned: str = ""  # the last config warning, said again only after a day
    warned_at: datetime | None = None
    dropped_at: datetime | None = None  # the last time the age limit dropped entries


class Backlog(FrozenRecord):
    rows: int
    oldest_age_s: float | None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def decode_state(data: bytes) -> State:
    """The state file's document (also the legacy Sheets form); ValueError/KeyError/TypeError when not one."""
    document = json.loads(data)
    if not isinstance(document, dict):
        raise TypeError(f"a JSON {type(document).__name__}, not an object")
    sending = document.get("sending")
    memo = document.get("memo") or {}
    if not isinstance(memo, dict):
        raise TypeError("the memo is not an object")
    return State(
        cursor=int(document["cursor"] if "cursor" in document else document.get("delivered_through", 0)),
        sending=Sending(int(sending["first"]), int(sending["last"]), str(sending["target"])) if sending else None,
        delivered_at=_time(document.get("delivered_at")),
        memo=memo,
        retry_after=_time(document.get("retry_after")),
        warned=str(document.get("warned") or ""),
        warned_at=_time(document.get("warned_at")),
        dropped_at=_time(document.get("dropped_at")),
    )


def _encode_state(state: State) -> bytes:
    sending = state.sending
    document = {
        "cursor": state.cursor,
        "sending": {"first": sending.first, "last": sending.last, "target": sending.target} if sending else None,
        "delivered_at": state.delivered_at.isoformat() if state.delivered_at else None,
        "memo": state.memo,
        "retry_after": state.retry_after.isoformat() if state.retry_after else None,
        "warned": state.warned,
        "warned_at": state.warned_at.isoformat() if state.warned_at else None,
        "dropped_at": state.dropped_at.isoformat() if state.dropped_at else None,
    }
    return (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")


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


def migrate_legacy(data_dir: Path) -> None:
    """Move DATA_DIR/sheets/ (the Google Sheets queue, cache and token) to DATA_DIR/outbox/sheets/, renaming
    outbox.jsonl and outbox-state.json to the shared names. Renames only: a kill anywhere leaves a state the
    next call finishes. Cheap when there is nothing to do (three lstat calls)."""
    old, new = data_dir / LEGACY_DIR, data_dir / OUTBOX_DIR / LEGACY_DIR
    if os.path.isdir(old) and not os.path.lexists(new):
        private_dir(new.parent)
        os.rename(old, new)
        log.info("moved the Google Sheets queue from %s to %s", old, new)
    elif os.path.isdir(old):  # both exist (an older version ran after the move): bring over what is not there
        for child in sorted(os.listdir(old)):
            target = new / LEGACY_NAMES.get(child, child)
            if os.path.lexists(target):
                log.warning("%s: kept where it is, %s exists; compare the two, keep one", old / child, target)
                continue
            os.rename(old / child, target)
        with contextlib.suppress(OSError):  # something stayed: said above
            os.rmdir(old)
    for legacy, current in LEGACY_NAMES.items():
        if os.path.lexists(new / legacy) and not os.path.lexists(new / current):
            os.rename(new / legacy, new / current)


class Queue:
    """The queue of one sink: DATA_DIR/outbox/<name>/.

    `title` names the sink for people ("PVOutput"); `lost` says what happens to the entries of a damaged queue
    file ("its rows are queued again from readings.csv" for Google Sheets).
    """

    def __init__(self, data_dir: Path, name: str, title: str, lost: str = "the entries it held are not sent") -> None:
        self.data_dir, self.name, self.title, self.lost = data_dir, name, title, lost
        self.folder = data_dir / OUTBOX_DIR / name
        self.path = self.folder / QUEUE_FILE
        self.state_path = self.folder / STATE_FILE

    # --- the state -------------------------------------------------------------------------------

    def read_state(self) -> State:
        """The cursor, the in-flight range, the memo; a fresh queue has none.

        A damaged state is set aside (one warning) and replaced by one that puts every entry still queued in
        doubt, so none is lost and a sink that can look (Sheets) sends none twice.
        """
        existed = os.path.lexists(self.state_path)
        what, fresh = f"{self.title} queue state", "the entries still queued are checked or sent again"
        state = load_state(self.state_path, decode_state, what, fresh, self.data_dir)
        if state is not None or not existed:
            return state or State()
        seqs = sorted(e.seq for e in self._entries())
        state = State(seqs[0] - 1, Sending(seqs[0], seqs[-1], "")) if seqs else State()
        self._write_state(state)
        return state

    def _write_state(self, state: State) -> None:
        atomic_write(self.state_path, _encode_state(state))

    def update_state(self, **changes: Any) -> State:
        """Rewrite the state with `changes` (memo, retry_after, warned, warned_at ...)."""
        state = replace(self.read_state(), **changes)
        self._write_state(state)
        return state

    # --- the entries -----------------------------------------------------------------------------

    def _entries(self, after: int = 0) -> Iterator[Entry]:
        """Entries with seq > after, in file order; a torn last line (no newline) is not an entry yet.

        A file with a damaged line, or one that cannot be read, is set aside whole (one warning).
        """
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as err:
            heal(self.path, self.data_dir, f"{self.title} queue", self.lost, err)
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
                heal(self.path, self.data_dir, f"{self.title} queue", self.lost, err)

    def verify(self) -> None:
        """Read the whole queue once, so that damage is set aside before anything is queued or sent."""
        for _ in self._entries():
            pass

    def _last_entry(self) -> Entry | None:
        """The last whole line's entry, read from the end of the file only."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                window = min(size, 1 << 16)
                handle.seek(size - window)
                tail = handle.read(window)
        except FileNotFoundError:
            return None
        except OSError as err:
            heal(self.path, self.data_dir, f"{self.title} queue", self.lost, err)
            return None
        lines = tail.split(b"\n")[:-1]  # whole lines only
        for line in reversed(lines[1:] if window < size else lines):  # the window's first line may be cut
            try:
                return _parse(line)
            except (ValueError, KeyError, TypeError):
                continue
        return max(self._entries(), key=lambda e: e.seq, default=None)  # only damaged lines at the end: read all

    def _last_seq(self) -> int:
        last = self._last_entry()
        return last.seq if last else 0

    def last_queued_at(self) -> datetime | None:
        """When the newest entry ever queued was read (waiting or settled); None for a queue never used."""
        last = self._last_entry()
        return last.fetched_at if last else self.read_state().delivered_at

    def enqueue(self, fetched_at: datetime, payload: dict[str, Any]) -> int:
        """Append one entry (fsync'd) and return its sequence number."""
        seq = max(self._last_seq(), self.read_state().cursor) + 1
        reclaim(self.path, self.data_dir, f"{self.title} queue")
        append_lines(self.path, b"", _encode(Entry(seq, fetched_at, payload)))
        return seq

    def pending(self, limit: int | None = None) -> list[Entry]:
        """Unsettled entries, oldest first; at most `limit` (then only that many lines are read)."""
        found: list[Entry] = []
        for entry in self._entries(self.read_state().cursor):
            found.append(entry)
            if limit is not None and len(found) >= limit:
                break
        return sorted(found, key=lambda e: e.seq)

    def pending_count(self) -> int:
        """How many entries wait, without reading them all (sequence numbers have no gaps)."""
        return max(0, self._last_seq() - self.read_state().cursor)

    def mark_sending(self, first: int, last: int, target: str = "") -> None:
        """Record, before sending, that entries first..last are about to go to target."""
        self.update_state(sending=Sending(first, last, target))

    def abandon_sending(self) -> None:
        """The receiver said for certain that nothing landed: forget the in-flight range."""
        if self.read_state().sending is not None:
            self.update_state(sending=None)

    def confirm(self, through: int, memo: dict[str, Any] | None = None) -> None:
        """Entries up to `through` are settled: move the cursor (saving the memo with it, and clearing the
        in-flight range and any wait), then drop them from the JSONL."""
        state = self.read_state()
        entries = list(self._entries())
        settled = [e.fetched_at for e in entries if e.seq <= through]
        self._write_state(
            replace(
                state,
                cursor=max(through, state.cursor),
                sending=None,
                delivered_at=max(settled) if settled else state.delivered_at,
                memo=state.memo if memo is None else memo,
                retry_after=None,
            )
        )
        atomic_write(self.path, b"".join(_encode(e) for e in entries if e.seq > through))

    def trim(self, now: datetime, max_age: timedelta) -> str | None:
        """Drop the entries older than `max_age` (and a tenth more of that span) once the oldest is past it.

        Returns the summary warning, or None when nothing was dropped or when the same long outage already
        dropped some (then it is logged at info: one warning per outage). Reads one line when within the limit.
        """
        state = self.read_state()
        oldest = next(self._entries(state.cursor), None)
        if oldest is None or now - oldest.fetched_at <= max_age:
            return None
        keep_after = now - max_age * (1 - TRIM_FRACTION)
        old = [e for e in self._entries(state.cursor) if e.fetched_at < keep_after]
        through = old[-1].seq
        sending = state.sending
        if sending is not None:
            sending = None if sending.last <= through else replace(sending, first=max(sending.first, through + 1))
        self._write_state(replace(state, cursor=through, sending=sending, dropped_at=now))
        atomic_write(self.path, b"".join(_encode(e) for e in self._entries(through)))
        summary = (
            f"{self.title}: {len(old)} queued entries from {old[0].fetched_at:%Y-%m-%d %H:%M} to "
            f"{old[-1].fetched_at:%Y-%m-%d %H:%M} UTC were dropped: the queue keeps {max_age.days} days"
        )
        if state.dropped_at is not None and now - state.dropped_at <= max_age:
            log.info("%s", summary)  # the same outage: warned when it first dropped some
            return None
        return summary

    def backlog(self, now: datetime) -> Backlog:
        """How many entries wait, and how old the oldest is (seconds; None when none wait). Reads little."""
        count = self.pending_count()
        oldest = next(self._entries(self.read_state().cursor), None) if count else None
        if oldest is None:
            return Backlog(0, None)
        return Backlog(count, max(0.0, (now - oldest.fetched_at).total_seconds()))

    def oldest_pending_age_s(self, now: datetime) -> float | None:
        """Age in seconds of the oldest unsettled entry, None when nothing waits (for the backlog alert)."""
        return self.backlog(now).oldest_age_s

    def exists(self) -> bool:
        return os.path.exists(self.path)


def sheets_queue(data_dir: Path) -> Queue:
    """The Google Sheets queue, moved first from DATA_DIR/sheets/ if an older version left it there. (Here, not
    in sinks/sheets/, so that the report and `status` read it without loading the Sheets sink.)"""
    migrate_legacy(data_dir)
    return Queue(data_dir, SHEETS, SHEETS_TITLE, "its rows are queued again from readings.csv")
