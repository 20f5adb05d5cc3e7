"""The report's Freshness shows every configured delivery target's last delivery and queue, as `status` does."""

from __future__ import annotations

import re

from tests.support.harness import Harness


def freshness(html: str) -> dict[str, tuple[str, str]]:
    section = html.split("<h2>Freshness</h2>", 1)[1].split("</section>", 1)[0]
    row = r"<tr><td>([^<]+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>"
    return {m[1]: (m[2], m[3]) for m in re.finditer(row, section)}


def test_freshness_lists_every_configured_target_with_its_queue(harness: Harness, simulated) -> None:
    harness.env.update(
        {
            "WEATHER_PROVIDER": "none",
            "PROMETHEUS_TEXTFILE": str(harness.tmp_path / "pvs6.prom"),
            "INFLUX_URL": "http://127.0.0.1:9",  # nothing listens: its queue grows
            "INFLUX_DATABASE": "solar",
        }
    )
    for _ in range(2):
        result = harness.run("run")
        assert result.code == 0
        harness.clock.advance(minutes=5)
    status = harness.run("status").stdout
    assert "InfluxDB" in status and "Prometheus" in status

    result = harness.run("report")
    assert result.code == 0
    rows = freshness((harness.data_dir / "report" / "index.html").read_text())
    assert set(rows) == {"Last recorded reading", "InfluxDB", "Prometheus"}
    assert rows["InfluxDB"] == ("never", "2 waiting")
    assert rows["Prometheus"][1] == "nothing waiting" and "ago" in rows["Prometheus"][0]


def test_without_a_target_freshness_says_so(harness: Harness, simulated) -> None:
    harness.env["WEATHER_PROVIDER"] = "none"
    assert harness.run("run").code == 0
    assert harness.run("report").code == 0
    assert "No delivery target is set up" in (harness.data_dir / "report" / "index.html").read_text()
