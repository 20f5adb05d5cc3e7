"""Typed records of one PVS reading. Units are in the field names; unknown is None, never 0."""

from __future__ import annotations

from datetime import datetime

from pvs6sup.core.records import FrozenRecord

WORKING = "working"
ERROR = "error"


class SupervisorStatus(FrozenRecord):
    """The PVS's own record: identity, firmware and health counters."""

    serial: str | None
    model: str | None
    firmware: str | None  # SWVER, e.g. "2025.06, Build 61839"
    build: int | None
    uptime_s: float | None
    comm_errors: int | None
    untransmitted: int | None
    pvs_time: datetime | None  # CURTIME, UTC
    measured_at: datetime | None  # DATATIME, UTC


class MeterReading(FrozenRecord):
    """A built-in power meter: 'production' (serial ends in p) or 'consumption' (ends in c)."""

    serial: str
    role: str  # "production" | "consumption"
    subtype: str | None  # e.g. NET_CONSUMPTION_LOADSIDE; absent on 2019 firmware
    power_kw: float | None  # consumption meter under NET_CONSUMPTION_LOADSIDE: + import, - export
    net_lifetime_kwh: float | None
    import_lifetime_kwh: float | None  # pos_ltea: energy in the positive direction
    export_lifetime_kwh: float | None  # neg_ltea: energy in the negative direction
    measured_at: datetime | None


class InverterReading(FrozenRecord):
    """One microinverter as the PVS last heard it."""

    serial: str
    state: str | None  # "working" | "error" | None when the PVS said nothing
    model: str | None
    power_kw: float | None  # AC output
    dc_power_kw: float | None
    lifetime_kwh: float | None
    temperature_c: float | None
    measured_at: datetime | None  # DATATIME: when the PVS last heard from it, UTC
    dc_voltage_v: float | None = None  # its panel's MPPT voltage (a failed bypass diode takes a third of it)


class DeviceList(FrozenRecord):
    """Everything parsed from one device-list answer, in the PVS's order."""

    supervisor: SupervisorStatus | None
    meters: tuple[MeterReading, ...]
    inverters: tuple[InverterReading, ...]
    warnings: tuple[str, ...] = ()


class SiteFigures(FrozenRecord):
    """Site-level power and energy derived from the meters (or the inverters)."""

    production_kw: float | None
    consumption_kw: float | None
    net_kw: float | None  # grid: + import, - export
    production_lifetime_kwh: float | None
    consumption_lifetime_kwh: float | None
    grid_import_lifetime_kwh: float | None
    grid_export_lifetime_kwh: float | None
    consumption_mode: str | None  # "net" | "gross" | None when it could not be told
    production_source: str | None  # "meter" | "inverters" | None


class Reading(FrozenRecord):
    """One cycle's curated result: what the CSV row, Sheets and alerts are built from."""

    fetched_at: datetime  # UTC, aware
    devices: DeviceList
    site: SiteFigures
    cloud_cover_pct: float | None = None
    raw_path: str | None = None
    access: str | None = None  # how the PVS was read, e.g. "legacy DeviceList over http (PVS6, build 61839)"

    @property
    def inverters_total(self) -> int:
        return len(self.devices.inverters)

    @property
    def inverters_working(self) -> int:
        return sum(1 for inv in self.devices.inverters if inv.state == WORKING)
