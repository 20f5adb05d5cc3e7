import pytest

from pvs6sup.core.models import DeviceList, MeterReading
from pvs6sup.core.site import consumption_mode, derive_site
from pvs6sup.pvs.devicelist import parse_devicelist
from tests.support.harness import fixture_bytes


def site_of(name: str, mode: str = "auto"):
    return derive_site(parse_devicelist(fixture_bytes(name)), mode)


def test_net_loadside_grid_is_meter_c_and_consumption_is_production_plus_grid():
    site = site_of("legacy_build61839_net_loadside/devicelist.json")
    assert site.consumption_mode == "net"
    assert site.production_kw == 0.9012
    assert site.net_kw == -0.4012
    assert site.consumption_kw == 0.5
    assert site.production_lifetime_kwh == 27692.41
    assert site.consumption_lifetime_kwh == round(27692.41 - 1205.65, 4)
    assert site.grid_import_lifetime_kwh == 32951.2099
    assert site.grid_export_lifetime_kwh == 34156.86


def test_gross_lineside_consumption_is_meter_c_and_grid_is_consumption_minus_production():
    site = site_of("legacy_build61839_gross_lineside/devicelist.json")
    assert site.consumption_mode == "gross"
    assert site.consumption_kw == 1.3512
    assert site.net_kw == round(1.3512 - 0.0051, 4)
    assert site.consumption_lifetime_kwh == 20480.25
    assert site.grid_import_lifetime_kwh is None  # a line-side meter cannot tell import from export
    assert site.grid_export_lifetime_kwh is None


def test_no_subtype_with_a_negative_lifetime_is_recognised_as_net():
    site = site_of("legacy_build4150_no_subtype/devicelist.json")
    assert site.consumption_mode == "net"
    assert site.consumption_kw == round(1.2081 + 0.4654, 4)


def test_no_production_meter_sums_the_inverters():
    site = site_of("legacy_build61839_no_production_meter/devicelist.json")
    assert site.production_source == "inverters"
    assert site.production_kw == 0.45
    assert site.production_lifetime_kwh == 21.5
    assert site.consumption_kw == 0.7


def test_the_configured_mode_overrides_the_subtype():
    site = site_of("legacy_build61839_net_loadside/devicelist.json", mode="gross")
    assert site.consumption_kw == -0.4012
    assert site.net_kw == round(-0.4012 - 0.9012, 4)


def meter(subtype, power_kw=0.5, net=100.0):
    return MeterReading("PVS6M00X0001c", "consumption", subtype, power_kw, net, None, None, None)


@pytest.mark.parametrize(
    "subtype, power, net, expected",
    [
        ("NET_CONSUMPTION_LOADSIDE", 0.5, 100.0, "net"),
        ("GROSS_CONSUMPTION_LINESIDE", 0.5, 100.0, "gross"),
        ("NOT_USED", -0.2, 100.0, "net"),
        (None, 0.5, -3.0, "net"),
        (None, 0.5, 100.0, None),
        ("NOT_USED", 0.5, 100.0, None),
    ],
)
def test_consumption_mode_from_subtype_or_evidence_of_export(subtype, power, net, expected):
    assert consumption_mode(meter(subtype, power, net)) == expected


def test_unknown_mode_leaves_consumption_and_grid_empty_never_guessed():
    devices = DeviceList(None, (meter(None),), ())
    site = derive_site(devices)
    assert (site.consumption_kw, site.net_kw, site.production_kw) == (None, None, None)


def test_an_unknown_working_inverter_makes_the_inverter_sum_unknown():
    document = parse_devicelist(fixture_bytes("legacy_build61839_no_production_meter/devicelist.json"))
    from pvs6sup.core.records import replace

    broken = replace(document, inverters=(replace(document.inverters[0], power_kw=None), document.inverters[1]))
    assert derive_site(broken).production_kw is None
