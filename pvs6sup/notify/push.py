"""Sending one push message to one Apprise URL within a total deadline; the outcome as None (delivered) or the
reason in one line, without a secret. Apprise is imported here only, when there is something to send.

One Apprise object per URL and per message: each channel's success is known apart, and no throttle from an
earlier request of the same object delays the next (Apprise waits 5.5 s between two ntfy requests of one object).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pvs6sup.core.secrets import scrub
from pvs6sup.net.deadline import DeadlineExceeded, call_within

MISSING = "the apprise package is not installed: run .venv/bin/pip install -r requirements.txt"


def send(url: str, title: str, body: str, deadline_s: float, secrets: Sequence[str]) -> str | None:
    """Deliver one message: None when Apprise says it was, else why not (no secret in it)."""

    def work() -> str | None:
        try:
            import apprise
        except ImportError:
            return MISSING
        logging.getLogger("apprise").propagate = False  # its lines may hold the URL: only its result is used
        notifier = apprise.Apprise()
        if not notifier.add(url):
            return "Apprise does not accept this URL: check its scheme and form against the Apprise wiki"
        result = notifier.notify(title=title, body=body)
        if result:
            return None
        said = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
        return said[-1] if said else f"Apprise reported {getattr(result, 'status', 'a failure')}"

    try:
        reason = call_within(deadline_s, work, "push notification")
    except DeadlineExceeded:
        reason = f"no answer within {deadline_s:g} s"
    except Exception as err:  # a plugin's own bug must not stop the other channels: said as the reason
        reason = f"Apprise failed: {type(err).__name__}: {err}"
    return None if reason is None else " ".join(scrub(reason, secrets).split())[:300]
