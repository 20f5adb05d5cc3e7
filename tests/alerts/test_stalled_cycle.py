"""A stalled stream through real cycles: main() in-process against the simulated PVS6 (legacy and build 61845) on
127.0.0.1 whose inverters' or meters' reports stand still while it answers, and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pvs6sup.net.weather import WeatherURLs
from pvs6sup.sim.legacy_pvs import SimulatedPVS, SimulatedSite, SiteModel
from tests.support.harness import SITE_ENV, Harness
from tests.support.sim.varserver_pvs import SimulatedNewFirmwarePVS
from tests.support.smtp_server import Inbox, mail_env, start_server

SUBJECTS = {
    "inverters": "[PVS6] Roof: PVS not hearing the inverters: no report since 12:35",
    "meters": "[PVS6] Roof: PVS meters frozen: unchanged since 12:35",
}


@pytest.fixture
def smtp(harness: Harness) -> Iterator[Inbox]:
    controller, inbox = start_server("none")
    harness.env.update(mail_env(controller.port))
    yield inbox
    controller.stop()


def _cycle(harness: Harness) -> None:
    result = harness.run("run")
    assert (result.code, result.stderr) == (0, "")
    harness.clock.advance(minutes=5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("firmware", "stream"), [("legacy", "inverters"), ("61845", "inverters"), ("legacy", "meters")]
)
def test_a_stream_standing_still_at_noon_is_one_email_within_the_hour_and_one_resolved_when_it_moves(
    harness: Harness, smtp: Inbox, firmware: str, stream: str
) -> None:
    kind = SimulatedPVS if firmware == "legacy" else SimulatedNewFirmwarePVS
    with kind(site=SimulatedSite(SiteModel(failed=frozenset())), clock=harness.clock) as pvs:
        harness.env.update({"PVS_HOST": pvs.base_url, **SITE_ENV})
        harness.weather_urls = WeatherURLs(open_meteo=pvs.base_url + "/v1/forecast")
        for _ in range(6):  # half an hour of a healthy noon (12:05 to 12:30 in California)
            _cycle(harness)
        pvs.site.stalled = frozenset({stream})  # from 12:35: the PVS answers, repeating that stream's reports
        waited = 0
        while not smtp.messages and waited < 12:
            _cycle(harness)
            waited += 1
        assert [m["Subject"] for m in smtp.messages] == [SUBJECTS[stream]]
        assert waited * 5 <= 60
        body = smtp.messages[0].get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "Restart the PVS: switch off the breaker that feeds it" in text
        for _ in range(12):  # another hour stalled: no reminder, no alarm on any inverter, no "no production"
            _cycle(harness)
        assert len(smtp.messages) == 1
        pvs.site.stalled = frozenset()
        for _ in range(4):
            _cycle(harness)
    assert [m["Subject"] for m in smtp.messages][1:] == [
        SUBJECTS[stream].split(":")[0]
        + ": Resolved: "
        + ("PVS not hearing the inverters" if stream == "inverters" else "PVS meters frozen")
    ]
