import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.config import env_file_warnings, load_config, pvs_base_url, read_settings
from pvs6sup.errors import ConfigError

SCRIPT_DIR = Path("/opt/pvs6")


def test_defaults_need_no_settings_when_weather_is_off():
    config = load_config({"WEATHER_PROVIDER": "none"}, SCRIPT_DIR)
    assert config.pvs_base_url == "http://172.27.153.1"
    assert config.pvs_timeout_s == 120
    assert config.data_dir == SCRIPT_DIR / "data"
    assert config.consumption_meter_mode == "auto"


@pytest.mark.parametrize(
    "host, url",
    [
        ("172.27.153.1", "http://172.27.153.1"),
        ("pvs.local:8080", "http://pvs.local:8080"),
        ("https://192.168.1.50", "https://192.168.1.50"),
        ("http://127.0.0.1:8123/", "http://127.0.0.1:8123"),
    ],
)
def test_pvs_host_is_a_bare_host_or_a_url_used_as_given(host, url):
    assert pvs_base_url(host) == url


def test_every_problem_is_reported_at_once_naming_its_variable():
    with pytest.raises(ConfigError) as caught:
        load_config(
            {
                "PVS_HOST": "ftp://x",
                "PVS_TIMEOUT": "soon",
                "LATITUDE": "123",
                "WEATHER_PROVIDER": "openweathermap",
                "TIMEZONE": "Mars/Olympus",
                "CONSUMPTION_METER_MODE": "maybe",
            },
            SCRIPT_DIR,
        )
    names = [problem.split(":")[0] for problem in caught.value.problems]
    assert names == [  # in the order of the table (and config.example.env)
        "PVS_HOST",
        "PVS_TIMEOUT",
        "CONSUMPTION_METER_MODE",
        "LATITUDE",
        "LONGITUDE",
        "TIMEZONE",
        "OPENWEATHERMAP_API_KEY",
    ]


def test_weather_needs_a_location():
    with pytest.raises(ConfigError, match="LATITUDE: required"):
        load_config({}, SCRIPT_DIR)


def test_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PVS_TIMEOUT=30\nPVS_HOST=10.0.0.9\nWEATHER_PROVIDER=none\n")
    values = read_settings(env_file, {"PVS_TIMEOUT": "45"}, explicit=True)
    config = load_config(values, tmp_path)
    assert (config.pvs_timeout_s, config.pvs_host) == (45, "10.0.0.9")


def test_env_file_values_are_not_interpolated(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("OPENWEATHERMAP_API_KEY='ab${HOME}cd'\n")
    assert read_settings(env_file, {}, explicit=True)["OPENWEATHERMAP_API_KEY"] == "ab${HOME}cd"


def test_an_env_file_asked_for_by_name_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="--env-file: no such file"):
        read_settings(tmp_path / "missing.env", {}, explicit=True)
    assert read_settings(tmp_path / "missing.env", {"A": "1"}, explicit=False) == {"A": "1"}


def test_empty_values_mean_the_default():
    config = load_config({"PVS_TIMEOUT": "", "WEATHER_PROVIDER": "none", "TIMEZONE": ""}, SCRIPT_DIR)
    assert config.pvs_timeout_s == 120


def test_relative_data_dir_is_next_to_the_script_absolute_is_kept():
    assert load_config({"WEATHER_PROVIDER": "none", "DATA_DIR": "solar"}, SCRIPT_DIR).data_dir == SCRIPT_DIR / "solar"
    assert load_config({"WEATHER_PROVIDER": "none", "DATA_DIR": "/srv/x"}, SCRIPT_DIR).data_dir == Path("/srv/x")


def test_timezone_is_a_real_zone():
    config = load_config({"WEATHER_PROVIDER": "none", "TIMEZONE": "Europe/Paris"}, SCRIPT_DIR)
    assert config.timezone == ZoneInfo("Europe/Paris")


def test_secrets_stay_out_of_repr():
    config = load_config(
        {
            "WEATHER_PROVIDER": "openweathermap",
            "OPENWEATHERMAP_API_KEY": "s3cr3tkey",
            "LATITUDE": "1",
            "LONGITUDE": "2",
        },
        SCRIPT_DIR,
    )
    assert "s3cr3tkey" not in repr(config)


def test_a_world_readable_env_file_is_warned_about(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("X=1\n")
    os.chmod(env_file, 0o644)
    assert "chmod 600" in env_file_warnings(env_file)[0]
    os.chmod(env_file, 0o600)
    assert env_file_warnings(env_file) == []


def test_electricity_price_is_optional_a_number_per_kwh_and_a_bad_one_is_named():
    assert load_config({"WEATHER_PROVIDER": "none"}, SCRIPT_DIR).electricity_price is None
    assert load_config({"WEATHER_PROVIDER": "none", "ELECTRICITY_PRICE": "0.30"}, SCRIPT_DIR).electricity_price == 0.3
    with pytest.raises(ConfigError) as caught:
        load_config({"WEATHER_PROVIDER": "none", "ELECTRICITY_PRICE": "30 cents"}, SCRIPT_DIR)
    assert any(problem.startswith("ELECTRICITY_PRICE") for problem in caught.value.problems)
