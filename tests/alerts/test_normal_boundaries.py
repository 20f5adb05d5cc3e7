"""The learned normal's rules at their thresholds (mutation testing: bench/mutation.py). A cell is written
out by position: [clear ln ratio, days, today's sum, today's count, 2nd day, then the same for diffuse]."""

import math
from datetime import datetime, timezone

import pytest

from pvs6sup.alerts import normal

NOW = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
TINY = 1e-9


def cell(clear=0.0, clear_days=0, diffuse=0.0, diffuse_days=0):
    return [clear, clear_days, 0.0, 0.0, 0.0, diffuse, diffuse_days, 0.0, 0.0, 0.0]


def test_the_default_knobs_are_those_readme_explains():
    t = normal.Tuning()
    assert (t.min_days, t.day_weight, t.day_step) == (3, 0.15, 0.25)
    assert (t.clear_at, t.diffuse_at, t.envelope_decay) == (0.8, 0.45, 0.005)
    assert (t.min_light, t.full_light, t.window, t.min_window) == (0.03, 0.1, 18, 9)
    assert (t.slack, t.limit, t.fast_slack, t.fast_limit) == (0.05, 8.0, 0.12, 2.0)
    assert (t.suspect_gap, t.resolve_gap, t.floor, t.cap) == (-0.08, -0.03, -0.5, 0.5)
    assert normal.TUNING.limit == 8.0
    assert (normal.CLEAR, normal.DIFFUSE, normal.CELL_SIZE, normal.BINS_PER_HOUR) == (0, 5, 10, 3)


def test_median_and_upper_quartile():
    assert normal.median([3.0, 1.0, 2.0]) == 2.0
    assert normal.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert normal.upper_quartile([8.0, 1.0, 7.0, 2.0, 6.0, 3.0, 5.0, 4.0]) == 7.0
    assert normal.upper_quartile([1.0, 2.0, 3.0]) == 3.0


def test_bins_are_twenty_minutes_of_solar_time():
    assert normal.bin_of(0.0) == 0
    assert normal.bin_of(1 / 3 - TINY) == 0
    assert normal.bin_of(1 / 3 + TINY) == 1
    assert normal.bin_of(12.5) == 37
    assert normal.bin_of(24.0) == 0
    assert normal.bin_of(23.99) == 71
    assert normal.bin_hour(0) == pytest.approx(1 / 6)
    assert normal.bin_hour(37) == pytest.approx(12.5)


@pytest.mark.parametrize(
    ("site_kw", "beam"),
    [(8.0, 1.0), (9.0, 1.0), (4.5, 0.0), (1.0, 0.0), (6.25, 0.5), (8.0 - 0.35, 0.9)],
)
def test_clearness_is_the_share_of_the_envelope_between_045_and_08(site_kw, beam):
    table = normal.BinTable(envelope_kw=10.0)
    assert normal.clearness(site_kw, table) == pytest.approx(beam, abs=1e-9)


def test_clearness_without_an_envelope_is_clear():
    assert normal.clearness(1.0, normal.BinTable(envelope_kw=0.0)) == 1.0
    assert normal.clearness(1.0, normal.BinTable(envelope_kw=-1.0)) == 1.0
    assert normal.clearness(0.45 * 2.0, normal.BinTable(envelope_kw=2.0)) == pytest.approx(0.0, abs=1e-12)


def test_a_ratio_is_trusted_from_three_days_learned():
    assert normal.learned_ratio(cell(0.2, 3), 1.0) == 0.2
    assert normal.learned_ratio(cell(0.2, 2), 1.0) is None
    assert normal.learned_ratio(cell(diffuse=-0.1, diffuse_days=3), 0.0) == -0.1
    assert normal.learned_ratio(cell(diffuse=-0.1, diffuse_days=2), 0.0) is None
    assert normal.learned_ratio(None, 1.0) is None


