"""The PVOutput sink against a fake PVOutput on loopback that enforces the documented API rules."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.core.records import replace
from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.sinks import pvoutput
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError
from tests.support.pvoutput_fake import API_KEY, SYSTEM_ID, FakePVOutput
from tests.support.sink_driver import STEP, Driver, readings

ZONE = ZoneInfo("America/Los_Angeles")
LAT, LON = 37.42, -122.08
MIDNIGHT = datetime(2026, 6, 21, 7, 0, 30, tzinfo=timezone.utc)  # 00:00:30 in California


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def no_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pvoutput, "SPACING_S", 0.0)


@pytest.fixture
def clock() -> Clock:
    return Clock(MIDNIGHT)


@pytest.fixture
def fake(clock: Clock):
    server = FakePVOutput(clock, ZONE, LAT, LON).start()
    yield server
    server.stop()


def settings(fake: FakePVOutput, **changes: object) -> pvoutput.Settings:
    base = pvoutput.Settings(API_KEY, SYSTEM_ID, url=fake.url, latitude=LAT, longitude=LON)
    return replace(base, **changes)  # type: ignore[arg-type]


def run_cycles(
    driver: Driver, clock: Clock, fake: FakePVOutput, start: datetime, count: int, interval_min: int = 5
) -> list[int]:
    """A reading every 5 minutes, queued then sent in the same cycle; the HTTP calls each cycle made."""
    calls = []
    for reading in readings(start, count, step=STEP):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
        clock.now = reading.fetched_at + timedelta(seconds=5)
        before = len(fake.paths)
        driver.cycle(clock.now)
        calls.append(len(fake.paths) - before)
    return calls


def slot_of(when: datetime, interval_min: int) -> tuple[str, str]:
    local = when.astimezone(ZONE)
    local = local.replace(minute=local.minute - local.minute % interval_min)
    return local.strftime("%Y%m%d"), local.strftime("%H:%M")


def assert_clean(fake: FakePVOutput) -> None:
    """Within the documented limits: no refusal, no 403, each date and time once, in order, no key in a URL."""
    assert set(fake.answers) == {200}, Counter(fake.answers)
    assert max(fake.hour_counts.values()) <= fake.limit
    assert max(fake.batch_sizes) <= 30
    assert len(fake.arrivals) == len(set(fake.arrivals)), "a status was sent twice"
    assert fake.arrivals == sorted(fake.arrivals)
    assert not any(API_KEY in p or SYSTEM_ID in p for p in fake.paths)


@pytest.mark.parametrize("interval_min", [5, 15])
@pytest.mark.slow
def test_a_day_is_delivered(fake: FakePVOutput, clock: Clock, interval_min: int) -> None:
    fake.interval_min = interval_min
    driver = Driver(pvoutput.send, settings(fake, interval_min=interval_min))
    calls = run_cycles(driver, clock, fake, MIDNIGHT, 288)
    clock.now = MIDNIGHT + timedelta(days=1)
    driver.cycle(clock.now)  # the day's last slot has ended

    assert_clean(fake)
    assert driver.dropped == 0 and driver.warnings == [] and driver.entries == []
    assert len(fake.arrivals) == 24 * 60 // interval_min
    # One request when a slot ends, none otherwise: the steady figure for BENCHMARKS.md.
    assert max(calls) == 1 and sum(calls) == 24 * 60 // interval_min - 1
    statuses = [fake.statuses[k] for k in fake.arrivals]
    v1 = [s["v1"] for s in statuses if s["v1"] is not None]
    assert v1 == sorted(v1) and len(v1) > len(statuses) // 2  # the lifetime is sent through the day, never going down
    sunny = [s for s in statuses if (s["v2"] or 0) > 500]
    assert sunny and all(s["v4"] is not None for s in statuses)
    for (d, t), status in zip(fake.arrivals, statuses, strict=True):
        when = datetime.strptime(f"{d} {t}", "%Y%m%d %H:%M").replace(tzinfo=ZONE)
        if sun_elevation_deg(LAT, LON, when) < 0:
            assert status["v2"] == 0 and status["v1"] is None


def test_the_latest_reading_of_a_slot_is_sent(fake: FakePVOutput, clock: Clock) -> None:
    fake.interval_min = 15
    driver = Driver(pvoutput.send, settings(fake, interval_min=15))
    noon = datetime(2026, 6, 21, 19, 0, 30, tzinfo=timezone.utc)
    queued = list(readings(noon, 4))  # 12:00, 12:05, 12:10 in one slot; 12:15 in the next
    for reading in queued:
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    clock.now = noon + timedelta(minutes=16)
    sent = driver.cycle(clock.now)
    assert sent is not None and sent.through_seq == 3  # the open 12:15 slot waits
    assert fake.arrivals == [("20260621", "12:00")]
    production_kw = queued[2].site.production_kw
    assert production_kw is not None
    assert fake.statuses[("20260621", "12:00")]["v2"] == round(production_kw * 1000)


@pytest.mark.slow
def test_a_three_day_outage_is_delivered_in_order_within_the_limits(fake: FakePVOutput, clock: Clock) -> None:
    driver = Driver(pvoutput.send, settings(fake))
    site_readings = readings(MIDNIGHT, 12 * 24 * 4 + 60)
    delivered_before = 0
    for number, reading in enumerate(site_readings):
        fake.down = 12 * 6 <= number < 12 * (6 + 72)  # PVOutput unreachable from 06:00 on day 1 for 72 hours
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
        clock.now = reading.fetched_at + timedelta(seconds=5)
        if not fake.down or number % 12 == 0:  # hourly while down: the test need not pay for every failed cycle
            driver.cycle(clock.now)
        if number == 12 * 6 - 1:
            delivered_before = len(fake.arrivals)
    assert delivered_before == 71
    assert any("503" in str(err) for err in driver.retries)
    assert driver.entries and len(driver.entries) <= 2  # caught up: only the open slot (and its successor) wait
    expected = sorted({slot_of(r.fetched_at, 5) for r in readings(MIDNIGHT, 12 * 24 * 4 + 60)})[:-1]
    assert fake.arrivals == expected
    fake.answers = [a for a in fake.answers if a != 503]
    assert_clean(fake)
    assert driver.dropped == 0


def test_statuses_older_than_14_days_are_dropped_with_one_warning(fake: FakePVOutput, clock: Clock) -> None:
    driver = Driver(pvoutput.send, settings(fake))
    start = MIDNIGHT - timedelta(days=16)
    for reading in readings(start, 16 * 24 + 2, step=timedelta(hours=1)):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    clock.now = MIDNIGHT + timedelta(hours=2)
    for _ in range(20):
        driver.cycle(clock.now)
        clock.now += STEP
    assert_clean(fake)
    old = [w for w in driver.warnings if "days back" in w]
    assert len(old) == 1 and "14 days back" in old[0]
    oldest_kept = (clock.now.astimezone(ZONE) - timedelta(days=14)).strftime("%Y%m%d")
    assert fake.arrivals[0][0] == oldest_kept
    assert driver.dropped == sum(
        1 for h in range(16 * 24 + 2) if (start + timedelta(hours=h)).astimezone(ZONE).strftime("%Y%m%d") < oldest_kept
    )
    assert len(driver.entries) == 0


def test_a_glitched_lifetime_is_never_sent(fake: FakePVOutput, clock: Clock) -> None:
    driver = Driver(pvoutput.send, settings(fake))
    noon = datetime(2026, 6, 21, 19, 0, 30, tzinfo=timezone.utc)
    glitches = {3: 0.0, 4: 0.0, 7: -5.0, 10: +300.0}  # reads 0 twice, steps back 5 kWh, leaps 300 kWh
    for index, reading in enumerate(readings(noon, 14)):
        facts = pvoutput.payload(reading, "home", ZONE)
        if index in glitches:
            delta = glitches[index]
            facts["production_lifetime_kwh"] = 0.0 if delta == 0 else facts["production_lifetime_kwh"] + delta
        driver.queue(reading, facts)
    clock.now = noon + timedelta(minutes=75)
    driver.cycle(clock.now)
    assert_clean(fake)
    sent = [fake.statuses[k]["v1"] for k in fake.arrivals]
    assert len(sent) == 14
    assert [i for i, v in enumerate(sent) if v is None] == [3, 4, 7, 10]
    known = [v for v in sent if v is not None]
    assert known == sorted(known)
    assert len([w for w in driver.warnings if "lifetime" in w]) == 1
    assert "reads 0" in next(w for w in driver.warnings if "lifetime" in w)
    # The guard's memory survives the cycle: a later drop below the last sent v1 is still refused.
    assert driver.memo["v1"]["production_lifetime"][0] * 1000 == pytest.approx(known[-1], abs=1)


@pytest.mark.parametrize(
    ("key", "system_id", "setting"),
    [("wrong-key-X0000000", SYSTEM_ID, "PVOUTPUT_API_KEY"), (API_KEY, "999", "PVOUTPUT_SYSTEM_ID")],
)
def test_a_bad_key_or_system_id_asks_the_owner(fake: FakePVOutput, clock: Clock, key, system_id, setting) -> None:
    bad = settings(fake, api_key=key, system_id=system_id)
    reading = next(readings(MIDNIGHT, 1))
    driver = Driver(pvoutput.send, bad)
    driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    with pytest.raises(FixConfigError) as caught:
        pvoutput.send(bad, driver.session, driver.entries, {}, MIDNIGHT + timedelta(minutes=6), 30)
    message = str(caught.value)
    assert setting in message and "\n" not in message and key not in message
    probe = pvoutput.probe(bad, driver.session, 30)
    assert probe is not None and setting in probe and key not in probe
    assert pvoutput.probe(settings(fake), driver.session, 30) is None


def test_the_hourly_limit_is_respected(fake: FakePVOutput, clock: Clock) -> None:
    driver = Driver(pvoutput.send, settings(fake))
    for reading in readings(MIDNIGHT, 300):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    clock.now = datetime(2026, 6, 22, 8, 20, 0, tzinfo=timezone.utc)
    fake.extra_used = 57  # another uploader used 57 of this hour's 60
    driver.cycle(clock.now)
    assert len(fake.paths) == 3 and set(fake.answers) == {200}  # stopped when X-Rate-Limit-Remaining said 0
    assert driver.memo["rate_remaining"] == 0
    clock.now += STEP
    assert driver.cycle(clock.now) is None  # waits for the reset without a request
    assert len(fake.paths) == 3
    assert driver.retries[-1].until == datetime(2026, 6, 22, 9, 0, tzinfo=timezone.utc)
    clock.now = datetime(2026, 6, 22, 9, 0, 5, tzinfo=timezone.utc)
    fake.extra_used = 0
    for _ in range(12):
        driver.cycle(clock.now)
        clock.now += STEP
    assert_clean(fake)
    assert len(fake.arrivals) == 300 and not driver.entries
    assert fake.requests_in_hour(datetime(2026, 6, 22, 9, 0, tzinfo=timezone.utc)) == 7  # 5 a cycle at most


def test_a_403_over_the_limit_waits_for_the_reset(fake: FakePVOutput, clock: Clock) -> None:
    fake.extra_used = 60
    driver = Driver(pvoutput.send, settings(fake))
    for reading in readings(MIDNIGHT, 3):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    clock.now = MIDNIGHT + timedelta(minutes=30)
    assert driver.cycle(clock.now) is None
    assert fake.answers == [403]
    assert driver.retries[-1].until == datetime(2026, 6, 21, 8, 0, tzinfo=timezone.utc)
    assert len(driver.entries) == 3


@pytest.mark.parametrize(
    "text",
    [
        "Bad request 400: Moon Powered",
        "Bad request 400: Date is older than 14 days [20260601]",
        "Bad request 400: Energy value [100] lower than previously recorded value: 200",
        "Bad request 400: No status",
    ],
)
def test_a_refused_batch_is_dropped_with_one_warning(fake: FakePVOutput, clock: Clock, text: str) -> None:
    fake.forced = [(400, text)]
    driver = Driver(pvoutput.send, settings(fake))
    for reading in readings(MIDNIGHT, 40):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    clock.now = MIDNIGHT + timedelta(hours=4)
    sent = driver.cycle(clock.now)
    assert sent is not None and sent.through_seq == 40 and sent.dropped == 30
    assert len(sent.warnings) == 1 and text.split(": ", 1)[1] in sent.warnings[0]
    assert len(fake.arrivals) == 10


def test_no_answer_is_retry_later(clock: Clock) -> None:
    unreachable = pvoutput.Settings(API_KEY, SYSTEM_ID, url="http://127.0.0.1:9")
    driver = Driver(pvoutput.send, unreachable)
    for reading in readings(MIDNIGHT, 2):
        driver.queue(reading, pvoutput.payload(reading, "home", ZONE))
    with pytest.raises(RetryLaterError) as caught:
        pvoutput.send(unreachable, driver.session, driver.entries, {}, MIDNIGHT + timedelta(hours=1), 5)
    assert API_KEY not in str(caught.value)
    assert "PVOUTPUT_URL" in (pvoutput.probe(unreachable, driver.session, 5) or "")
