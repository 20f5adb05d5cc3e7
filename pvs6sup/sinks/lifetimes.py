"""Which lifetime energies a sink may send: each register against the last value that same sink sent.

The memo form is JSON-able: {register key: [kWh, unix seconds of the reading]}. A value is admitted only
when energy_guard.lifetime_problem finds nothing wrong; then it becomes the register's last value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pvs6sup.core.energy_guard import MAX_INVERTER_AC_KW, held_kwh, lifetime_problem


def site_max_kw(inverter_count: int | None) -> float | None:
    """The most the site's inverters together can make; None (no jump check) when their number is unknown."""
    return inverter_count * MAX_INVERTER_AC_KW if inverter_count else None


class LifetimeGuard:
    """Checks lifetime values register by register against the last one admitted, and remembers it."""

    def __init__(self, memo: Mapping[str, Any] | None) -> None:
        self.last: dict[str, list[float]] = {k: [float(v[0]), float(v[1])] for k, v in (memo or {}).items()}

    def check(self, key: str, kwh: float | None, at_s: float, max_kw: float | None) -> str | None:
        """Why `kwh` read at `at_s` may not be sent as register `key`'s next value; None when it may (then it is
        remembered as the register's last value)."""
        return self.admit(key, kwh, at_s, max_kw)[1]

    def admit(self, key: str, kwh: float | None, at_s: float, max_kw: float | None) -> tuple[float | None, str | None]:
        """(the value to send, None) when `kwh` may follow (the last one through a rounding dip, so that a
        counter never goes down), or (None, why not)."""
        last = self.last.get(key)
        kwh = held_kwh(last[0] if last else None, kwh)
        problem = lifetime_problem(last[0] if last else None, kwh, at_s - last[1] if last else None, max_kw)
        if problem is not None or kwh is None:
            return None, problem
        self.last[key] = [kwh, at_s]
        return kwh, None

    def memo(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.last.items()}
