"""The new-firmware settings: PVS_FIRMWARE, PVS_SERIAL, PVS_PASSWORD, and the https default."""

from pathlib import Path

import pytest

from pvs6sup.errors import ConfigError
from pvs6sup.pvs.access import varserver_base_url
from pvs6sup.settings.load import load_config

SCRIPT_DIR = Path("/opt/pvs6")


def config(**values):
    return load_config({"WEATHER_PROVIDER": "none", **values}, SCRIPT_DIR)


def test_defaults_detect_the_firmware_and_need_no_password():
    settings = config()
    assert (settings.pvs.firmware, settings.pvs.serial, settings.pvs.password) == ("auto", None, None)


def test_the_serial_and_password_never_show_in_repr():
    settings = config(PVS_SERIAL="ZT0000000000000X0042", PVS_PASSWORD="Pw-X0042")
    assert settings.pvs.serial == "ZT0000000000000X0042" and settings.pvs.password == "Pw-X0042"
    assert "X0042" not in repr(settings)


def test_bad_values_are_named_without_echoing_a_secret():
    with pytest.raises(ConfigError) as caught:
        config(PVS_FIRMWARE="newest", PVS_SERIAL="X0-42")
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["PVS_FIRMWARE", "PVS_SERIAL"]
    assert "X0-42" not in str(caught.value)


@pytest.mark.parametrize(
    "host, url",
    [
        ("172.27.153.1", "https://172.27.153.1"),
        ("pvs.lan:8443", "https://pvs.lan:8443"),
        ("http://192.168.1.50", "http://192.168.1.50"),  # a URL is used as given
        ("https://192.168.1.50:4443/", "https://192.168.1.50:4443"),
    ],
)
def test_new_firmware_is_reached_over_https_unless_pvs_host_says_otherwise(host, url):
    assert varserver_base_url(config(PVS_HOST=host).pvs) == url
