"""What a run takes from the outside world, injected so that tests run main() in-process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

import requests

from pvs6sup.core.records import Record
from pvs6sup.settings.config import DEFAULT_URLS, WeatherURLs

SCRIPT_DIR = Path(__file__).resolve().parent.parent


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Runtime(Record):
    """Environment, streams, clock, HTTP session and the script's folder (for .env and data/)."""

    __slots__ = ("environ", "stdout", "stderr", "now", "session", "script_dir", "weather_urls")

    environ: Mapping[str, str]
    stdout: TextIO
    stderr: TextIO
    now: Callable[[], datetime]
    session: requests.Session
    script_dir: Path
    weather_urls: WeatherURLs

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        now: Callable[[], datetime] = utc_now,
        session: requests.Session | None = None,
        script_dir: Path = SCRIPT_DIR,
        weather_urls: WeatherURLs = DEFAULT_URLS,
    ) -> None:
        self.environ = dict(os.environ) if environ is None else environ
        self.stdout = sys.stdout if stdout is None else stdout
        self.stderr = sys.stderr if stderr is None else stderr
        self.now = now
        self.session = requests.Session() if session is None else session
        self.script_dir = script_dir
        self.weather_urls = weather_urls
