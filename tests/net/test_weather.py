import pytest
import requests
import responses
from responses import matchers

from pvs6sup.net.weather import WeatherError, cloud_cover_pct
from pvs6sup.settings.config import OPEN_METEO_URL, OPENWEATHERMAP_URL
from pvs6sup.settings.load import load_config

LOCATION = {"LATITUDE": "37.42", "LONGITUDE": "-122.08"}


def config(**values):
    return load_config({**LOCATION, **values}, __import__("pathlib").Path("/tmp")).weather


@responses.activate
def test_open_meteo_current_cloud_cover():
    responses.get(
        OPEN_METEO_URL,
        match=[matchers.query_param_matcher({"latitude": "37.42", "longitude": "-122.08", "current": "cloud_cover"})],
        json={"current": {"time": "2026-06-21T19:00", "interval": 900, "cloud_cover": 63}},
    )
    assert cloud_cover_pct(requests.Session(), config()) == 63


@responses.activate
def test_openweathermap_clouds_all_with_the_key():
    responses.get(
        OPENWEATHERMAP_URL,
        match=[matchers.query_param_matcher({"lat": "37.42", "lon": "-122.08", "appid": "k3y"})],
        json={"clouds": {"all": 20}, "cod": 200},
    )
    cfg = config(WEATHER_PROVIDER="openweathermap", OPENWEATHERMAP_API_KEY="k3y")
    assert cloud_cover_pct(requests.Session(), cfg) == 20


def test_provider_none_asks_nobody():
    assert cloud_cover_pct(requests.Session(), config(WEATHER_PROVIDER="none")) is None


@responses.activate
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"status": 500, "json": {}}, "HTTP 500"),
        ({"status": 400, "json": {"error": True, "reason": "bad"}}, "HTTP 400"),
        ({"body": "not json"}, "no cloud cover"),
        ({"json": {"current": {}}}, "no cloud cover"),
        ({"json": {"current": {"cloud_cover": 140}}}, "out of range"),
        ({"body": requests.ConnectTimeout()}, "no answer within"),
        ({"body": requests.ConnectionError("boom")}, "request failed"),
    ],
)
def test_failures_raise_one_weather_error(kwargs, message):
    responses.get(OPEN_METEO_URL, **kwargs)
    with pytest.raises(WeatherError, match=message):
        cloud_cover_pct(requests.Session(), config())


@responses.activate
def test_the_api_key_never_appears_in_an_error():
    responses.get(OPENWEATHERMAP_URL, body=requests.ConnectionError(f"{OPENWEATHERMAP_URL}?appid=k3y failed"))
    cfg = config(WEATHER_PROVIDER="openweathermap", OPENWEATHERMAP_API_KEY="k3y")
    with pytest.raises(WeatherError) as caught:
        cloud_cover_pct(requests.Session(), cfg)
    assert "k3y" not in str(caught.value)
    responses.replace(responses.GET, OPENWEATHERMAP_URL, status=401, json={"cod": 401})
    with pytest.raises(WeatherError, match="check OPENWEATHERMAP_API_KEY") as caught:
        cloud_cover_pct(requests.Session(), cfg)
    assert "k3y" not in str(caught.value)


@pytest.mark.slow
def test_a_weather_service_that_trickles_is_cut_at_weather_timeout():
    """requests' timeout bounds each read: bytes arriving every 50 ms would never trip it."""
    import time

    from pvs6sup.settings.config import WeatherURLs
    from tests.support.hostile import HostileServer, trickle

    with HostileServer() as server:
        server.behaviour = trickle(server.release)
        started = time.monotonic()
        with pytest.raises(WeatherError, match="Open-Meteo: no answer within 1 s"):
            cloud_cover_pct(requests.Session(), config(WEATHER_TIMEOUT="1"), WeatherURLs(server.base_url))
        assert time.monotonic() - started < 30  # the trickle would go on for 100,000 bytes: 80 minutes
        assert server.connections == 1
