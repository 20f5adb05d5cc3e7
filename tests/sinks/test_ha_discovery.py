"""Home Assistant discovery planning (pure): configs, ids, when discovery is sent, the glitch guard, alerts."""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone

from pvs6sup.alerts.detectors import OFFLINE, PVS_UNREACHABLE, UNDERPERFORMING
from pvs6sup.alerts.incidents import Event
from pvs6sup.settings.sinks import default_topic_prefix, topic_prefix_problem
from pvs6sup.sinks import ha_discovery, mqtt
from pvs6sup.sinks.ha_discovery import OFFLINE_AFTER_FAILURES
from pvs6sup.sinks.ha_entities import ALERT_KINDS, Topics
from tests.support.mqtt_reading import NOON, PVS_SERIAL, reading_at, site

TOPICS = Topics("pvs6/home", "homeassistant")
ID_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")


def plan(entries, memo=None, now=NOON, discovery=True):
    return ha_discovery.plan(TOPICS, discovery, entries, memo or {}, now)


def by_topic(messages):
    return {m.topic: m for m in messages}


def configs(messages):
    return {m.topic: json.loads(m.payload) for m in messages if m.topic.endswith("/config") and m.payload}


def test_every_config_has_what_home_assistant_requires_and_ids_are_unique():
    simulated = site(12)
    result = plan([mqtt.payload(reading_at(simulated, NOON), "Home", timezone.utc)])
    found = configs(result.messages)
    assert len(found) == 8 + 1 + len(ALERT_KINDS) + 12 * 4
    unique_ids = [c["unique_id"] for c in found.values()]
    assert len(set(unique_ids)) == len(unique_ids)
    gateway_ids = set()
    for topic, config in found.items():
        component, object_id = topic.split("/")[1:3]
        assert component in ("sensor", "binary_sensor") and object_id == config["unique_id"]
        assert ID_CHARS.match(object_id)
        assert config["name"]
        # The current schema: default_entity_id names the entity as object_id (deprecated in 2025.10, gone in
        # 2026.4) did, so an existing install keeps sensor.<unique_id>; no key outside the schema.
        assert config["default_entity_id"] == f"{component}.{config['unique_id']}"
        assert not {"object_id", "has_entity_name"} & config.keys()
        assert config["state_topic"].startswith("pvs6/home/") and config["value_template"]
        assert config["device"]["identifiers"] and config["device"]["name"]
        assert config["expire_after"] == 900
        if "via_device" in config["device"]:
            gateway_ids.add(config["device"]["via_device"])
        if config.get("device_class") == "energy":
            assert config["state_class"] == "total" and config["unit_of_measurement"] == "kWh"
        if config.get("device_class") == "power":
            assert config["state_class"] == "measurement" and config["unit_of_measurement"] == "W"
    site_device = found[f"homeassistant/sensor/{unique_ids[0]}/config"]["device"]["identifiers"]
    assert gateway_ids == set(site_device)  # every inverter hangs off the one gateway device
    problems = [c for c in found.values() if c.get("device_class") == "problem"]
    assert {k for k in ALERT_KINDS if any(c["unique_id"].endswith("_" + k) for c in problems)} == set(ALERT_KINDS)
    assert all("availability_topic" not in c for c in problems)  # readable while the PVS is down


def test_the_pvs_serial_is_nowhere_not_even_in_the_queue_or_the_memo():
    simulated = site(4)
    queued = mqtt.payload(reading_at(simulated, NOON), "Home", timezone.utc)
    result = plan([queued])
    everything = json.dumps(queued) + json.dumps(result.memo) + "".join(m.topic + m.payload for m in result.messages)
    assert PVS_SERIAL not in everything and PVS_SERIAL[-5:] not in everything
    assert reading_at(simulated, NOON).devices.inverters[0].serial in everything  # inverter serials are shown


