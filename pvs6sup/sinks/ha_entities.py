"""Home Assistant's entities: where this site publishes (Topics), a message to publish, and the retained
discovery config of each entity of the site's device and of each inverter's. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pvs6sup import USER_AGENT, __version__
from pvs6sup.alerts.judgement import (
    DELIVERY_BACKLOG,
    INVERTERS_STALLED,
    METERS_STALLED,
    NO_PRODUCTION,
    OFFLINE,
    PVS_UNREACHABLE,
    UNDERPERFORMING,
)
from pvs6sup.core.records import FrozenRecord

EXPIRE_AFTER_S = 900  # three 5-minute cron periods: Home Assistant greys the sensors out when the Pi stops

ALERT_KINDS: dict[str, str] = {
    OFFLINE: "Inverter offline",
    UNDERPERFORMING: "Inverter underperforming",
    NO_PRODUCTION: "No production",
    PVS_UNREACHABLE: "PVS unreachable",
    DELIVERY_BACKLOG: "Delivery backlog",
    INVERTERS_STALLED: "Inverter reports stalled",
    METERS_STALLED: "Meter reports stalled",
}
SITE_POWER = (("production_w", "Production power"), ("consumption_w", "Consumption power"), ("grid_w", "Grid power"))
SITE_ENERGY = (
    ("production_kwh", "Production energy"),
    ("consumption_kwh", "Consumption energy"),
    ("grid_import_kwh", "Grid import energy"),
    ("grid_export_kwh", "Grid export energy"),
)


class Topics(FrozenRecord):
    """Where this site publishes: its own prefix, and Home Assistant's discovery prefix."""

    prefix: str
    discovery_prefix: str

    @property
    def availability(self) -> str:
        return f"{self.prefix}/availability"

    @property
    def site(self) -> str:
        return f"{self.prefix}/site"

    @property
    def status(self) -> str:
        return f"{self.prefix}/status"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}/alerts"

    def inverter(self, inverter_id: str) -> str:
        return f"{self.prefix}/inverter/{inverter_id}"

    def config(self, component: str, unique_id: str) -> str:
        return f"{self.discovery_prefix}/{component}/{unique_id}/config"


class Message(FrozenRecord):
    topic: str
    payload: str  # "" removes a retained message
    retain: bool


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _origin() -> dict[str, str]:
    return {"name": USER_AGENT, "sw": __version__}


def _site_device(gateway_id: str, site_name: str, gateway: Mapping[str, Any]) -> dict[str, Any]:
    return drop_none(
        {
            "identifiers": [f"pvs6sup_{gateway_id}"],
            "name": f"{site_name} PVS",
            "manufacturer": "SunPower",
            "model": gateway.get("model"),
            "sw_version": gateway.get("firmware"),
        }
    )


def _value(key: str, *, keep_last: bool = False) -> str:
    """A template reading one key of the JSON state. A missing key gives 'None' (unknown), or with keep_last
    '' (Home Assistant keeps the last value: a lifetime left out by the glitch guard is not a gap)."""
    fallback = "''" if keep_last else "'None'"
    return f"{{{{ value_json.{key} if value_json.{key} is defined else {fallback} }}}}"


def _entity(
    unique_id: str, name: str, device: dict[str, Any], state_topic: str, template: str, topics: Topics | None
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": name,
        "unique_id": unique_id,
        "device": device,
        "origin": _origin(),
        "state_topic": state_topic,
        "value_template": template,
        "expire_after": EXPIRE_AFTER_S,
    }
    if topics is not None:  # follows whether the PVS answered
        config |= {
            "availability_topic": topics.availability,
            "payload_available": "online",
            "payload_not_available": "offline",
        }
    return config


def _power(config: dict[str, Any]) -> dict[str, Any]:
    return config | {"device_class": "power", "state_class": "measurement", "unit_of_measurement": "W"}


def _energy(config: dict[str, Any]) -> dict[str, Any]:
    # total, never total_increasing: a register that glitches down and back would count as a meter reset
    return config | {"device_class": "energy", "state_class": "total", "unit_of_measurement": "kWh"}


def site_configs(topics: Topics, gateway_id: str, site_name: str, gateway: Mapping[str, Any]) -> list[Message]:
    """The site-and-gateway device's entities: power, lifetime energy, cloud cover, last reading, problems."""
    device = _site_device(gateway_id, site_name, gateway)
    base = f"pvs6sup_{gateway_id}"
    configs: list[tuple[str, dict[str, Any]]] = []
    for key, name in SITE_POWER:
        configs.append(("sensor", _power(_entity(f"{base}_{key}", name, device, topics.site, _value(key), topics))))
    for key, name in SITE_ENERGY:
        entity = _entity(f"{base}_{key}", name, device, topics.site, _value(key, keep_last=True), topics)
        configs.append(("sensor", _energy(entity)))
    cloud = _entity(f"{base}_cloud_cover", "Cloud cover", device, topics.site, _value("cloud_cover_pct"), topics)
    configs.append(
        ("sensor", cloud | {"state_class": "measurement", "unit_of_measurement": "%", "icon": "mdi:weather-cloudy"})
    )
    last = _entity(f"{base}_last_reading", "Last reading", device, topics.status, _value("last_reading"), None)
    configs.append(("sensor", last | {"device_class": "timestamp", "entity_category": "diagnostic"}))
    for kind, name in ALERT_KINDS.items():
        problem = _entity(f"{base}_{kind}", name, device, topics.status, f"{{{{ value_json.problems.{kind} }}}}", None)
        configs.append(("binary_sensor", problem | {"device_class": "problem"}))
    return [_config_message(topics, c, cfg) for c, cfg in configs]


def _config_message(topics: Topics, component: str, config: dict[str, Any]) -> Message:
    """A retained discovery config. default_entity_id (Home Assistant 2025.10; object_id stops working in 2026.4)
    names the entity as object_id did, `<component>.<unique_id>`, so existing installs keep their entity ids."""
    config = config | {"default_entity_id": f"{component}.{config['unique_id']}"}
    return Message(topics.config(component, config["unique_id"]), json.dumps(config, sort_keys=True), True)


def inverter_configs(topics: Topics, gateway_id: str, inverter_id: str, facts: Mapping[str, Any]) -> list[Message]:
    """One inverter's device (via the gateway) and its power, lifetime energy, temperature and state."""
    device = drop_none(
        {
            "identifiers": [f"pvs6sup_inv_{inverter_id}"],
            "name": f"Inverter {facts.get('serial') or inverter_id}",
            "manufacturer": "SunPower",
            "model": facts.get("model"),
            "serial_number": facts.get("serial"),
            "via_device": f"pvs6sup_{gateway_id}",
        }
    )
    base, state = f"pvs6sup_inv_{inverter_id}", topics.inverter(inverter_id)
    configs = [
        _power(_entity(f"{base}_power", "Power", device, state, _value("power_w"), topics)),
        _energy(
            _entity(f"{base}_energy", "Lifetime energy", device, state, _value("lifetime_kwh", keep_last=True), topics)
        ),
        _entity(f"{base}_temperature", "Temperature", device, state, _value("temperature_c"), topics)
        | {"device_class": "temperature", "state_class": "measurement", "unit_of_measurement": "°C"},
        _entity(f"{base}_state", "State", device, state, _value("state"), topics) | {"icon": "mdi:solar-panel"},
    ]
    return [_config_message(topics, "sensor", cfg) for cfg in configs]


def removals(configs: Sequence[Message]) -> list[Message]:
    """Empty retained payloads: Home Assistant deletes those entities (and a device left with none)."""
    return [Message(message.topic, "", True) for message in configs]
