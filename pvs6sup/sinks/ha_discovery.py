"""Home Assistant MQTT discovery: what to publish for a batch of queued entries. Pure; no network, no clock.

Topics (P = MQTT_TOPIC_PREFIX, D = MQTT_DISCOVERY_PREFIX):
- P/availability  retained "online"/"offline": offline once the PVS failed OFFLINE_AFTER_FAILURES cycles in a
  row (a transient 403 greys nothing out; EXPIRE_AFTER_S covers a Pi that stops);
- P/site, P/inverter/<id>  one JSON state per device, not retained (sensors expire after EXPIRE_AFTER_S);
- P/status  the last reading's time and one ON/OFF per alert kind; it does not follow the PVS's
  availability, so "PVS unreachable" stays readable while the PVS is down;
- P/alerts  raised / reminder / resolved events as JSON, not retained;
- D/<component>/<unique_id>/config  retained discovery configs, one per entity.

The PVS serial never leaves payload(): its last five characters are the new firmware's password. Every
topic and unique_id uses `stable_id`, a hash of the serial: the same PVS gets the same id after a
reinstall, on another Pi or after any setting changes (no salt, no random part, no local state), so Home
Assistant keeps its entities and their history; only a replaced PVS (a new serial) becomes a new device.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pvs6sup.alerts.incidents import REMIND_AFTER_S, Event
from pvs6sup.core.energy_guard import held_kwh, lifetime_problem
from pvs6sup.core.gateway import FORGET_INVERTER_AFTER  # the project forgets a vanished inverter then
from pvs6sup.core.models import Reading
from pvs6sup.core.records import FrozenRecord
from pvs6sup.sinks.ha_entities import (
    ALERT_KINDS,
    EXPIRE_AFTER_S,
    SITE_ENERGY,
    Message,
    Topics,
    drop_none,
    inverter_configs,
    removals,
    site_configs,
)

OFFLINE_AFTER_FAILURES = 3  # failed cycles in a row before the PVS's entities go unavailable (as EXPIRE_AFTER_S)
# Ceilings for the glitch guard's jump test. A microinverter peaks near 0.3-0.45 kW AC; a 400 A, 240 V
# service (the largest a house has) carries 96 kW.
MAX_INVERTER_KW = 1.0
MAX_SERVICE_KW = 100.0
REBASE_AFTER = timedelta(days=1)  # a register consistently below its last trusted value this long was replaced
# An incident is reminded at least daily while it lasts: one unheard of for two days is over (an event lost).
ACTIVE_FORGET_S = 2 * REMIND_AFTER_S


def stable_id(kind: str, serial: str) -> str:
    """A short id for a device, a pure function of its serial (see the module docstring for why it is stable)."""
    return hashlib.sha256(f"pvs6-supervisor {kind} {serial}".encode()).hexdigest()[:10]


def _watts(kw: float | None) -> int | None:
    return None if kw is None else round(kw * 1000)


# ---- queue payloads: what one cycle queues (JSON-able, never the PVS serial) ----


def reading_payload(reading: Reading, site_name: str) -> dict[str, Any]:
    """The facts of one reading Home Assistant shows; unknown values are left out."""
    pvs, site = reading.devices.supervisor, reading.site
    inverters = [
        drop_none(
            {
                "id": stable_id("inverter", inv.serial),
                "serial": inv.serial,  # an inverter's serial is no secret; the PVS's is
                "model": inv.model,
                "power_w": _watts(inv.power_kw),
                "lifetime_kwh": inv.lifetime_kwh,
                "temperature_c": inv.temperature_c,
                "state": inv.state,
            }
        )
        for inv in reading.devices.inverters
        if inv.serial
    ]
    return {
        "type": "reading",
        "fetched_at": reading.fetched_at.isoformat(),
        "site_name": site_name,
        "gateway": drop_none(
            {
                "id": stable_id("gateway", pvs.serial) if pvs and pvs.serial else None,
                "model": pvs.model if pvs else None,
                "firmware": pvs.firmware if pvs else None,
            }
        ),
        "site": drop_none(
            {
                "production_w": _watts(site.production_kw),
                "consumption_w": _watts(site.consumption_kw),
                "grid_w": _watts(site.net_kw),
                "production_kwh": site.production_lifetime_kwh,
                "consumption_kwh": site.consumption_lifetime_kwh,
                "grid_import_kwh": site.grid_import_lifetime_kwh,
                "grid_export_kwh": site.grid_export_lifetime_kwh,
                "cloud_cover_pct": reading.cloud_cover_pct,
            }
        ),
        "inverters": inverters,
    }


def failure_payload(now: datetime) -> dict[str, Any]:
    """A cycle in which the PVS gave no reading: the devices go unavailable."""
    return {"type": "failure", "time": now.isoformat()}


def alert_payload(event: Event) -> dict[str, Any]:
    """One raised, reminder or resolved event, as published on P/alerts."""
    return drop_none(
        {
            "type": "alert",
            "time": event.time.isoformat(),
            "event": event.event,
            "kind": event.kind,
            "inverter": event.serial,
            "inverter_id": stable_id("inverter", event.serial) if event.serial else None,
            "message": event.message,
            "detail": event.detail or None,
        }
    )


# ---- one batch: from queued entries and the memo to the messages, the new memo and the warnings ----


class Plan(FrozenRecord):
    messages: list[Message]
    memo: dict[str, Any]
    warnings: list[str]


def _guard_energy(
    memo_energy: dict[str, Any], key: str, value: float | None, at: datetime, max_kw: float, warnings: list[str]
) -> float | None:
    """The value if it may follow the last one published under `key` (updating the memo), else None."""
    record = memo_energy.get(key, {})
    last = record.get("kwh")
    interval_s = (at - datetime.fromisoformat(record["at"])).total_seconds() if "at" in record else None
    value = held_kwh(last, value)  # a rounding dip: Home Assistant would take a lower total for a reset
    if lifetime_problem(last, value, interval_s, max_kw) is None:
        memo_energy[key] = {"kwh": value, "at": at.isoformat()}
        return value
    # A replaced meter restarts lower and then grows steadily: after REBASE_AFTER of that, trust it.
    candidate, since = record.get("candidate"), record.get("candidate_since")
    if value is not None and lifetime_problem(candidate, value) is None:
        if candidate is None:
            since = at.isoformat()
        if since and at - datetime.fromisoformat(since) >= REBASE_AFTER:
            warnings.append(
                f"{key}: the lifetime register restarted at {value:g} kWh (was {last:g}); "
                "Home Assistant's statistics may need a correction there"
            )
            memo_energy[key] = {"kwh": value, "at": at.isoformat()}
            return value
        memo_energy[key] = record | {"candidate": value, "candidate_since": since}
    return None


def _state(
    payload: Mapping[str, Any], memo_energy: dict[str, Any], warnings: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The site state and the inverters' states of one reading, lifetime energies through the glitch guard."""
    at = datetime.fromisoformat(payload["fetched_at"])
    inverters = payload.get("inverters", [])
    site = dict(payload.get("site", {}))
    for key, _ in SITE_ENERGY:
        max_kw = MAX_INVERTER_KW * max(1, len(inverters)) if key == "production_kwh" else MAX_SERVICE_KW
        trusted = _guard_energy(memo_energy, f"site.{key}", site.pop(key, None), at, max_kw, warnings)
        if trusted is not None:
            site[key] = trusted
    states = {}
    for inverter in inverters:
        state = {k: v for k, v in inverter.items() if k not in ("id", "serial", "model")}
        key = f"inverter.{inverter['id']}"
        trusted = _guard_energy(memo_energy, key, state.pop("lifetime_kwh", None), at, MAX_INVERTER_KW, warnings)
        if trusted is not None:
            state["lifetime_kwh"] = trusted
        states[inverter["id"]] = state
    return site, states


