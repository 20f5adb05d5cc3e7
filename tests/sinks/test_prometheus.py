"""The Prometheus textfile sink: the file is read back with prometheus_client's own parser."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pvs6sup.core.models import Reading
from pvs6sup.core.records import replace
from pvs6sup.sinks import prometheus
from pvs6sup.sinks.outcome import FixConfigError
from pvs6sup.sinks.queue import Entry
from tests.support.sink_driver import Driver, readings

ZONE = ZoneInfo("America/Los_Angeles")
NOON = datetime(2026, 6, 21, 19, 0, 30, tzinfo=timezone.utc)


def samples(path: Path) -> dict[tuple[str, str | None], float]:
    """(sample name, serial label) -> value; every sample must have no timestamp."""
    found = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            assert sample.timestamp is None
            assert sample.labels["site"] == "home"
            found[(sample.name, sample.labels.get("serial"))] = sample.value
    return found


def test_a_day_of_cycles_keeps_the_newest_reading(tmp_path: Path) -> None:
    path = tmp_path / "pvs6.prom"
    driver = Driver(prometheus.send, prometheus.Settings(path))
    last: Reading | None = None
    for reading in readings(NOON - timedelta(hours=12), 288):
        driver.queue(reading, prometheus.payload(reading, "home", ZONE))
        driver.cycle(reading.fetched_at)
        last = reading
        assert driver.entries == []
    assert last is not None
    assert driver.session.calls == 0  # no HTTP at all: the figure for BENCHMARKS.md
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # node_exporter runs as another user
    assert [p.name for p in tmp_path.iterdir()] == ["pvs6.prom"]  # no temp file left behind

    found = samples(path)
    site = last.site
    assert site.production_kw is not None and site.production_lifetime_kwh is not None
    assert last.cloud_cover_pct is not None
    assert found[("pvs6_last_reading_timestamp_seconds", None)] == last.fetched_at.timestamp()
    assert found[("pvs6_site_production_watts", None)] == pytest.approx(site.production_kw * 1000)
    assert found[("pvs6_site_production_joules_total", None)] == pytest.approx(site.production_lifetime_kwh * 3.6e6)
    assert found[("pvs6_site_cloud_cover_ratio", None)] == pytest.approx(last.cloud_cover_pct / 100)
    assert found[("pvs6_inverters", None)] == 4
    for inverter in last.devices.inverters:
        assert inverter.power_kw is not None and inverter.lifetime_kwh is not None
        assert found[("pvs6_inverter_power_watts", inverter.serial)] == pytest.approx(inverter.power_kw * 1000)
        assert found[("pvs6_inverter_energy_joules_total", inverter.serial)] == pytest.approx(
            inverter.lifetime_kwh * 3.6e6
        )
        assert found[("pvs6_inverter_working", inverter.serial)] == (1 if inverter.state == "working" else 0)
    text = path.read_text()
    assert "# TYPE pvs6_site_production_watts gauge" in text and "# HELP pvs6_inverter_power_watts " in text


def test_unknown_values_are_absent_not_zero(tmp_path: Path) -> None:
    reading = next(readings(NOON, 1))
    first = reading.devices.inverters[0]
    inverters = (replace(first, power_kw=None, temperature_c=None, state=None), *reading.devices.inverters[1:])
    blank = replace(
        reading,
        site=replace(reading.site, consumption_kw=None, net_kw=None, grid_import_lifetime_kwh=None),
        devices=replace(reading.devices, inverters=inverters, supervisor=None),
        cloud_cover_pct=None,
    )
    path = tmp_path / "pvs6.prom"
    driver = Driver(prometheus.send, prometheus.Settings(path))
    driver.queue(blank, prometheus.payload(blank, "home", ZONE))
    driver.cycle(NOON)
    names = {name for name, _ in samples(path)}
    for absent in (
        "pvs6_site_consumption_watts",
        "pvs6_site_grid_watts",
        "pvs6_site_grid_import_joules_total",
        "pvs6_site_cloud_cover_ratio",
        "pvs6_gateway_uptime_seconds",
        "pvs6_gateway_comm_errors",
    ):
        assert absent not in names
    found = samples(path)
    assert ("pvs6_inverter_power_watts", first.serial) not in found
    assert ("pvs6_inverter_temperature_celsius", first.serial) not in found
    assert ("pvs6_inverter_working", first.serial) not in found
    assert ("pvs6_inverter_power_watts", inverters[1].serial) in found
    assert "pvs6_site_production_watts" in names


def test_a_glitched_lifetime_is_left_out_and_the_counter_never_goes_down(tmp_path: Path) -> None:
    path = tmp_path / "pvs6.prom"
    driver = Driver(prometheus.send, prometheus.Settings(path))
    seen = []
    for index, reading in enumerate(readings(NOON, 6)):
        facts = prometheus.payload(reading, "home", ZONE)
        if index in (2, 3):
            facts["values"]["production_lifetime_kwh"] = 0.0
        if index == 4:
            facts["values"]["production_lifetime_kwh"] -= 3.0
        driver.queue(reading, facts)
        driver.cycle(reading.fetched_at)
        seen.append(samples(path).get(("pvs6_site_production_joules_total", None)))
    assert seen[2] is None and seen[3] is None and seen[4] is None
    known = [v for v in seen if v is not None]
    assert len(known) == 3 and known == sorted(known)


def test_the_newest_entry_supersedes_a_backlog(tmp_path: Path) -> None:
    path = tmp_path / "pvs6.prom"
    driver = Driver(prometheus.send, prometheus.Settings(path))
    queued = list(readings(NOON, 5))
    for reading in queued:
        driver.queue(reading, prometheus.payload(reading, "home", ZONE))
    sent = driver.cycle(NOON + timedelta(minutes=30))
    assert sent is not None and sent.through_seq == 5 and sent.dropped == 0
    assert samples(path)[("pvs6_last_reading_timestamp_seconds", None)] == queued[-1].fetched_at.timestamp()


def test_labels_are_escaped(tmp_path: Path) -> None:
    reading = next(readings(NOON, 1))
    path = tmp_path / "pvs6.prom"
    prometheus.send(prometheus.Settings(path), None, [_entry(reading, 'the "big" \\ house')], {}, NOON, 5)  # type: ignore[arg-type]
    sites = {s.labels["site"] for f in text_string_to_metric_families(path.read_text()) for s in f.samples}
    assert sites == {'the "big" \\ house'}


def _entry(reading: Reading, site: str) -> Entry:
    return Entry(1, reading.fetched_at, prometheus.payload(reading, site, ZONE))


def test_an_unwritable_or_missing_folder_asks_the_owner(tmp_path: Path) -> None:
    reading = next(readings(NOON, 1))
    missing = prometheus.Settings(tmp_path / "nope" / "pvs6.prom")
    with pytest.raises(FixConfigError, match="PROMETHEUS_TEXTFILE"):
        prometheus.send(missing, None, [_entry(reading, "home")], {}, NOON, 5)  # type: ignore[arg-type]
    assert "does not exist" in (prometheus.probe(missing, None, 5) or "")  # type: ignore[arg-type]
    assert ".prom" in (prometheus.probe(prometheus.Settings(tmp_path / "pvs6.txt"), None, 5) or "")  # type: ignore[arg-type]
    assert prometheus.probe(prometheus.Settings(tmp_path / "pvs6.prom"), None, 5) is None  # type: ignore[arg-type]
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere: the permission case cannot be shown")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(FixConfigError, match="PROMETHEUS_TEXTFILE") as caught:
        prometheus.send(prometheus.Settings(locked / "pvs6.prom"), None, [_entry(reading, "home")], {}, NOON, 5)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert "not writable" in (prometheus.probe(prometheus.Settings(locked / "pvs6.prom"), None, 5) or "")  # type: ignore[arg-type]
