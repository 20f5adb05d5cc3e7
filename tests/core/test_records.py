"""The records that replaced @dataclass on the cron path keep a dataclass's behaviour: fields in declaration order,
equality by value, a readable repr, frozen ones immutable and hashable, mutable ones unhashable."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pvs6sup.alerts.detectors import THRESHOLDS, DetectorState, InverterTrack, Judgement
from pvs6sup.alerts.incidents import Incident
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures
from pvs6sup.core.records import as_dict, replace
from pvs6sup.pvs.firmware import FirmwareInfo
from pvs6sup.runtime import Runtime

T = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def inverter(power_kw: float | None = 0.25) -> InverterReading:
    return InverterReading("E00000000000000001", "working", "AC_Module_Type_E", power_kw, 0.26, 100.0, 40.0, T)


def reading() -> Reading:
    site = SiteFigures(1.0, 0.5, -0.5, 10.0, 5.0, 1.0, 6.0, "net", "meter")
    return Reading(T, DeviceList(None, (), (inverter(), inverter(None))), site)


def test_frozen_records_compare_by_value_hash_alike_and_refuse_changes() -> None:
    assert inverter() == inverter() and inverter() != inverter(0.1)
    assert hash(inverter()) == hash(inverter()) and len({inverter(), inverter(), inverter(0.1)}) == 2
    assert inverter() != ("E00000000000000001",)  # never equal to a tuple or another class
    with pytest.raises(AttributeError):
        inverter().power_kw = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del inverter().power_kw  # type: ignore[misc]
    with pytest.raises(AttributeError):
        inverter().extra = 1  # type: ignore[attr-defined]


def test_mutable_records_can_change_but_not_grow_and_are_unhashable() -> None:
    track = InverterTrack()
    track.offline_streak += 1
    assert track == InverterTrack(offline_streak=1) and track != InverterTrack()
    with pytest.raises(AttributeError):
        track.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        hash(track)
    assert DetectorState().inverters is not DetectorState().inverters  # a fresh dict each, like default_factory


def test_repr_reads_like_a_dataclass_and_keeps_the_pvs_serial_out() -> None:
    assert repr(Judgement("inverter_offline", None, True)) == (
        "Judgement(kind='inverter_offline', serial=None, firing=True, message='', detail='')"
    )
    info = FirmwareInfo("PVS6", 61839, "2025.06, Build 61839", serial="ZT000000000000000X0000")
    assert "ZT000000000000000X0000" not in repr(info) and info.serial == "ZT000000000000000X0000"


def test_replace_and_as_dict_stand_in_for_the_dataclasses_functions() -> None:
    original = reading()
    changed = replace(original, cloud_cover_pct=40.0)
    assert changed.cloud_cover_pct == 40.0 and original.cloud_cover_pct is None
    assert replace(changed, cloud_cover_pct=None) == original
    with pytest.raises(TypeError):
        replace(original, cloud_cover=40.0)  # type: ignore[call-arg]  # mypy, too, refuses it
    document = as_dict(original)
    assert list(document) == ["fetched_at", "devices", "site", "cloud_cover_pct", "raw_path", "access"]
    assert document["devices"]["inverters"][1]["power_kw"] is None
    assert isinstance(document["devices"]["inverters"], tuple)  # as dataclasses.asdict keeps a tuple
    incident = Incident("no_production", None, "m", "d", T, T)
    assert as_dict(incident)["clean_streak"] == 0


def test_thresholds_are_read_only_and_runtime_fills_its_defaults() -> None:
    with pytest.raises(AttributeError):
        THRESHOLDS.offline_readings = 3  # type: ignore[misc]
    runtime = Runtime(environ={})
    assert runtime.environ == {} and runtime.session is not None and runtime.weather_urls.open_meteo.startswith("https")
