"""Whether alerts are getting through: each channel's last outcome, and the raised alerts no channel has
delivered yet, in DATA_DIR/notify-state.json (written atomically; a damaged one is set aside and starts afresh);
and the verdict the watchdog, `status` and the report give from it (verdict() is pure).

A raised alert that no channel delivered within UNDELIVERED_AFTER, or a channel failing for FAILING_AFTER, is a
problem: the healthcheck ping becomes /fail with these lines, so the watchdog's own notifications reach the owner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pvs6sup.core.texts import age_text
from pvs6sup.notify.settings import EMAIL, NotifySettings, channel_name, label
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

STATE_FILE = "notify-state.json"
UNDELIVERED_AFTER = timedelta(hours=1)
FAILING_AFTER = timedelta(days=1)
MAX_UNDELIVERED = 100  # raised alerts remembered while no channel works (the oldest is what the verdict needs)
MAX_ERROR_CHARS = 200


def channels(notify: NotifySettings | None, email: bool) -> dict[str, str]:
    """The configured channels: name -> label (email first)."""
    found = {EMAIL: "email"} if email else {}
    found.update({channel_name(url): label(url) for url in (notify.urls if notify else ())})
    return found


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def decode(data: bytes) -> dict[str, Any]:
    """The state document; ValueError/TypeError when it is not one."""
    document = json.loads(data)
    if not isinstance(document, dict) or not isinstance(document.get("channels", {}), dict):
        raise TypeError("not a notification state")
    for value in document.get("undelivered", []):
        if _time(value) is None:
            raise ValueError(f"not a time: {value!r}")
    return document


def load(data_dir: Path) -> dict[str, Any]:
    """The state ({} when there is none); a damaged file is set aside with one warning."""
    path = data_dir / STATE_FILE
    if not path.exists():
        return {}
    return load_state(path, decode, "notification state", "it starts afresh", data_dir) or {}


def _save(data_dir: Path, state: dict[str, Any]) -> None:
    atomic_write(data_dir / STATE_FILE, (json.dumps(state, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def note_raised(data_dir: Path, when: datetime) -> None:
    """A raised alert was queued for every channel at `when`: undelivered until one delivers it."""
    state = load(data_dir)
    undelivered = sorted({*state.get("undelivered", []), when.isoformat()}, key=datetime.fromisoformat)
    state["undelivered"] = undelivered[-MAX_UNDELIVERED:]
    _save(data_dir, state)


def record(
    data_dir: Path,
    name: str,
    label: str,
    now: datetime,
    error: str | None,
    delivered_through: datetime | None = None,
) -> None:
    """One channel's outcome this cycle (error None: it worked), and the time up to which it has now delivered
    everything it was given (the raised alerts up to then are no longer undelivered)."""
    state = load(data_dir)
    channels = state.setdefault("channels", {})
    channel = channels.setdefault(name, {})
    channel["label"] = label
    if error is None:
        channel.update(failing_since=None, error="", ok_at=now.isoformat())
    else:
        channel.update(failing_since=channel.get("failing_since") or now.isoformat(), error=error[:MAX_ERROR_CHARS])
    if delivered_through is not None:
        kept = [t for t in state.get("undelivered", []) if datetime.fromisoformat(t) > delivered_through]
        state["undelivered"] = kept
    _save(data_dir, state)


def verdict(state: Mapping[str, Any], channels: Mapping[str, str], now: datetime) -> list[str]:
    """Why alerts are not getting through, one line each; [] when they are. `channels` maps each configured
    channel's name to its label (a channel no longer configured is not judged)."""
    problems = []
    known = state.get("channels", {})
    undelivered = [_time(t) for t in state.get("undelivered", [])]
    oldest = min((t for t in undelivered if t is not None), default=None)
    if channels and oldest is not None and now - oldest >= UNDELIVERED_AFTER:
        why = "; ".join(
            f"{shown}: {known.get(name, {}).get('error') or 'not tried yet'}" for name, shown in channels.items()
        )
        problems.append(
            f"an alert raised {age_text((now - oldest).total_seconds())} ago "
            f"({oldest:%Y-%m-%d %H:%M} UTC) was delivered by no channel ({why})"
        )
    for name, shown in channels.items():
        since = _time(known.get(name, {}).get("failing_since"))
        if since is not None and now - since >= FAILING_AFTER:
            error = known[name].get("error") or "unknown error"
            problems.append(f"{shown} has failed for {age_text((now - since).total_seconds())}: {error}")
    return problems


def channel_lines(state: Mapping[str, Any], channels: Mapping[str, str], now: datetime) -> list[str]:
    """Each configured channel in one line, for `status` and the ping's report: 'ntfy://ntfy.sh/*** ok 5 min ago'."""
    lines = []
    for name, shown in channels.items():
        channel = state.get("channels", {}).get(name, {})
        since, ok_at = _time(channel.get("failing_since")), _time(channel.get("ok_at"))
        if since is not None:
            lines.append(f"{shown}: failing for {age_text((now - since).total_seconds())} ({channel.get('error')})")
        elif ok_at is not None:
            lines.append(f"{shown}: delivered {age_text((now - ok_at).total_seconds())} ago")
        else:
            lines.append(f"{shown}: nothing sent yet")
    return lines


def summary_lines(data_dir: Path, notify: NotifySettings | None, email: bool, now: datetime) -> list[str]:
    """What `status` and the report say: '✗ alerts not getting through: …' lines first, then each channel."""
    found = channels(notify, email)
    if not found:
        return []
    state = load(data_dir)
    problems = ["✗ alerts not getting through: " + line for line in verdict(state, found, now)]
    return problems + ["Alerts via " + line for line in channel_lines(state, found, now)]
