"""The energy guard's thresholds, each exactly at, just under and just over (mutation testing: bench/mutation.py).

The constants are written out here, not imported, so that a changed constant in the module is noticed."""

import pytest

from pvs6sup.core.energy_guard import device_limit_kw, held_kwh, learned_peak_kw, lifetime_problem, trusted_delta_kwh

TINY = 1e-9


def test_device_limit_is_half_a_kilowatt_an_inverter() -> None:
    assert device_limit_kw(1) == 0.5
    assert device_limit_kw(4) == 2.0
    assert device_limit_kw(0) is None  # no inverter known: no limit
    assert device_limit_kw(-1) is None
    assert device_limit_kw(3, 0.25) == 0.75


def test_learned_peak_at_the_device_limit() -> None:
    # two inverters: 1.0 kW at most
    assert learned_peak_kw(0.4, 1.0, 2) == 1.0  # exactly at the limit: learned
    assert learned_peak_kw(0.4, 1.0 + TINY, 2) == 0.4  # just over: a glitch, teaches nothing
    assert learned_peak_kw(0.4, 1.0 - TINY, 2) == 1.0 - TINY
    assert learned_peak_kw(0.4, 0.3, 2) == 0.4  # below the peak: the peak stays
    assert learned_peak_kw(0.4, None, 2) == 0.4


def test_learned_peak_above_the_limit_is_brought_back() -> None:
    assert learned_peak_kw(450.0, None, 2) == 1.0
    assert learned_peak_kw(450.0, 0.2, 2) == 1.0
    assert learned_peak_kw(0.8, None, 2) == 0.8
    # no inverter known: nothing bounds the peak
    assert learned_peak_kw(450.0, None, 0) == 450.0
    assert learned_peak_kw(4.0, 5.0, 0) == 5.0


def test_held_through_a_rounding_dip_of_up_to_five_hundredths() -> None:
    last = 10.0
    assert held_kwh(last, last - 0.05) == last  # exactly at the dip: held
    assert held_kwh(last, last - 0.05 + TINY) == last
    assert held_kwh(last, last - 0.05 - TINY) == last - 0.05 - TINY  # just over the dip: the new value
    assert held_kwh(last, last + TINY) == last + TINY  # a rise is carried on
    assert held_kwh(None, 3.0) == 3.0
    assert held_kwh(3.0, None) is None


def test_went_down_only_past_the_rounding_dip() -> None:
    last = 10.0
    assert lifetime_problem(last, last - 0.05) is None  # exactly at: rounding
    assert lifetime_problem(last, last - 0.05 + TINY) is None
    found = lifetime_problem(last, last - 0.05 - TINY)
    assert found is not None and found.startswith("went down from 10 to 9.95 kWh")


def test_reads_zero_only_at_zero_or_below() -> None:
    assert lifetime_problem(None, 0.0) == "reads 0"
    assert lifetime_problem(None, -TINY) == "reads 0"
    assert lifetime_problem(None, TINY) is None
    assert lifetime_problem(None, None) == "unknown"


def test_jump_exactly_at_the_bound() -> None:
    # 1 kW for an hour with the 1.5 slack and 0.01 rounding: 1.51 kWh at most
    bound = 1.0 * 3600 / 3600 * 1.5 + 0.01
    assert lifetime_problem(0.0, bound, 3600, 1.0) is None
    assert lifetime_problem(0.0, bound - TINY, 3600, 1.0) is None
    found = lifetime_problem(0.0, bound + TINY, 3600, 1.0)
    assert found == "jumped 1.51 kWh in 3600 s, more than 1 kW could make"


def test_jump_bound_scales_with_the_interval_and_the_power() -> None:
    # 2 kW for 30 minutes: 1 kWh, 1.51 with slack and rounding
    assert lifetime_problem(100.0, 100.0 + 1.50, 1800, 2.0) is None
    assert lifetime_problem(100.0, 100.0 + 1.52, 1800, 2.0) is not None
    # a zero interval still bounds the jump by the rounding alone
    assert lifetime_problem(0.0, 0.01, 0, 1.0) is None
    assert lifetime_problem(0.0, 0.02, 0, 1.0) is not None
    # a negative interval or a zero/negative peak: no jump judged
    assert lifetime_problem(0.0, 500.0, -1, 1.0) is None
    assert lifetime_problem(0.0, 500.0, 300, 0.0) is None
    assert lifetime_problem(0.0, 500.0, 300, -1.0) is None
    assert lifetime_problem(0.0, 500.0, None, 1.0) is None


def test_trusted_delta_boundaries() -> None:
    assert trusted_delta_kwh(10.0, 10.0) == 0.0
    assert trusted_delta_kwh(10.0, 12.5) == pytest.approx(2.5)
    # a rounding dip is no energy, and never negative energy
    assert trusted_delta_kwh(10.0, 10.0 - 0.05) == 0.0
    assert trusted_delta_kwh(10.0, 10.0 - 0.05 - TINY) is None
    assert trusted_delta_kwh(0.0, 1.51, 3600, 1.0) == pytest.approx(1.51)
    assert trusted_delta_kwh(0.0, 1.52, 3600, 1.0) is None