def test_the_stable_id_depends_on_the_serial_only():
    assert ha_discovery.stable_id("gateway", PVS_SERIAL) == ha_discovery.stable_id("gateway", PVS_SERIAL)
    assert ha_discovery.stable_id("gateway", PVS_SERIAL) != ha_discovery.stable_id("gateway", PVS_SERIAL[:-1] + "8")
    assert ID_CHARS.match(ha_discovery.stable_id("gateway", PVS_SERIAL))


def test_discovery_is_sent_when_the_inverters_change_and_once_a_day_otherwise():
    simulated = site(6)
    first = plan([mqtt.payload(reading_at(simulated, NOON), "Home", timezone.utc)])
    assert configs(first.messages)
    later = NOON + timedelta(minutes=5)
    steady = plan([mqtt.payload(reading_at(simulated, later), "Home", timezone.utc)], first.memo, later)
    assert not configs(steady.messages)
    assert len(steady.messages) == 1 + 1 + 6 + 1  # availability, site, inverters, status
    grown = site(7)
    changed = plan([mqtt.payload(reading_at(grown, later), "Home", timezone.utc)], first.memo, later)
    assert len(configs(changed.messages)) == 8 + 1 + len(ALERT_KINDS) + 7 * 4
    next_day = NOON + timedelta(days=1)
    daily = plan([mqtt.payload(reading_at(simulated, next_day), "Home", timezone.utc)], steady.memo, next_day)
    assert configs(daily.messages)


def test_an_inverter_gone_for_30_days_has_its_configs_removed():
    simulated = site(3)
    memo = plan([mqtt.payload(reading_at(simulated, NOON), "Home", timezone.utc)]).memo
    gone_id = mqtt.payload(reading_at(simulated, NOON), "Home", timezone.utc)["inverters"][-1]["id"]
    day = NOON + timedelta(days=10)
    result = plan([mqtt.payload(reading_at(simulated, day, drop=1), "Home", timezone.utc)], memo, day)
    assert any(gone_id in t for t in configs(result.messages))  # absent a while: still a device (greyed out)
    day = NOON + timedelta(days=32)
    result = plan([mqtt.payload(reading_at(simulated, day, drop=1), "Home", timezone.utc)], result.memo, day)
    emptied = [m for m in result.messages if gone_id in m.topic and m.topic.endswith("/config")]
    assert len(emptied) == 4 and all(m.payload == "" and m.retain for m in emptied)
    assert gone_id not in result.memo["inverters"]
    assert not any(gone_id in t for t in configs(result.messages))


def test_only_the_newest_fresh_state_is_sent_and_only_a_run_of_failures_sets_availability_offline():
    simulated = site(2)
    old, new = NOON, NOON + timedelta(minutes=5)
    entries = [mqtt.payload(reading_at(simulated, t), "Home", timezone.utc) for t in (old, new)]
    result = plan(entries, now=new)
    sites = [m for m in result.messages if m.topic == TOPICS.site]
    assert len(sites) == 1 and by_topic(result.messages)[TOPICS.availability].payload == "online"
    assert json.loads(by_topic(result.messages)[TOPICS.status].payload)["last_reading"] == new.isoformat()

    memo, at = result.memo, new
    for failures in range(1, OFFLINE_AFTER_FAILURES + 1):  # a transient 403 greys nothing out; a run of them does
        at += timedelta(minutes=5)
        failed = plan([ha_discovery.failure_payload(at)], memo, at)
        memo, topics = failed.memo, by_topic(failed.messages)
        assert TOPICS.site not in topics and TOPICS.status in topics
        if failures < OFFLINE_AFTER_FAILURES:
            assert TOPICS.availability not in topics
    assert topics[TOPICS.availability].payload == "offline" and topics[TOPICS.availability].retain
    back = plan(entries[-1:], memo, new)
    assert by_topic(back.messages)[TOPICS.availability].payload == "online" and back.memo["failures"] == 0

    stale = plan(entries[-1:], result.memo, new + timedelta(hours=2))  # delivered late: no state that looks current
    assert TOPICS.site not in by_topic(stale.messages)


