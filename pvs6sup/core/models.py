"""Typed records of one PVS reading. Units are in the field names; unknown is None, never 0."""

from __future__ import annotations

from datetime import datetime

from pvs6sup.core.records import FrozenRecord, set_field

WORKING = "working"
ERROR = "error"


class SupervisorStatus(FrozenRecord):
    """The PVS's own record: identity, firmware and health counters."""

    __slots__ = (
        "serial",
        "model",
        "firmware",
        "build",
        "uptime_s",
        "comm_errors",
        "untransmitted",
        "pvs_time",
        "measured_at",
    )

    serial: str | None
    model: str | None
    firmware: str | None  # SWVER, e.g. "2025.06, Build 61839"
    build: int | None
    uptime_s: float | None
    comm_errors: int | None
    untransmitted: int | None
    pvs_time: datetime | None  # CURTIME, UTC
    measured_at: datetime | None  # DATATIME, UTC

    def __init__(
        self,
        serial: str | None,
        model: str | None,
        firmware: str | None,
        build: int | None,
        uptime_s: float | None,
        comm_errors: int | None,
        untransmitted: int | None,
        pvs_time: datetime | None,
        measured_at: datetime | None,
    ) -> None:
        set_field(self, "serial", serial)
        set_field(self, "model", model)
        set_field(self, "firmware", firmware)
        set_field(self, "build", build)
        set_field(self, "uptime_s", uptime_s)
        set_field(self, "comm_errors", comm_errors)
        set_field(self, "untransmitted", untransmitted)
        set_field(self, "pvs_time", pvs_time)
        set_field(self, "measured_at", measured_at)


class MeterReading(FrozenRecord):
    """A built-in power meter: 'production' (serial ends in p) or 'consumption' (ends in c)."""

    __slots__ = (
        "serial",
        "role",
        "subtype",
        "power_kw",
        "net_lifetime_kwh",
        "import_lifetime_kwh",
        "export_lifetime_kwh",
        "measured_at",
    )

    serial: str
    role: str  # "production" | "consumption"
    subtype: str | None  # e.g. NET_CONSUMPTION_LOADSIDE; absent on 2019 firmware
    power_kw: float | None  # consumption meter under NET_CONSUMPTION_LOADSIDE: + import, - export
    net_lifetime_kwh: float | None
    import_lifetime_kwh: float | None  # pos_ltea: energy in the positive direction
    export_lifetime_kwh: float | None  # neg_ltea: energy in the negative direction
    measured_at: datetime | None

    def __init__(
        self,
        serial: str,
        role: str,
        subtype: str | None,
        power_kw: float | None,
        net_lifetime_kwh: float | None,
        import_lifetime_kwh: float | None,
        export_lifetime_kwh: float | None,
        measured_at: datetime | None,
    ) -> None:
        set_field(self, "serial", serial)
        set_field(self, "role", role)
        set_field(self, "subtype", subtype)
        set_field(self, "power_kw", power_kw)
        set_field(self, "net_lifetime_kwh", net_lifetime_kwh)
        set_field(self, "import_lifetime_kwh", import_lifetime_kwh)
        set_field(self, "export_lifetime_kwh", export_lifetime_kwh)
        set_field(self, "measured_at", measured_at)


class InverterReading(FrozenRecord):
    """One microinverter as the PVS last heard it."""

    __slots__ = (
        "serial",
        "state",
        "model",
        "power_kw",
        "dc_power_kw",
        "lifetime_kwh",
        "temperature_c",
        "measured_at",
        "dc_voltage_v",
    )

    serial: str
    state: str | None  # "working" | "error" | None when the PVS said nothing
    model: str | None
    power_kw: float | None  # AC output
    dc_power_kw: float | None
    lifetime_kwh: float | None
    temperature_c: float | None
    measured_at: datetime | None  # DATATIME: when the PVS last heard from it, UTC
    dc_voltage_v: float | None  # its panel's MPPT voltage (a failed bypass diode takes a third of it)

    def __init__(
        self,
        serial: str,
        state: str | None,
        model: str | None,
        power_kw: float | None,
        dc_power_kw: float | None,
        lifetime_kwh: float | None,
        temperature_c: float | None,
        measured_at: datetime | None,
        dc_voltage_v: float | None = None,
    ) -> None:
        set_field(self, "serial", serial)
        set_field(self, "state", state)
        set_field(self, "model", model)
        set_field(self, "power_kw", power_kw)
        set_field(self, "dc_power_kw", dc_power_kw)
        set_field(self, "lifetime_kwh", lifetime_kwh)
        set_field(self, "temperature_c", temperature_c)
        set_field(self, "measured_at", measured_at)
        set_field(self, "dc_voltage_v", dc_voltage_v)


