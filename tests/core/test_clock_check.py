"""The clock rule's edges: a clock equal to the newest recorded row is not after it. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pvs6sup.core.clock_check import PENDING, PVS, SYSTEM, judge_clocks

NEWEST = datetime(2026, 6, 21, 19, 5, tzinfo=timezone.utc)
SKEW = timedelta(minutes=10)


def test_a_system_clock_equal_to_the_newest_row_does_not_stamp_a_second_row_at_that_moment():
    verdict = judge_clocks(NEWEST, None, NEWEST, SKEW)
    assert (verdict.stamp, verdict.source) == (None, PENDING)
    one_second_later = judge_clocks(NEWEST + timedelta(seconds=1), None, NEWEST, SKEW)
    assert (one_second_later.stamp, one_second_later.source) == (NEWEST + timedelta(seconds=1), SYSTEM)


def test_a_pvs_clock_equal_to_the_newest_row_is_not_after_it_either():
    behind = NEWEST - timedelta(hours=1)
    verdict = judge_clocks(behind, NEWEST, NEWEST, SKEW)
    assert (verdict.stamp, verdict.source) == (None, PENDING)
    later = judge_clocks(behind, NEWEST + timedelta(seconds=1), NEWEST, SKEW)
    assert (later.stamp, later.source) == (NEWEST + timedelta(seconds=1), PVS)
