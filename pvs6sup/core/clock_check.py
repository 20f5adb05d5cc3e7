"""Which clock stamps a reading: the system's, the PVS's, or neither (kept until a clock is right). Pure.

A Pi has no real-time clock: after a power cut it may start at its last shutdown time, or jump. The
PVS's own clock (CURTIME) drifts when it is cut off from the internet. The policy, in order:

- the system clock when it is after the newest recorded row (a PVS clock that differs by more than
  MAX_CLOCK_SKEW is a warning a day, never a lost reading), unless it jumped: its distance from the PVS's
  clock, over a day, changed by more than a day since it last stamped a reading;
- else the PVS's clock, when it is after the newest row and at most a year past it (a Pi booted
  without NTP, or a system clock that jumped);
- else neither: the raw answer is kept and recorded, in order, by the first cycle with a right clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pvs6sup.core.records import FrozenRecord

CLOCKS_APART = timedelta(days=1)  # clocks further apart than this: one of them is wrong, not drifting
PVS_MAX_LEAP = timedelta(days=366)  # a PVS clock further than this past the newest row is not believed
FUTURE_TOLERANCE = timedelta(minutes=10)  # a row later than both clocks by more than this is a typo or a jump

SYSTEM = "system"
PVS = "pvs"
PENDING = "pending"


class ClockVerdict(FrozenRecord):
    """How to stamp one reading. stamp is None when it must wait (source PENDING)."""

    stamp: datetime | None
    source: str
    warning: str = ""  # one line for the owner ("" when all is well)
    warning_kind: str = ""  # what the warning is about, for the once-a-day limit
    confirmed: bool = False  # the stamp is vouched for by both clocks
    offset: timedelta | None = None  # system clock minus the PVS's, when the system clock stamped


def span(delta: timedelta) -> str:
    """A duration for a message: '3 d 2 h', '12 min', '40 s'."""
    seconds = abs(delta.total_seconds())
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or f"{int(seconds)} s"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def judge_clocks(
    system_now: datetime,
    pvs_time: datetime | None,
    newest_recorded: datetime | None,
    max_skew: timedelta | None,
    usual_offset: timedelta | None = None,
) -> ClockVerdict:
    """Choose the stamp of a reading fetched at system_now (see the module docstring).

    usual_offset is how far the system clock was from the PVS's the last time the system clock stamped a
    reading: a PVS that has drifted days keeps its offset, a clock that jumps changes it at once.
    """
    system_in_order = newest_recorded is None or system_now > newest_recorded
    pvs_ok = pvs_time is not None and (
        newest_recorded is None or newest_recorded < pvs_time <= newest_recorded + PVS_MAX_LEAP
    )
    offset = system_now - pvs_time if pvs_time is not None else None
    jumped = (
        offset is not None
        and usual_offset is not None
        and abs(offset) > CLOCKS_APART  # a PVS set right again is no jump of the system clock
        and abs(offset - usual_offset) > CLOCKS_APART
    )
    if system_in_order and not (pvs_ok and jumped):
        if offset is not None and max_skew is not None and abs(offset) > max_skew:
            direction = "behind" if offset > timedelta(0) else "ahead of"
            return ClockVerdict(
                system_now,
                SYSTEM,
                f"the PVS's clock is {span(offset)} {direction} the system clock; readings are stamped with the "
                "system clock (set the PVS's time or give it internet; MAX_CLOCK_SKEW sets the tolerance)",
                "drift",
                confirmed=not jumped,
                offset=offset,
            )
        return ClockVerdict(system_now, SYSTEM, confirmed=offset is not None and not jumped, offset=offset)
    if pvs_ok:
        assert pvs_time is not None and offset is not None
        if system_in_order:
            why = f"jumped: it is {span(offset)} {'ahead of' if offset > timedelta(0) else 'behind'} the PVS's"
        else:
            why = f"is behind the newest recorded reading ({_at(newest_recorded)})" if newest_recorded else ""
        return ClockVerdict(
            pvs_time,
            PVS,
            f"the system clock ({_at(system_now)}) {why}; readings are stamped with the PVS's clock "
            f"({_at(pvs_time)}) until it is right (is NTP synchronised? see `timedatectl`)",
            "system-clock",
            confirmed=True,
        )
    pvs_said = f"the PVS's ({_at(pvs_time)})" if pvs_time is not None else "the PVS gave no time"
    newest = _at(newest_recorded) if newest_recorded else "?"
    return ClockVerdict(
        None,
        PENDING,
        f"neither the system clock ({_at(system_now)}) nor {pvs_said} is after the newest recorded reading "
        f"({newest}); the answer is kept and recorded once a clock is right (is NTP synchronised? see "
        "`timedatectl`)",
        "pending",
    )


def pending_stamp(
    now_stamp: datetime,
    now_uptime_s: float | None,
    now_pvs_time: datetime | None,
    then_uptime_s: float | None,
    then_pvs_time: datetime | None,
) -> datetime | None:
    """When a reading kept for want of a clock was taken, counted back from a reading stamped now.

    The PVS's uptime (same boot: it has not gone down) counts the seconds between them exactly; else its
    clock does, which runs at the right rate even when it is set wrong. None when neither can tell.
    """
    if now_uptime_s is not None and then_uptime_s is not None and 0 < then_uptime_s <= now_uptime_s:
        return now_stamp - timedelta(seconds=now_uptime_s - then_uptime_s)
    if now_pvs_time is not None and then_pvs_time is not None and then_pvs_time <= now_pvs_time:
        return now_stamp - (now_pvs_time - then_pvs_time)
    return None
