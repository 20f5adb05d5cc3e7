"""What a run takes from the outside world, injected so that tests run main() in-process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

import requests

from pvs6sup.net.weather import WeatherURLs

SCRIPT_DIR = Path(__file__).resolve().parent.parent


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Runtime:
    """Environment, streams, clock, HTTP session and the script's folder (for .env and data/)."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    now: Callable[[], datetime] = utc_now
    session: requests.Session = field(default_factory=requests.Session)
    script_dir: Path = SCRIPT_DIR
    weather_urls: WeatherURLs = field(default_factory=WeatherURLs)
