"""The InfluxDB sink: written to a real InfluxDB 1.x on loopback and queried back; the 2.x/3.x request checked."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses

from pvs6sup.core import records
from pvs6sup.core.records import replace
from pvs6sup.sinks import influx
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError
from pvs6sup.sinks.queue import Entry
from tests.support.influx_server import PASSWORD, USER, Influx, start_influx
from tests.support.sink_driver import STEP, CountingSession, Driver, readings

ZONE = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 6, 21, 7, 0, 30, tzinfo=timezone.utc)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    yield from start_influx(tmp_path_factory.mktemp("influx"))


@pytest.fixture
def database(server: Influx) -> str:
    name = f"pvs{next(_names)}"
    server.query(f"CREATE DATABASE {name}", method="POST")
    return name


def v1_settings(server: Influx, database: str) -> influx.Settings:
    return influx.Settings(server.url, database=database, username=USER, password=PASSWORD)


def queue_and_send(driver: Driver, start: datetime, count: int) -> list[int]:
    """A reading every 5 minutes, each sent in its cycle; the HTTP calls each cycle made."""
    calls = []
    for reading in readings(start, count):
        driver.queue(reading, influx.payload(reading, "home", ZONE))
        before = driver.session.calls
        driver.cycle(reading.fetched_at + timedelta(seconds=5))
        calls.append(driver.session.calls - before)
    return calls


# --- line protocol (pure) -------------------------------------------------------------------------


def test_line_protocol_escapes_tags_and_quotes_strings() -> None:
    tags = {"site": 'my site, "north"=1', "serial": "E00X"}
    text = influx.line("pvs_inverter", tags, {"state": 'say "hi"\\', "power_kw": 0.25, "comm_errors": 3}, 1700000000)
    assert text == (
        'pvs_inverter,site=my\\ site\\,\\ "north"\\=1,serial=E00X '
        'state="say \\"hi\\"\\\\",power_kw=0.25,comm_errors=3i 1700000000'
    )
    assert influx.line("pvs_gateway", {"site": "home"}, {}, 1700000000) is None


def test_unknown_values_are_left_out() -> None:
    reading = next(readings(START, 1))
    blank = records.replace(reading.site, consumption_kw=None, grid_import_lifetime_kwh=None)
    facts = influx.payload(records.replace(reading, site=blank, cloud_cover_pct=None), "home", ZONE)
    assert "consumption_kw" not in facts["pvs_site"] and "cloud_cover_pct" not in facts["pvs_site"]
    assert "grid_import_lifetime_kwh" not in facts["pvs_site"] and "production_kw" in facts["pvs_site"]


# --- InfluxDB 1.x, for real -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_day_is_written_and_reads_back(server: Influx, database: str) -> None:
    driver = Driver(influx.send, v1_settings(server, database))
    calls = queue_and_send(driver, START, 288)
    assert calls == [1] * 288  # one POST a steady cycle: the figure for BENCHMARKS.md
    assert driver.entries == [] and driver.warnings == [] and driver.dropped == 0

    counts = server.rows("SELECT count(power_kw) FROM pvs_inverter GROUP BY serial", database)
    assert len(counts) == 4 and {row["count"] for row in counts} == {288}
    site = server.rows("SELECT production_kw, cloud_cover_pct, inverters_total FROM pvs_site", database)
    expected = list(readings(START, 288))
    assert len(site) == 288
    assert [row["production_kw"] for row in site] == [r.site.production_kw for r in expected]
    assert [row["cloud_cover_pct"] for row in site] == [r.cloud_cover_pct for r in expected]
    assert site[0]["time"] == START.strftime("%Y-%m-%dT%H:%M:%SZ") and site[0]["inverters_total"] == 4
    states = server.rows("SELECT state FROM pvs_inverter", database)
    assert {row["state"] for row in states} == {"working", "error"}  # producing by day, "error" at night
    gateway = server.rows("SELECT count(uptime_s) FROM pvs_gateway", database)
    assert gateway[0]["count"] == 288


@pytest.mark.slow
def test_a_three_day_outage_is_written_once_in_order(server: Influx, database: str) -> None:
    good = v1_settings(server, database)
    driver = Driver(influx.send, good)
    queue_and_send(driver, START, 12)
    driver.settings = replace(good, url="http://127.0.0.1:9")  # the network is down for three days
    for reading in readings(START + 12 * STEP, 3 * 288):
        driver.queue(reading, influx.payload(reading, "home", ZONE))
        if reading.fetched_at.minute < 5:  # an attempt every hour is enough to see the failure
            driver.cycle(reading.fetched_at)
    assert driver.retries and all(isinstance(e, RetryLaterError) for e in driver.retries)
    assert len(driver.entries) == 3 * 288

    driver.settings = good
    session = CountingSession()
    driver.session = session
    memo_before = dict(driver.memo)
    backlog = list(driver.entries)
    sent = driver.cycle(START + 4 * timedelta(days=1))
    assert sent is not None and sent.through_seq == 12 + 3 * 288 and driver.entries == []
    assert session.calls == 2  # one cycle carries the whole backlog: 5184 lines in 2 POSTs of ≤5000
    # An unclear failure makes the queue send the same entries again: nothing is duplicated.
    influx.send(good, session, backlog, memo_before, START + 4 * timedelta(days=1), 30)

    times = [row["time"] for row in server.rows("SELECT production_kw FROM pvs_site", database)]
    assert len(times) == 12 + 3 * 288 == len(set(times)) and times == sorted(times)
    counts = server.rows("SELECT count(lifetime_kwh) FROM pvs_inverter GROUP BY serial", database)
    assert {row["count"] for row in counts} == {12 + 3 * 288}


def test_a_glitched_lifetime_is_never_written(server: Influx, database: str) -> None:
    driver = Driver(influx.send, v1_settings(server, database))
    noon = datetime(2026, 6, 21, 19, 0, 0, tzinfo=timezone.utc)
    for index, reading in enumerate(readings(noon, 8)):
        facts = influx.payload(reading, "home", ZONE)
        if index == 3:
            facts["pvs_site"]["production_lifetime_kwh"] = 0.0  # the register reads 0 for a while
        if index == 5:
            facts["pvs_inverter"][0]["lifetime_kwh"] -= 40.0  # one inverter's register steps back
        if index == 6:
            facts["pvs_inverter"][1]["lifetime_kwh"] += 500.0  # another leaps more than it could make
        driver.queue(reading, facts)
    driver.cycle(noon + timedelta(hours=1))
    site = server.rows("SELECT production_lifetime_kwh, production_kw FROM pvs_site", database)
    assert len(site) == 8 and site[3]["production_lifetime_kwh"] is None and site[3]["production_kw"] is not None
    lifetimes = [row["production_lifetime_kwh"] for row in site if row["production_lifetime_kwh"] is not None]
    assert lifetimes == sorted(lifetimes) and 0.0 not in lifetimes
    by_serial = server.rows("SELECT count(power_kw) FROM pvs_inverter GROUP BY serial", database)
    serials = sorted(row["serial"] for row in by_serial)
    first = server.rows(f"SELECT lifetime_kwh, power_kw FROM pvs_inverter WHERE serial = '{serials[0]}'", database)
    second = server.rows(f"SELECT lifetime_kwh, power_kw FROM pvs_inverter WHERE serial = '{serials[1]}'", database)
    assert first[5]["lifetime_kwh"] is None and second[6]["lifetime_kwh"] is None
    for rows in (first, second):
        values = [r["lifetime_kwh"] for r in rows if r["lifetime_kwh"] is not None]
        assert values == sorted(values) and len(values) == 7
    assert len(driver.warnings) == 1 and "reads 0" in driver.warnings[0] and "2 more" in driver.warnings[0]


def test_a_refused_batch_is_dropped_with_one_warning(server: Influx, database: str) -> None:
    driver = Driver(influx.send, v1_settings(server, database))
    queue_and_send(driver, START, 2)
    reading = next(readings(START + 2 * STEP, 1))
    facts = influx.payload(reading, "home", ZONE)
    facts["pvs_site"]["production_kw"] = "lots"  # a field type conflict: InfluxDB refuses the point
    driver.queue(reading, facts)
    sent = driver.cycle(reading.fetched_at)
    assert sent is not None and sent.dropped == 1 and sent.through_seq == 3
    assert len(sent.warnings) == 1 and "field type conflict" in sent.warnings[0]


def test_bad_credentials_and_a_missing_database_ask_the_owner(server: Influx, database: str) -> None:
    good = v1_settings(server, database)
    assert influx.probe(good, CountingSession(), 30) is None
    entries = [Entry(1, START, influx.payload(next(readings(START, 1)), "home", ZONE))]
    wrong = replace(good, password="not-the-password-X0")
    with pytest.raises(FixConfigError) as caught:
        influx.send(wrong, CountingSession(), entries, {}, START, 30)
    assert "INFLUX_PASSWORD" in str(caught.value) and "not-the-password" not in str(caught.value)
    assert "INFLUX_PASSWORD" in (influx.probe(wrong, CountingSession(), 30) or "")
    missing = replace(good, database="nosuchdb")
    with pytest.raises(FixConfigError, match="INFLUX_DATABASE"):
        influx.send(missing, CountingSession(), entries, {}, START, 30)
    assert "INFLUX_DATABASE" in (influx.probe(missing, CountingSession(), 30) or "")


# --- InfluxDB 2.x / Cloud / 3.x: the request, exactly ----------------------------------------------

V2 = influx.Settings("https://influx.example.invalid:8086/", token="tok-X0000", org="my org", bucket="solar")


@responses.activate
def test_the_v2_request_is_exact() -> None:
    responses.post("https://influx.example.invalid:8086/api/v2/write", status=204)
    reading = next(readings(datetime(2026, 6, 21, 19, 0, 0, tzinfo=timezone.utc), 1))
    entries = [Entry(7, reading.fetched_at, influx.payload(reading, "Casa Sol", ZONE))]
    sent = influx.send(V2, CountingSession(), entries, {}, reading.fetched_at, 30)
    assert sent.through_seq == 7 and sent.dropped == 0
    call = responses.calls[0].request
    assert call.url == "https://influx.example.invalid:8086/api/v2/write?org=my+org&bucket=solar&precision=s"
    assert call.headers["Authorization"] == "Token tok-X0000"
    assert call.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert isinstance(call.body, bytes)
    lines = call.body.decode().split("\n")
    stamp = int(reading.fetched_at.timestamp())
    site = reading.site
    assert lines[0] == (
        f"pvs_site,site=Casa\\ Sol production_kw={site.production_kw!r},consumption_kw={site.consumption_kw!r},"
        f"grid_kw={site.net_kw!r},production_lifetime_kwh={site.production_lifetime_kwh!r},"
        f"consumption_lifetime_kwh={site.consumption_lifetime_kwh!r},"
        f"grid_import_lifetime_kwh={site.grid_import_lifetime_kwh!r},"
        f"grid_export_lifetime_kwh={site.grid_export_lifetime_kwh!r},cloud_cover_pct={reading.cloud_cover_pct!r},"
        f"inverters_working=4i,inverters_total=4i {stamp}"
    )
    inverter = reading.devices.inverters[0]
    assert lines[1] == (
        f"pvs_inverter,serial={inverter.serial},site=Casa\\ Sol power_kw={inverter.power_kw!r},"
        f"dc_power_kw={inverter.dc_power_kw!r},lifetime_kwh={inverter.lifetime_kwh!r},"
        f'temperature_c={inverter.temperature_c!r},state="working" {stamp}'
    )
    supervisor = reading.devices.supervisor
    assert supervisor is not None
    assert lines[-1] == (
        f"pvs_gateway,site=Casa\\ Sol uptime_s={supervisor.uptime_s!r},comm_errors={supervisor.comm_errors}i {stamp}"
    )
    assert len(lines) == 6


@responses.activate
@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, FixConfigError, "INFLUX_TOKEN"),
        (404, FixConfigError, "INFLUX_BUCKET"),
        (503, RetryLaterError, "503"),
        (429, RetryLaterError, "429"),
    ],
)
def test_v2_failures_are_classified(status: int, error: type[Exception], words: str) -> None:
    responses.post(
        "https://influx.example.invalid:8086/api/v2/write",
        status=status,
        json={"code": "x", "message": "token tok-X0000 is not allowed"},
    )
    entries = [Entry(1, START, influx.payload(next(readings(START, 1)), "home", ZONE))]
    with pytest.raises(error) as caught:
        influx.send(V2, CountingSession(), entries, {}, START, 30)
    assert words in str(caught.value) and "tok-X0000" not in str(caught.value) and "\n" not in str(caught.value)


@responses.activate
def test_a_big_backlog_goes_in_batches_of_5000_lines() -> None:
    responses.post("https://influx.example.invalid:8086/api/v2/write", status=204)
    entries = [Entry(i + 1, r.fetched_at, influx.payload(r, "home", ZONE)) for i, r in enumerate(readings(START, 1000))]
    sent = influx.send(V2, CountingSession(), entries, {}, START + timedelta(days=4), 30)
    assert sent.through_seq == 1000
    sizes = [len(c.request.body.decode().split("\n")) for c in responses.calls if isinstance(c.request.body, bytes)]
    assert sizes == [4998, 1002] and sum(sizes) == 1000 * 6


@responses.activate
def test_a_network_failure_after_some_batches_keeps_what_went() -> None:
    responses.post("https://influx.example.invalid:8086/api/v2/write", status=204)
    responses.post("https://influx.example.invalid:8086/api/v2/write", status=503)
    entries = [Entry(i + 1, r.fetched_at, influx.payload(r, "home", ZONE)) for i, r in enumerate(readings(START, 1000))]
    sent = influx.send(V2, CountingSession(), entries, {}, START + timedelta(days=4), 30)
    assert sent.through_seq == 833 and sent.dropped == 0  # the first batch (833 readings) is written


def test_settings_repr_hides_secrets(tmp_path: Path) -> None:
    text = repr(replace(V2, password="pw-X0000"))
    assert "tok-X0000" not in text and "pw-X0000" not in text


# --- the Grafana dashboard's queries, run against the real InfluxDB --------------------------------

GRAFANA = Path(__file__).resolve().parents[2] / "grafana"


def test_the_grafana_dashboard_queries_answer(server: Influx, database: str) -> None:
    entries = [Entry(i + 1, r.fetched_at, influx.payload(r, "home", ZONE)) for i, r in enumerate(readings(START, 288))]
    assert influx.send(v1_settings(server, database), CountingSession(), entries, {}, START, 30).through_seq == 288
    text = (GRAFANA / "dashboards" / "pvs6-supervisor.json").read_text()
    dashboard = json.loads(text)
    datasource = (GRAFANA / "provisioning" / "datasources" / "pvs6.yaml").read_text()
    uid = re.search(r"^\s+uid: (\S+)$", datasource, re.MULTILINE)
    assert uid is not None and uid.group(1) not in text  # no hard-coded datasource: it imports through the UI
    [wanted] = dashboard["__inputs"]
    assert (wanted["type"], wanted["pluginId"]) == ("datasource", "influxdb")
    [chosen] = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert chosen["query"] == "influxdb" and chosen["current"]["value"] == "${" + wanted["name"] + "}"
    assert dashboard["timezone"] == "browser" and "$tz" not in text  # days split at the viewer's midnight
    titles = []
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            query = (
                target["query"]
                .replace("$timeFilter", "time >= '2026-06-21T00:00:00Z' AND time < '2026-06-23T00:00:00Z'")
                .replace("$__interval", "15m")
                .replace("$site", "home")
                .replace("$__timezone", "America/Los_Angeles")
            )
            result = server.query(query, database)["results"][0]
            assert "error" not in result, (panel["title"], result)
            values = [v for series in result["series"] for row in series["values"] for v in row[1:] if v is not None]
            assert values, panel["title"]
            titles.append(panel["title"])
    assert {"Site power", "Power per inverter", "Daily energy per inverter", "Cloud cover"} <= set(titles)
    daily = server.query(
        dashboard["panels"][2]["targets"][0]["query"]
        .replace("$timeFilter", "time >= '2026-06-21T07:00:00Z' AND time < '2026-06-22T07:00:00Z'")
        .replace("$site", "home")
        .replace("$__timezone", "America/Los_Angeles"),
        database,
    )["results"][0]["series"]
    assert len(daily) == 4 and all(0.5 < s["values"][0][1] < 3.0 for s in daily)  # kWh a panel on a June day
    [site_query] = [v["query"] for v in dashboard["templating"]["list"] if v["name"] == "site"]
    assert server.query(site_query, database)["results"][0]["series"][0]["values"] == [["site", "home"]]
