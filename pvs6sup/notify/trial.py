"""`check` for the push channels: each URL checked by Apprise (no message sent), or, with
--send-test-notification, a test message sent to each, saying which worked. A test that goes through also tells
the watchdog the channel works again (notify/health.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pvs6sup.notify import health, phone, push
from pvs6sup.notify.settings import NotifySettings, channel_name, label

Outcome = tuple[bool | None, str, str]  # as commands/check.py's: (ok, or None when skipped), what, fix hint
FIX = "check the URL against the Apprise wiki (github.com/caronc/apprise/wiki) and that the service is up"


def try_channels(
    settings: NotifySettings | None,
    data_dir: Path,
    now: datetime,
    site_name: str,
    secrets: Sequence[str],
    send: bool,
) -> list[Outcome]:
    if settings is None:
        return [(None, "phone notifications: off (set NOTIFY_URLS to turn them on)", "")]
    outcomes: list[Outcome] = []
    for url in settings.urls:
        shown = label(url)
        if not send:
            error = _refused(url)
            what = f"phone notifications: {shown} " + (
                f"{error}" if error else "accepted by Apprise (add --send-test-notification to send one)"
            )
            outcomes.append((error is None, what, FIX))
            continue
        title, body = phone.test_message(site_name, shown)
        error = push.send(url, title, body, settings.timeout_s, secrets)
        health.record(data_dir, channel_name(url), shown, now, error)
        what = f"test sent to {shown}" if error is None else f"{shown}: {error}"
        what = "phone notifications: " + what
        outcomes.append((error is None, what, FIX))
    return outcomes


def _refused(url: str) -> str | None:
    """Why Apprise will not take this URL, or None."""
    try:
        import apprise
    except ImportError:
        return push.MISSING
    return None if apprise.Apprise().add(url) else "is not a URL Apprise knows"
