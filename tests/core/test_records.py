"""The records that replaced @dataclass on the cron path keep a dataclass's behaviour: fields in declaration order,
equality by value, a readable repr, frozen ones immutable and hashable, mutable ones unhashable."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, ClassVar

import pytest

from pvs6sup.alerts.detectors import THRESHOLDS, DetectorState, InverterTrack, Judgement, Thresholds
from pvs6sup.alerts.incidents import Incident
from pvs6sup.alerts.normal import TUNING
from pvs6sup.core import records
from pvs6sup.core.models import DeviceList, InverterReading, Reading, SiteFigures
from pvs6sup.core.records import FrozenRecord, Record, as_dict, field, replace, set_field
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
        "Judgement(kind='inverter_offline', serial=None, firing=True, message='', detail='', cause='', evidence='', "
        "lost_kwh=None)"
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


def test_thresholds_and_tuning_change_without_subclassing() -> None:
    stricter = replace(THRESHOLDS, learning_days=5, offline_readings=4)
    assert (stricter.learning_days, stricter.offline_readings, stricter.judge_kw) == (5, 4, THRESHOLDS.judge_kw)
    assert THRESHOLDS.learning_days == 3 and Thresholds(learning_days=5) == replace(stricter, offline_readings=2)
    assert replace(TUNING, limit=6.0).limit == 6.0 and TUNING.limit == 8.0


class _Point(FrozenRecord):
    x_m: float
    y_m: float = 0.0
    unit: ClassVar[str] = "m"  # a class constant, not a field


class _Bag(Record):
    items: list[int] = field(default_factory=list)
    count: int = 0


def test_a_record_declares_its_fields_once_with_defaults_and_fresh_factories() -> None:
    assert _Point.__slots__ == ("x_m", "y_m") and _Point.unit == "m"
    assert _Point(1.0) == _Point(1.0, 0.0) == _Point(y_m=0.0, x_m=1.0)
    assert repr(_Point(2.0, 3.0)) == "_Point(x_m=2.0, y_m=3.0)"
    first, second = _Bag(), _Bag()
    first.items.append(1)
    assert second.items == [] and _Bag(None).items == []  # type: ignore[arg-type]  # None: a fresh one, as before
    assert as_dict(first) == {"items": [1], "count": 0} and _Bag(count=2).count == 2


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((), {}, "missing 1 required positional argument: 'x_m'"),
        ((1.0, 2.0, 3.0), {}, "takes from 2 to 3 positional arguments but 4 were given"),
        ((1.0,), {"x_m": 2.0}, "got multiple values for argument 'x_m'"),
        ((1.0,), {"z_m": 2.0}, "got an unexpected keyword argument 'z_m'"),
        ((), {"y_m": 2.0}, "missing 1 required positional argument: 'x_m'"),
    ],
)
def test_a_call_that_does_not_fit_the_fields_gets_pythons_own_error(
    args: tuple[float, ...], kwargs: dict[str, float], error: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(error)):
        _Point(*args, **kwargs)


def test_the_compiled_init_builds_what_the_shared_one_builds() -> None:
    class Often(Record):
        a: int
        b: str = "b"
        c: list[int] = field(default_factory=list)

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((1,), {}), ((1, "x"), {}), ((1, "x", [2]), {})]
    calls += [((1,), {"c": [3]}), ((), {"a": 1, "b": "y"}), ((1, "x", None), {})]
    shared = [as_dict(Often(*args, **kwargs)) for args, kwargs in calls]
    assert Often.__dict__["__init__"] is records._shared_init  # not compiled for a few calls
    for _ in range(records._COMPILE_AFTER):
        Often(0)
    assert Often.__init__.__qualname__.endswith("Often.__init__")  # its own, compiled
    assert [as_dict(Often(*args, **kwargs)) for args, kwargs in calls] == shared
    assert Often(1).c is not Often(1).c


def test_a_frozen_records_compiled_init_builds_what_the_shared_one_builds_and_stays_frozen() -> None:
    class OftenFrozen(FrozenRecord):
        a: int
        b: str = "b"
        c: tuple[int, ...] = field(default_factory=tuple)

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((1,), {}), ((1, "x", (2,)), {}), ((), {"a": 1, "c": (3,)})]
    shared = [as_dict(OftenFrozen(*args, **kwargs)) for args, kwargs in calls]
    for _ in range(records._COMPILE_AFTER):
        OftenFrozen(0)
    assert OftenFrozen.__init__.__qualname__.endswith("OftenFrozen.__init__")  # its own, compiled
    assert [as_dict(OftenFrozen(*args, **kwargs)) for args, kwargs in calls] == shared
    built = OftenFrozen(1, "x")
    with pytest.raises(AttributeError, match="frozen"):
        built.a = 2  # type: ignore[misc]
    assert hash(built) == hash(OftenFrozen(1, "x")) and built.a == 1


def test_a_record_cannot_add_fields_to_another() -> None:
    with pytest.raises(TypeError, match="cannot add fields"):

        class _Point3(_Point):
            z_m: float  # type: ignore[misc]  # mypy, too, refuses it (no default after one)


class _Key(FrozenRecord):
    user: str
    secret: str = field(repr=False)
    port: int = field(default=443, repr=False)


def test_a_field_can_stay_out_of_the_repr() -> None:
    key = _Key("me", "hunter2")
    assert repr(key) == "_Key(user='me')" and key.secret == "hunter2" and key.port == 443
    assert key == _Key("me", "hunter2", 443) != _Key("me", "other")


class _HandWritten(FrozenRecord):  # the idiom before fields were declared once (the settings records)
    __slots__ = ("host", "port")

    host: str
    port: int

    def __init__(self, host: str, port: int = 80) -> None:
        set_field(self, "host", host)
        set_field(self, "port", port)


def test_a_record_with_hand_written_slots_and_init_keeps_them() -> None:
    record = _HandWritten("pvs")
    assert repr(record) == "_HandWritten(host='pvs', port=80)" and record == _HandWritten("pvs", 80)
    assert hash(record) == hash(replace(record)) and replace(record, port=443).port == 443


def test_a_field_without_a_default_cannot_follow_one_with_a_default() -> None:
    with pytest.raises(TypeError, match=re.escape("_Late.b_m has no default but follows a field with one")):

        class _Late(FrozenRecord):
            a_m: float = 0.0
            b_m: float  # type: ignore[misc]  # mypy, too, refuses it