def test_a_glitched_lifetime_is_left_out_and_a_replaced_meter_is_trusted_after_a_day():
    simulated = site(2)
    first = reading_at(simulated, NOON)
    memo = plan([mqtt.payload(first, "Home", timezone.utc)]).memo
    entry = mqtt.payload(reading_at(simulated, NOON + timedelta(minutes=5)), "Home", timezone.utc)
    entry["site"]["production_kwh"] = 0.0  # the register reads 0 for a while
    entry["site"]["consumption_kwh"] += 5000  # an impossible jump in 5 minutes
    result = plan([entry], memo, NOON + timedelta(minutes=5))
    state = json.loads(by_topic(result.messages)[TOPICS.site].payload)
    assert "production_kwh" not in state and "consumption_kwh" not in state and "grid_import_kwh" in state
    assert result.memo["energy"]["site.production_kwh"]["kwh"] == memo["energy"]["site.production_kwh"]["kwh"]

    low = 100.0  # a new meter counts from 100 kWh and grows
    for step in range(1, 300):
        when = NOON + timedelta(minutes=5 * step)
        entry = mqtt.payload(reading_at(simulated, when), "Home", timezone.utc)
        entry["site"]["grid_export_kwh"] = low + step * 0.01
        result = plan([entry], memo, when)
        memo = result.memo
        state = json.loads(by_topic(result.messages)[TOPICS.site].payload)
        if "grid_export_kwh" in state:
            break
    assert timedelta(minutes=5 * step) >= timedelta(days=1)
    assert result.warnings and "grid_export_kwh" in result.warnings[0]


def test_alerts_are_events_in_order_and_the_problem_sensors_follow_the_incidents():
    inverter = "E00X000007000003"
    raised = Event(NOON, "raised", UNDERPERFORMING, inverter, "Inverter E00…0003 makes 40 % of its siblings")
    worse = Event(NOON + timedelta(minutes=5), "raised", OFFLINE, inverter, "Inverter E00…0003 produces nothing")
    unreachable = Event(NOON + timedelta(minutes=5), "raised", PVS_UNREACHABLE, None, "The PVS has not answered")
    entries = [ha_discovery.alert_payload(e) for e in (raised, worse, unreachable)]
    result = plan(entries, now=NOON + timedelta(minutes=5))
    alerts = [json.loads(m.payload) for m in result.messages if m.topic == TOPICS.alerts]
    assert [a["kind"] for a in alerts] == [UNDERPERFORMING, OFFLINE, PVS_UNREACHABLE]
    assert all(not m.retain for m in result.messages if m.topic == TOPICS.alerts)
    problems = json.loads(by_topic(result.messages)[TOPICS.status].payload)["problems"]
    assert problems[OFFLINE] == "ON" and problems[PVS_UNREACHABLE] == "ON" and problems[UNDERPERFORMING] == "OFF"

    resolved = Event(NOON + timedelta(hours=1), "resolved", OFFLINE, inverter, "Fine again")
    result = plan([ha_discovery.alert_payload(resolved)], result.memo, NOON + timedelta(hours=1))
    problems = json.loads(by_topic(result.messages)[TOPICS.status].payload)["problems"]
    assert problems[OFFLINE] == "OFF" and problems[PVS_UNREACHABLE] == "ON"
    # an incident never reminded for two days was resolved by an event that got lost
    result = plan([], result.memo, NOON + timedelta(days=3))
    assert json.loads(by_topic(result.messages)[TOPICS.status].payload)["problems"][PVS_UNREACHABLE] == "OFF"


def test_discovery_off_sends_state_only():
    result = plan([mqtt.payload(reading_at(site(2), NOON), "Home", timezone.utc)], discovery=False)
    assert not configs(result.messages) and by_topic(result.messages)[TOPICS.site]


def test_topic_prefix_default_and_validation():
    assert default_topic_prefix("My House #2") == "pvs6/my_house_2"
    assert topic_prefix_problem("MQTT_TOPIC_PREFIX", "pvs6/+") is not None
    assert topic_prefix_problem("MQTT_TOPIC_PREFIX", "pvs6/home/") is not None
    assert topic_prefix_problem("MQTT_TOPIC_PREFIX", "pvs6/home") is None
