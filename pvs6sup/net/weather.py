"""Cloud cover at the site from Open-Meteo (no key) or OpenWeatherMap (key); never blocks a reading."""

from __future__ import annotations

import requests

from pvs6sup import USER_AGENT
from pvs6sup.errors import DeliveryError
from pvs6sup.net.deadline import DeadlineExceeded, call_within
from pvs6sup.settings.config import DEFAULT_URLS, WeatherSettings, WeatherURLs

WEATHER_USER_AGENT = f"{USER_AGENT} (home solar monitor)"


class WeatherError(DeliveryError):
    """The weather service gave no usable cloud cover this time."""


def cloud_cover_pct(
    session: requests.Session, weather: WeatherSettings, urls: WeatherURLs = DEFAULT_URLS
) -> float | None:
    """Current total cloud cover in %, None when WEATHER_PROVIDER=none; WeatherError on any failure."""
    if weather.provider == "none":
        return None
    if weather.provider == "openweathermap":
        name, url = "OpenWeatherMap", urls.openweathermap
        params = {"lat": weather.latitude, "lon": weather.longitude, "appid": weather.api_key}
    else:
        name, url = "Open-Meteo", urls.open_meteo
        params = {"latitude": weather.latitude, "longitude": weather.longitude, "current": "cloud_cover"}
    timeout_s = weather.timeout_s
    try:  # requests' timeout bounds each read; call_within bounds the whole answer (a trickle too)
        response = call_within(
            timeout_s,
            lambda: session.get(url, params=params, timeout=timeout_s, headers={"User-Agent": WEATHER_USER_AGENT}),
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
