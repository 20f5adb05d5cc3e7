"""The common send of a sink module's queue (PVOutput, InfluxDB, Prometheus, MQTT): see sinks/deliver.py.

Unless its retry-after time has not come: mark the entries sending, call the module's send with the memo and a
total deadline, then move the cursor to max(cursor, through_seq) and save the new memo in one write, and log its
warnings. RetryLaterError keeps the entries (and the time to wait for), one warning; FixConfigError keeps them
too, with one warning naming the setting, said again at most once a day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from pvs6sup.sinks.outcome import FixConfigError, Result, RetryLaterError
from pvs6sup.sinks.queue import Queue

if TYPE_CHECKING:
    from pvs6sup.sinks.protocols import SinkModule

log = logging.getLogger(__name__)
S = TypeVar("S")

BATCH = 2000  # entries handed to one send (a week of 5-minute readings): bounds what a cycle reads
CONFIG_WARNING_EVERY = timedelta(days=1)


def send_queue(
    sink: tuple[str, str, float],
    settings: S,
    module: SinkModule[S],
    queue: Queue,
    session: requests.Session,
    now: datetime,
    force: bool,
) -> Result:
    """A sink module's send: the entries waiting in its queue, within its deadline, the cursor moved after.
    sink: its name, its title and its deadline in seconds."""
    name, title, deadline_s = sink
    state = queue.read_state()
    pending = queue.pending_count()
    if not pending:
        return Result(0, 0)
    if state.retry_after is not None and now < state.retry_after and not force:
        log.info("%s: waiting until %s as asked; %s queued", title, state.retry_after, _entries_text(pending))
        return Result(pending, 0, f"{title}: waiting until {state.retry_after:%H:%M} UTC as asked")
    entries = queue.pending(BATCH)
    if state.sending is not None:
        log.info("%s: entries %d-%d had no answer last time; sent again", title, *_span(state.sending))
    queue.mark_sending(entries[0].seq, entries[-1].seq, name)
    try:
        sent = module.send(settings, session, entries, state.memo, now, deadline_s)
    except RetryLaterError as err:
        queue.update_state(retry_after=err.until)
        problem = _titled(title, str(err))
        log.warning("%s; %s kept", problem, _entries_text(pending))
        return Result(pending, 0, problem)
    except FixConfigError as err:
        problem = _titled(title, str(err))
        _warn_daily(queue, problem, now)
        return Result(pending, 0, problem)
    through = min(max(state.cursor, sent.through_seq), entries[-1].seq)  # never past what it was given
    queue.confirm(through, dict(sent.memo))
    if state.warned:  # it works again: a config problem coming back is said at once
        queue.update_state(warned="", warned_at=None)
    for warning in sent.warnings:
        log.warning("%s", _titled(title, warning))
    settled = through - state.cursor
    log.log(logging.INFO if settled > 1 else logging.DEBUG, "%s: %d entries settled", title, settled)
    return Result(pending, settled)


def _entries_text(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _span(sending: Any) -> tuple[int, int]:
    return sending.first, sending.last


def _titled(title: str, text: str) -> str:
    return text if text.startswith(title) else f"{title}: {text}"


def _warn_daily(queue: Queue, problem: str, now: datetime) -> None:
    """A problem only the owner can fix: one warning, and again only after a day (or when it changes)."""
    state = queue.read_state()
    if state.warned == problem and state.warned_at is not None and now - state.warned_at < CONFIG_WARNING_EVERY:
        log.info("%s (said at %s)", problem, state.warned_at)
        return
    log.warning("%s; the entries stay queued until then", problem)
    queue.update_state(warned=problem, warned_at=now)