class DeviceList(FrozenRecord):
    """Everything parsed from one device-list answer, in the PVS's order."""

    __slots__ = ("supervisor", "meters", "inverters", "warnings")

    supervisor: SupervisorStatus | None
    meters: tuple[MeterReading, ...]
    inverters: tuple[InverterReading, ...]
    warnings: tuple[str, ...]

    def __init__(
        self,
        supervisor: SupervisorStatus | None,
        meters: tuple[MeterReading, ...],
        inverters: tuple[InverterReading, ...],
        warnings: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "supervisor", supervisor)
        set_field(self, "meters", meters)
        set_field(self, "inverters", inverters)
        set_field(self, "warnings", warnings)


class SiteFigures(FrozenRecord):
    """Site-level power and energy derived from the meters (or the inverters)."""

    __slots__ = (
        "production_kw",
        "consumption_kw",
        "net_kw",
        "production_lifetime_kwh",
        "consumption_lifetime_kwh",
        "grid_import_lifetime_kwh",
        "grid_export_lifetime_kwh",
        "consumption_mode",
        "production_source",
    )

    production_kw: float | None
    consumption_kw: float | None
    net_kw: float | None  # grid: + import, - export
    production_lifetime_kwh: float | None
    consumption_lifetime_kwh: float | None
    grid_import_lifetime_kwh: float | None
    grid_export_lifetime_kwh: float | None
    consumption_mode: str | None  # "net" | "gross" | None when it could not be told
    production_source: str | None  # "meter" | "inverters" | None

    def __init__(
        self,
        production_kw: float | None,
        consumption_kw: float | None,
        net_kw: float | None,
        production_lifetime_kwh: float | None,
        consumption_lifetime_kwh: float | None,
        grid_import_lifetime_kwh: float | None,
        grid_export_lifetime_kwh: float | None,
        consumption_mode: str | None,
        production_source: str | None,
    ) -> None:
        set_field(self, "production_kw", production_kw)
        set_field(self, "consumption_kw", consumption_kw)
        set_field(self, "net_kw", net_kw)
        set_field(self, "production_lifetime_kwh", production_lifetime_kwh)
        set_field(self, "consumption_lifetime_kwh", consumption_lifetime_kwh)
        set_field(self, "grid_import_lifetime_kwh", grid_import_lifetime_kwh)
        set_field(self, "grid_export_lifetime_kwh", grid_export_lifetime_kwh)
        set_field(self, "consumption_mode", consumption_mode)
        set_field(self, "production_source", production_source)


class Reading(FrozenRecord):
    """One cycle's curated result: what the CSV row, Sheets and alerts are built from."""

    __slots__ = ("fetched_at", "devices", "site", "cloud_cover_pct", "raw_path", "access")

    fetched_at: datetime  # UTC, aware
    devices: DeviceList
    site: SiteFigures
    cloud_cover_pct: float | None
    raw_path: str | None
    access: str | None  # how the PVS was read, e.g. "legacy DeviceList over http (PVS6, build 61839)"

    def __init__(
        self,
        fetched_at: datetime,
        devices: DeviceList,
        site: SiteFigures,
        cloud_cover_pct: float | None = None,
        raw_path: str | None = None,
        access: str | None = None,
    ) -> None:
        set_field(self, "fetched_at", fetched_at)
        set_field(self, "devices", devices)
        set_field(self, "site", site)
        set_field(self, "cloud_cover_pct", cloud_cover_pct)
        set_field(self, "raw_path", raw_path)
        set_field(self, "access", access)

    @property
    def inverters_total(self) -> int:
        return len(self.devices.inverters)

    @property
    def inverters_working(self) -> int:
        return sum(1 for inv in self.devices.inverters if inv.state == WORKING)
