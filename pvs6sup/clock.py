"""Is the system clock fit to stamp a reading? A Pi has no real-time clock and may boot with a wrong time. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import ExitStatus, SupervisorError


class ClockError(SupervisorError):
    """The system clock cannot be trusted for this reading; nothing was recorded."""

    exit_status = ExitStatus.CLOCK


def _span(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or f"{int(seconds)} s"


def clock_problem(
    fetched_at: datetime, pvs_time: datetime | None, newest_recorded: datetime | None, max_skew: timedelta | None
) -> str | None:
    """Why the system clock is not fit to stamp this reading, or None when it is.

    Two checks: the clock must not be behind the newest reading already recorded (rows stay in order),
    and, when max_skew is set, it must agree with the PVS's own clock (CURTIME) within max_skew.
    """
    if newest_recorded is not None and fetched_at <= newest_recorded:
        return (
            f"the system clock ({fetched_at.isoformat(timespec='seconds')}) is behind the newest recorded reading "
            f"({newest_recorded.isoformat(timespec='seconds')}); nothing recorded until it is right "
            "(is NTP synchronised? see `timedatectl`)"
        )
    if max_skew is not None and pvs_time is not None and abs(fetched_at - pvs_time) > max_skew:
        direction = "behind" if fetched_at < pvs_time else "ahead of"
        return (
            f"the system clock is {_span(fetched_at - pvs_time)} {direction} the PVS's clock; nothing recorded "
            "until they agree (is NTP synchronised? see `timedatectl`; MAX_CLOCK_SKEW sets the tolerance)"
        )
    return None
