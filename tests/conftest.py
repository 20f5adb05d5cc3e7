"""The shared fixtures: the harness (main() run in-process) and a simulated PVS on loopback wired into it.

Helpers and simulators live in tests/support/ and are imported as a package (`from tests.support.x import ...`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# A helper's asserts say what they compared, as a test's do (delivery_site is also a plugin: its fixtures).
pytest.register_assert_rewrite("tests.support")

from pvs6sup.settings.config import WeatherURLs  # noqa: E402
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel  # noqa: E402
from tests.support.harness import SITE_ENV, Harness  # noqa: E402


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


@pytest.fixture
def simulated(harness: Harness) -> Iterator[SimulatedPVS]:
    """A simulated net-metered PVS6 on 127.0.0.1, wired into the harness (weather from it too)."""
    with SimulatedPVS(site=SimulatedSite(SiteModel()), clock=harness.clock) as pvs:
        harness.env.update({"PVS_HOST": pvs.base_url, **SITE_ENV})
        harness.weather_urls = WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")
        yield pvs