def _track_alert(active: dict[str, Any], alert: Mapping[str, Any]) -> None:
    """Mirror alerts.update's incidents: one per inverter, or one per site-wide kind."""
    key = f"inverter:{alert['inverter_id']}" if alert.get("inverter_id") else alert["kind"]
    if alert["event"] == "resolved":
        active.pop(key, None)
    else:
        active[key] = {"kind": alert["kind"], "at": alert["time"]}


def plan(
    topics: Topics,
    discovery: bool,
    entries: Sequence[Mapping[str, Any]],
    memo: Mapping[str, Any],
    now: datetime,
) -> Plan:
    """Everything to publish for `entries` (payloads, oldest first), in order: removals and discovery,
    availability, the newest reading's state, the alerts, the status. Only the newest state is worth
    sending (Home Assistant shows the present), and only while it is fresher than EXPIRE_AFTER_S."""
    new_memo: dict[str, Any] = json.loads(json.dumps(dict(memo)))  # a deep copy: the caller's memo stays as it was
    known: dict[str, Any] = new_memo.setdefault("inverters", {})
    energy: dict[str, Any] = new_memo.setdefault("energy", {})
    active: dict[str, Any] = new_memo.setdefault("active", {})
    warnings: list[str] = []
    alerts: list[Message] = []
    replaced: list[Message] = []
    newest_reading: Mapping[str, Any] | None = None
    online: bool | None = None
    for entry in entries:
        if entry.get("type") == "reading":
            newest_reading, online = entry, True
            new_memo["failures"] = 0
            day = entry["fetched_at"][:10]
            for inverter in entry.get("inverters", []):
                known[inverter["id"]] = {"serial": inverter.get("serial"), "model": inverter.get("model"), "seen": day}
            gateway_id = entry.get("gateway", {}).get("id")
            if gateway_id and new_memo.get("gateway", gateway_id) != gateway_id and discovery:
                replaced += removals(site_configs(topics, new_memo["gateway"], "", {}))  # a new PVS: the old goes
            if gateway_id:
                new_memo["gateway"] = gateway_id
            new_memo["last_reading"] = entry["fetched_at"]
            new_memo["site_name"] = entry.get("site_name", "")
            new_memo["gateway_facts"] = {k: v for k, v in entry.get("gateway", {}).items() if k != "id"}
        elif entry.get("type") == "failure":
            new_memo["failures"] = new_memo.get("failures", 0) + 1
            if new_memo["failures"] >= OFFLINE_AFTER_FAILURES:  # before that, the entities keep their last state
                online = False
        elif entry.get("type") == "alert":
            _track_alert(active, entry)
            body = {k: v for k, v in entry.items() if k != "type"}
            alerts.append(Message(topics.alerts, json.dumps(body, sort_keys=True), False))

    messages: list[Message] = replaced
    gateway_id = new_memo.get("gateway")
    today = now.date()
    gone = [i for i, facts in known.items() if today - date.fromisoformat(facts["seen"]) > FORGET_INVERTER_AFTER]
    for inverter_id in gone:
        if discovery and gateway_id:
            messages += removals(inverter_configs(topics, gateway_id, inverter_id, {}))
        del known[inverter_id]
        energy.pop(f"inverter.{inverter_id}", None)

    if discovery and gateway_id:
        configs = site_configs(topics, gateway_id, new_memo.get("site_name", ""), new_memo.get("gateway_facts", {}))
        for inverter_id in sorted(known):
            configs += inverter_configs(topics, gateway_id, inverter_id, known[inverter_id])
        digest = hashlib.sha256("\n".join(m.topic + m.payload for m in configs).encode()).hexdigest()[:16]
        previous = new_memo.get("discovery", {})
        if previous.get("hash") != digest or previous.get("day") != today.isoformat():
            messages += configs
            new_memo["discovery"] = {"hash": digest, "day": today.isoformat()}

    if online is not None:
        messages.append(Message(topics.availability, "online" if online else "offline", True))
    if newest_reading is not None:
        age_s = (now - datetime.fromisoformat(newest_reading["fetched_at"])).total_seconds()
        if age_s <= EXPIRE_AFTER_S:
            site, states = _state(newest_reading, energy, warnings)
            messages.append(Message(topics.site, json.dumps(site, sort_keys=True), False))
            for inverter_id, state in states.items():
                messages.append(Message(topics.inverter(inverter_id), json.dumps(state, sort_keys=True), False))
    messages += alerts

    for key, incident in list(active.items()):
        if (now - datetime.fromisoformat(incident["at"])).total_seconds() > ACTIVE_FORGET_S:
            del active[key]
    firing = {incident["kind"] for incident in active.values()}
    status: dict[str, Any] = {"problems": {kind: "ON" if kind in firing else "OFF" for kind in ALERT_KINDS}}
    if new_memo.get("last_reading"):
        status["last_reading"] = new_memo["last_reading"]
    messages.append(Message(topics.status, json.dumps(status, sort_keys=True), False))
    return Plan(messages, new_memo, warnings)
