"""Derive site production, consumption and grid from the meters (or the inverters). Pure."""

from __future__ import annotations

from collections.abc import Iterable

from pvs6sup.core.models import WORKING, DeviceList, InverterReading, MeterReading, SiteFigures

NET_LOADSIDE = "NET_CONSUMPTION_LOADSIDE"
GROSS_LINESIDE = "GROSS_CONSUMPTION_LINESIDE"


def consumption_mode(meter: MeterReading, override: str = "auto") -> str | None:
    """'net' when the consumption CTs see the grid flow, 'gross' when they see the house load.

    The subtype says which; 2019 firmware has none and a misconfigured one reads NOT_USED. Then only
    an export (a negative power or lifetime) proves 'net'; otherwise it cannot be told (None).
    """
    if override in ("net", "gross"):
        return override
    subtype = (meter.subtype or "").upper()
    if subtype == NET_LOADSIDE:
        return "net"
    if subtype == GROSS_LINESIDE:
        return "gross"
    negative = [v for v in (meter.power_kw, meter.net_lifetime_kwh) if v is not None and v < 0]
    return "net" if negative else None


def _add(*values: float | None) -> float | None:
    if any(v is None for v in values):
        return None
    return round(sum(values), 4)  # type: ignore[arg-type]


def _inverter_sum(inverters: Iterable[InverterReading], attr: str) -> float | None:
    """Sum over inverters; unknown if any inverter that claims to work has an unknown value."""
    total = 0.0
    known = False
    for inverter in inverters:
        value = getattr(inverter, attr)
        if value is None:
            if inverter.state == WORKING:
                return None
            continue
        total += value
        known = True
    return round(total, 4) if known else None


def _first(meters: Iterable[MeterReading], role: str) -> MeterReading | None:
    return next((m for m in meters if m.role == role), None)


def derive_site(devices: DeviceList, mode_override: str = "auto") -> SiteFigures:
    """Site figures by the consumption meter's subtype; production from meter p or the inverters."""
    production_meter = _first(devices.meters, "production")
    consumption_meter = _first(devices.meters, "consumption")

    if production_meter is not None and production_meter.power_kw is not None:
        production_kw: float | None = production_meter.power_kw
        production_lifetime = production_meter.net_lifetime_kwh
        source: str | None = "meter"
    else:
        production_kw = _inverter_sum(devices.inverters, "power_kw")
        production_lifetime = _inverter_sum(devices.inverters, "lifetime_kwh")
        source = "inverters" if production_kw is not None else None

    consumption_kw = net_kw = None
    consumption_lifetime = import_lifetime = export_lifetime = None
    mode = None
    if consumption_meter is not None:
        mode = consumption_mode(consumption_meter, mode_override)
        meter_kw = consumption_meter.power_kw
        if mode == "net":
            net_kw = meter_kw
            consumption_kw = _add(production_kw, meter_kw)
            consumption_lifetime = _add(production_lifetime, consumption_meter.net_lifetime_kwh)
            import_lifetime = consumption_meter.import_lifetime_kwh
            export_lifetime = consumption_meter.export_lifetime_kwh
        elif mode == "gross":
            consumption_kw = meter_kw
            net_kw = _add(meter_kw, -production_kw if production_kw is not None else None)
            consumption_lifetime = consumption_meter.net_lifetime_kwh

    return SiteFigures(
        production_kw=production_kw,
        consumption_kw=consumption_kw,
        net_kw=net_kw,
        production_lifetime_kwh=production_lifetime,
        consumption_lifetime_kwh=consumption_lifetime,
        grid_import_lifetime_kwh=import_lifetime,
        grid_export_lifetime_kwh=export_lifetime,
        consumption_mode=mode,
        production_source=source,
    )
