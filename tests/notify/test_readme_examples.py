"""README's two phone-notification examples, sent for real by a cycle that raises an alert: the ntfy and the
webhook URL as written there, pointed at a local endpoint, which must get the JSON keys README shows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from tests.support.harness import ROOT, Harness
from tests.support.push_receiver import PushReceiver

SECTION = ROOT.joinpath("README.md").read_text().split("### Phone notifications", 1)[1].split("\n### ", 1)[0]
EXAMPLES = re.findall(
    r"```sh\nNOTIFY_URLS=(\S+)\n```\n\n(?:A raised alert arrives as|It receives).*?`(\{[^`]*\})`", SECTION, re.DOTALL
)


@pytest.fixture
def endpoint() -> Iterator[PushReceiver]:
    receiver = PushReceiver()
    yield receiver
    receiver.close()


def test_readme_shows_the_two_examples():
    assert [url.split("://")[0] for url, _ in EXAMPLES] == ["ntfys", "json"]


@pytest.mark.parametrize(("url", "shown"), EXAMPLES, ids=["ntfy", "webhook"])
def test_a_readme_example_delivers_the_raised_alert_as_shown(
    harness: Harness, simulated, endpoint: PushReceiver, url: str, shown: str
):
    local = re.sub(r"^ntfys://[^/]+", f"ntfy://127.0.0.1:{endpoint.port}", url)  # a local ntfy speaks http
    local = re.sub(r"^json://[^/]+", f"json://127.0.0.1:{endpoint.port}", local)
    harness.env.update(NOTIFY_URLS=local, SITE_NAME="Roof")
    simulated.site = SimulatedSite(SiteModel(failed=frozenset()))
    for failed in (frozenset(), frozenset({3}), frozenset({3})):  # healthy, then dead two readings: raised
        simulated.site.model.failed = failed
        assert harness.run("run").code == 0
        harness.clock.advance(minutes=5)
    [hit] = endpoint.hits
    sent = hit.json()
    assert set(sent) == set(re.findall(r'"(\w+)":', shown))
    assert sent["title"] == "PVS6 Roof: Inverter E00…0004 down"
    assert sent["message"].startswith("0 W vs ") and "\nCheck the inverter's breaker" in sent["message"]
    path = url.split("://", 1)[1].partition("/")[2]
    assert (hit.path, sent.get("topic")) == (("/", path) if url.startswith("ntfy") else (f"/{path}", None))
