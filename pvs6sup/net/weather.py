"""Cloud cover at the site from Open-Meteo (no key) or OpenWeatherMap (key); never blocks a reading."""

from __future__ import annotations

import requests

from pvs6sup.config import Config
from pvs6sup.core.records import FrozenRecord, set_field
from pvs6sup.errors import DeliveryError
from pvs6sup.net.deadline import DeadlineExceeded, call_within

OPEN_METEO_URL = "https://api.open-meteo.com/v1/forecast"
OPENWEATHERMAP_URL = "https://api.openweathermap.org/data/2.5/weather"
USER_AGENT = "pvs6-supervisor (home solar monitor)"


class WeatherError(DeliveryError):
    """The weather service gave no usable cloud cover this time."""


class WeatherURLs(FrozenRecord):
    """Where the providers live; tests and the demo point these at loopback."""

    __slots__ = ("open_meteo", "openweathermap")

    open_meteo: str
    openweathermap: str

    def __init__(self, open_meteo: str = OPEN_METEO_URL, openweathermap: str = OPENWEATHERMAP_URL) -> None:
        set_field(self, "open_meteo", open_meteo)
        set_field(self, "openweathermap", openweathermap)


DEFAULT_URLS = WeatherURLs()


def cloud_cover_pct(session: requests.Session, config: Config, urls: WeatherURLs = DEFAULT_URLS) -> float | None:
    """Current total cloud cover in %, None when WEATHER_PROVIDER=none; WeatherError on any failure."""
    if config.weather_provider == "none":
        return None
    if config.weather_provider == "openweathermap":
        name, url = "OpenWeatherMap", urls.openweathermap
        params = {"lat": config.latitude, "lon": config.longitude, "appid": config.openweathermap_api_key}
    else:
        name, url = "Open-Meteo", urls.open_meteo
        params = {"latitude": config.latitude, "longitude": config.longitude, "current": "cloud_cover"}
    timeout_s = config.weather_timeout_s
    try:  # requests' timeout bounds each read; call_within bounds the whole answer (a trickle too)
        response = call_within(
            timeout_s,
            lambda: session.get(url, params=params, timeout=timeout_s, headers={"User-Agent": USER_AGENT}),
            "weather request",
        )
    except (DeadlineExceeded, requests.Timeout) as err:
        raise WeatherError(f"{name}: no answer within {timeout_s:g} s") from err
    except (requests.RequestException, OSError) as err:
        # str(err) would carry the URL, and with it the API key: name the failure's type only.
        raise WeatherError(f"{name}: request failed ({type(err).__name__})") from err
    if response.status_code != 200:
        hint = " (check OPENWEATHERMAP_API_KEY)" if response.status_code == 401 else ""
        raise WeatherError(f"{name}: HTTP {response.status_code}{hint}")
    try:
        document = response.json()
        value = document["clouds"]["all"] if name == "OpenWeatherMap" else document["current"]["cloud_cover"]
        cover = float(value)
    except (ValueError, KeyError, TypeError) as err:
        raise WeatherError(f"{name}: answer has no cloud cover") from err
    if not 0 <= cover <= 100:
        raise WeatherError(f"{name}: cloud cover {cover:g} % is out of range")
    return cover