def test_the_ratio_is_clear_from_07_diffuse_to_03_and_blended_between():
    both = cell(0.2, 3, -0.2, 3)
    assert normal.learned_ratio(both, 0.7) == 0.2
    assert normal.learned_ratio(both, 0.7 - TINY) == pytest.approx(0.2, abs=1e-6)
    assert normal.learned_ratio(both, 0.7 - TINY) < 0.2
    assert normal.learned_ratio(both, 0.3) == -0.2
    assert normal.learned_ratio(both, 0.3 + TINY) > -0.2
    assert normal.learned_ratio(both, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert normal.learned_ratio(both, 0.6) == pytest.approx(0.1)


def test_a_missing_light_is_not_blended_unless_on_one_face():
    clear_only = cell(0.2, 3)
    assert normal.learned_ratio(clear_only, 0.5) is None
    assert normal.learned_ratio(clear_only, 0.0) is None
    assert normal.learned_ratio(clear_only, 0.5, alike=True) == pytest.approx(0.2)
    assert normal.learned_ratio(clear_only, 0.0, alike=True) == 0.2
    diffuse_only = cell(diffuse=-0.2, diffuse_days=3)
    assert normal.learned_ratio(diffuse_only, 0.5) is None
    assert normal.learned_ratio(diffuse_only, 0.5, alike=True) is None
    assert normal.learned_ratio(diffuse_only, 1.0, alike=True) is None


def _fold(table, c, offset, values, first_day=2):
    for n, value in enumerate(values):
        normal.add_sample(c, offset, value)
        normal.close_day(table, f"2026-01-{first_day + n:02d}")


@pytest.mark.parametrize("offset", [0, 5])
def test_close_day_first_day_second_day_then_the_median_of_three(offset):
    table = normal.BinTable()
    c = table.cells["E"] = cell()
    _fold(table, c, offset, [0.3])
    assert c[offset : offset + 2] == [0.3, 1]
    _fold(table, c, offset, [0.2], first_day=3)
    assert c[offset : offset + 2] == [0.3, 2] and c[offset + 4] == 0.2
    _fold(table, c, offset, [0.1], first_day=4)
    assert c[offset : offset + 2] == [0.2, 3]  # the median of 0.3, 0.2 and 0.1
    assert c[offset + 2 : offset + 4] == [0.0, 0.0]  # today's sums start afresh
    other = 5 - offset
    assert c[other : other + 5] == [0.0, 0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("value", "moved"),
    [(0.25, 0.15 * 0.25), (1.0, 0.15 * 0.25), (0.1, 0.15 * 0.1), (-0.25, -0.15 * 0.25), (-1.0, -0.15 * 0.25)],
)
def test_after_three_days_a_day_moves_the_normal_15_percent_of_the_way_by_at_most_025(value, moved):
    table = normal.BinTable()
    c = table.cells["E"] = cell(0.0, 3)
    _fold(table, c, 0, [value])
    assert c[0] == pytest.approx(moved, abs=1e-12)
    assert c[1] == 4


def test_a_day_is_the_mean_of_its_readings_and_folded_once():
    table = normal.BinTable(day="2026-01-01")
    c = table.cells["E"] = cell(0.0, 3)
    for value in (0.1, 0.2, 0.3):
        normal.add_sample(c, 0, value)
    assert c[2:4] == pytest.approx([0.6, 3])
    normal.close_day(table, "2026-01-01")  # the same day: nothing folded
    assert c[2:4] == pytest.approx([0.6, 3]) and c[1] == 3
    normal.close_day(table, "2026-01-02")
    assert c[0] == pytest.approx(0.15 * 0.2) and table.day == "2026-01-02"
    normal.close_day(table, "2026-01-03")  # nothing seen that day: nothing changes
    assert c[0] == pytest.approx(0.15 * 0.2) and c[1] == 4


def test_days_learned_stop_counting_at_999():
    table = normal.BinTable()
    c = table.cells["E"] = cell(0.0, 999)
    _fold(table, c, 0, [0.0])
    assert c[1] == 999
    c[1] = 998
    _fold(table, c, 0, [0.0], first_day=10)
    assert c[1] == 999


def test_expected_is_the_median_over_at_least_two_learned_siblings():
    def expected(mine: float, siblings: list[tuple[float, float]]) -> float | None:
        return normal.expected_kw(mine, [normal.at_par(power_kw, theirs) for power_kw, theirs in siblings])

    assert expected(0.2, [(1.0, 0.0)]) is None
    assert expected(0.2, [(1.0, 0.0), (2.0, 0.2)]) == pytest.approx((1.0 * math.exp(0.2) + 2.0) / 2)
    assert expected(0.2, [(1.0, 0.0), (2.0, 0.2), (3.0, 0.2)]) == pytest.approx(2.0)
    assert normal.at_par(2.0, math.log(2.0)) == pytest.approx(1.0)


def _gauge_with(gaps, slow=0.0, fast=0.0):
    return normal.Gauge(gaps=list(gaps), slow=slow, fast=fast)


def test_the_window_judges_from_nine_gaps_and_holds_eighteen():
    g = normal.Gauge()
    for _ in range(8):
        assert normal.step_gauge(g, -0.2, 1.0, NOW) is None
    assert g.slow == 0.0 and g.since is None
    assert normal.step_gauge(g, -0.2, 1.0, NOW) == pytest.approx(-0.2)
    for _ in range(20):
        normal.step_gauge(g, -0.2, 1.0, NOW)
    assert len(g.gaps) == 18


def test_one_gap_is_clipped_to_half_either_way():
    g = normal.Gauge()
    normal.step_gauge(g, -3.0, 1.0, NOW)
    normal.step_gauge(g, 3.0, 1.0, NOW)
    normal.step_gauge(g, -0.5 + TINY, 1.0, NOW)
    assert g.gaps == [-0.5, 0.5, -0.5 + TINY]


def test_the_charts_add_the_gap_beyond_their_slack_weighted_by_light():
    g = _gauge_with([-0.2] * 8)
    assert normal.step_gauge(g, -0.2, 0.5, NOW) == pytest.approx(-0.2)
    assert g.slow == pytest.approx(0.5 * (0.2 - 0.05))
    assert g.fast == pytest.approx(0.5 * (0.2 - 0.12))
    assert g.since == NOW
    g = _gauge_with([-0.1] * 8)
    normal.step_gauge(g, -0.1, 1.0, NOW)
    assert g.slow == pytest.approx(0.05) and g.fast == 0.0  # within the fast chart's slack


def test_since_is_when_the_charts_rose_from_zero_and_is_kept_while_they_are_up():
    g = _gauge_with([-0.2] * 8, slow=1.0)
    g.since, g.made_kwh, g.expected_kwh = None, 1.0, 2.0
    normal.step_gauge(g, -0.2, 1.0, NOW)
    assert g.since is None  # the charts were not at zero: no new start
    g.since = NOW
    later = datetime(2026, 6, 22, 20, 0, tzinfo=timezone.utc)
    normal.step_gauge(g, -0.2, 1.0, later)
    assert g.since == NOW and g.made_kwh == 1.0


def test_back_within_three_percent_the_charts_fall_quickly():
    at = _gauge_with([-0.03] * 8, slow=1.0, fast=1.0)
    normal.step_gauge(at, -0.03, 1.0, NOW)
    assert at.slow == pytest.approx((1.0 + 0.03 - 0.05) * 0.8)
    assert at.fast == pytest.approx((1.0 + 0.03 - 0.12) * 0.5)
    under = _gauge_with([-0.03 - 1e-6] * 8, slow=1.0, fast=1.0)
    normal.step_gauge(under, -0.03 - 1e-6, 1.0, NOW)
    assert under.slow == pytest.approx(1.0 + 0.03 - 0.05, abs=1e-5)
    assert under.fast == pytest.approx(1.0 + 0.03 - 0.12, abs=1e-5)


def test_a_slow_chart_under_five_hundredths_after_falling_is_zero():
    t = normal.Tuning(slack=0.0, fast_slack=0.0)
    at = _gauge_with([0.0] * 8, slow=0.0625)  # 0.0625 x 0.8 = 0.05 exactly
    at.since, at.made_kwh = NOW, 1.0
    normal.step_gauge(at, 0.0, 1.0, NOW, t)
    assert at.slow == 0.05 and at.since == NOW
    under = _gauge_with([0.0] * 8, slow=0.0625 - TINY)
    under.since, under.made_kwh, under.expected_kwh = NOW, 1.0, 2.0
    normal.step_gauge(under, 0.0, 1.0, NOW, t)
    assert under.slow == 0.0
    assert (under.since, under.made_kwh, under.expected_kwh) == (None, 0.0, 0.0)


def test_firing_at_the_limits_exactly():
    assert normal.firing(normal.Gauge(slow=8.0))
    assert not normal.firing(normal.Gauge(slow=8.0 - TINY))
    assert normal.firing(normal.Gauge(fast=2.0))
    assert not normal.firing(normal.Gauge(fast=2.0 - TINY, slow=8.0 - TINY))


def test_suspect_from_a_quarter_of_a_limit_or_a_gap_under_eight_percent():
    assert normal.suspect(normal.Gauge(slow=2.0))
    assert not normal.suspect(normal.Gauge(slow=2.0 - TINY))
    assert normal.suspect(normal.Gauge(fast=0.5))
    assert not normal.suspect(normal.Gauge(fast=0.5 - TINY))
    assert normal.suspect(normal.Gauge(gaps=[-0.08 - TINY] * 9))
    assert not normal.suspect(normal.Gauge(gaps=[-0.08] * 9))
    assert not normal.suspect(normal.Gauge(gaps=[-0.3] * 8))  # too few to tell


def test_the_clear_normal_stands_in_for_diffuse_light_only_when_told_the_siblings_are_alike():
    own = cell(0.2, 3)  # clear light learned, diffuse not
    assert normal.learned_ratio(own, 0.0) is None
    assert normal.learned_ratio(own, 0.0, alike=True) == 0.2
    assert normal.learned_ratio(cell(0.2, 2), 0.0, alike=True) is None  # nor when clear is not learned either


def test_at_exactly_07_or_03_one_light_learned_is_enough():
    assert normal.learned_ratio(cell(0.2, 3), 0.7) == 0.2
    assert normal.learned_ratio(cell(0.2, 3), 0.7 - TINY) is None
    assert normal.learned_ratio(cell(diffuse=-0.2, diffuse_days=3), 0.3) == -0.2
    assert normal.learned_ratio(cell(diffuse=-0.2, diffuse_days=3), 0.3 + TINY) is None


def test_new_records_start_empty():
    table = normal.BinTable()
    assert (table.envelope_kw, table.day, table.cells) == (0.0, "", {})
    assert normal.clearness(0.01, table) == 1.0  # no envelope yet: taken as clear
    g = normal.Gauge()
    assert (g.gaps, g.slow, g.fast, g.since, g.made_kwh, g.expected_kwh) == ([], 0.0, 0.0, None, 0.0, 0.0)


def test_clearness_against_a_small_envelope():
    assert normal.clearness(0.45, normal.BinTable(envelope_kw=1.0)) == pytest.approx(0.0, abs=1e-12)
    assert normal.clearness(0.1, normal.BinTable(envelope_kw=0.5)) == 0.0
