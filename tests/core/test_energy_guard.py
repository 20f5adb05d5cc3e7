"""The lifetime-energy glitch guard: drops, zeros and impossible jumps are not energy."""

import pytest

from pvs6sup.core.energy_guard import lifetime_problem, trusted_delta_kwh


@pytest.mark.parametrize(
    ("last", "new", "interval_s", "max_kw", "problem"),
    [
        (None, 1234.5, None, None, None),  # the first value is trusted as a starting point
        (1234.5, 1234.5, 300, 0.4, None),  # nothing made at night
        (1234.5, 1234.53, 300, 0.4, None),
        (1234.5, None, 300, 0.4, "unknown"),
        (1234.5, 0.0, 300, 0.4, "reads 0"),
        (None, 0.0, None, None, "reads 0"),
        (1234.5, 1234.4, 300, 0.4, "went down"),
        (39386.0, 3.9, 300, 0.4, "went down"),
        (1234.5, 1244.5, 300, 0.4, "jumped"),  # 10 kWh in 5 minutes from a 0.4 kW inverter
        (1234.5, 1244.5, 3 * 86400, 0.4, None),  # the same gain over a 3-day outage is possible
        (1234.5, 1244.5, 300, None, None),  # no peak known: no jump judged
    ],
)
def test_lifetime_problem(last, new, interval_s, max_kw, problem) -> None:
    found = lifetime_problem(last, new, interval_s, max_kw)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_jump_bound_is_the_peak_over_the_interval_with_slack() -> None:
    # 0.4 kW for 300 s is 0.0333 kWh; with the slack and rounding, 0.06 kWh is the most accepted (about).
    assert lifetime_problem(100.0, 100.055, 300, 0.4) is None
    assert lifetime_problem(100.0, 100.07, 300, 0.4) is not None


def test_trusted_delta() -> None:
    assert trusted_delta_kwh(100.0, 100.03, 300, 0.4) == pytest.approx(0.03)
    assert trusted_delta_kwh(None, 100.0) is None
    assert trusted_delta_kwh(100.0, 0.0) is None
    assert trusted_delta_kwh(100.0, 99.0) is None
