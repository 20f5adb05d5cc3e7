"""Each push channel's durable outbox (the sinks' queue, sinks/queue.py, in DATA_DIR/outbox/notify-<digest>/):
messages queued for every channel at once, then each channel sent on its own, oldest first, within its own time,
so a channel that works is never held up by one that fails.

- A failed message stays, with everything after it, and is tried again next cycle.
- Nothing is sent twice after a crash: a message is marked as sending before it goes, and one still so marked
  when the next run starts (killed mid-send) is taken as sent.
- Messages older than NOTIFY_MAX_AGE are dropped, with one line saying so.
- A cycle with nothing waiting reads one file size per channel and imports neither the queue nor Apprise.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvs6sup.notify import health, push
from pvs6sup.settings.notify import NotifySettings, channel_name, label
from pvs6sup.settings.sinks import OUTBOX_DIR, QUEUE_FILE

if TYPE_CHECKING:
    from pvs6sup.sinks.queue import Queue

log = logging.getLogger(__name__)


def _queue(data_dir: Path, url: str) -> Queue:
    from pvs6sup.sinks.queue import Queue

    return Queue(data_dir, channel_name(url), label(url), "its messages are not sent")


def waiting(data_dir: Path, url: str) -> bool:
    """Whether anything may wait for this channel: its queue file holds a line (settled lines are removed)."""
    try:
        return os.stat(data_dir / OUTBOX_DIR / channel_name(url) / QUEUE_FILE).st_size > 0
    except OSError:
        return False


def enqueue(settings: NotifySettings, data_dir: Path, when: datetime, title: str, body: str) -> None:
    """Queue one message for every channel (each its own outbox)."""
    for url in settings.urls:
        _queue(data_dir, url).enqueue(when, {"title": title, "body": body})


def send_all(settings: NotifySettings, data_dir: Path, now: datetime, secrets: Sequence[str]) -> list[str]:
    """Send what waits for each channel; every outcome is recorded for the watchdog (notify/health.py).
    Returns one line per channel that failed (the caller logs them: a failure never stops the cycle)."""
    failures = []
    for url in settings.urls:
        if not waiting(data_dir, url):
            continue
        error = send_channel(settings, data_dir, url, now, secrets)
        if error is not None:
            failures.append(f"{label(url)}: {error}; kept to retry next cycle")
    return failures


def send_channel(
    settings: NotifySettings, data_dir: Path, url: str, now: datetime, secrets: Sequence[str]
) -> str | None:
    """Send one channel's waiting messages, oldest first, within settings.timeout_s in all; None when all went."""
    queue = _queue(data_dir, url)
    state = queue.read_state()
    if state.sending is not None:  # a run killed while sending: taken as sent, so never sent twice
        log.info("%s: a message being sent when a run stopped is taken as sent", queue.title)
        queue.confirm(state.sending.last)
    dropped = queue.trim(now, timedelta(seconds=settings.max_age_s))
    if dropped:
        log.warning("%s", dropped.replace("queued entries", "undelivered messages"))
    end = time.monotonic() + settings.timeout_s
    error: str | None = None
    delivered: datetime | None = None
    for entry in queue.pending():
        left = end - time.monotonic()
        if left <= 0:  # the rest wait for the next cycle; a failure only if nothing went
            error = None if delivered else f"out of time after {settings.timeout_s:g} s"
            break
        title, body = _text(entry.payload)
        queue.mark_sending(entry.seq, entry.seq)
        error = push.send(url, title, body, left, secrets)
        if error is not None:
            queue.abandon_sending()
            break
        queue.confirm(entry.seq)
        delivered = entry.fetched_at
    health.record(data_dir, channel_name(url), queue.title, now, error, delivered)
    return error


def _text(payload: dict[str, Any]) -> tuple[str, str]:
    return str(payload.get("title", "")), str(payload.get("body", ""))
