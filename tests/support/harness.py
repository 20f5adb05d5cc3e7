"""The shared test harness: fixtures on disk, the site's settings, and main() run in-process with a set clock."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from pvs6sup.cli import main
from pvs6sup.runtime import Runtime
from pvs6sup.settings.config import WeatherURLs

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_CAPTURES = ROOT.parent / "shared" / "pvs-captures"
SITE_ENV = {"PVS_TIMEOUT": "5", "LATITUDE": "37.42", "LONGITUDE": "-122.08", "TIMEZONE": "America/Los_Angeles"}
SUMMER_NOON_UTC = datetime(2026, 6, 21, 19, 5, 30, tzinfo=timezone.utc)  # 12:05 in California; the fixtures CURTIME


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Clock:
    """A settable clock shared by the simulator and the code under test."""

    now: datetime = SUMMER_NOON_UTC

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@dataclass
class Harness:
    """Runs main() in-process with a given environment, clock and HTTP session."""

    tmp_path: Path
    clock: Clock = field(default_factory=Clock)
    env: dict[str, str] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)
    weather_urls: WeatherURLs = field(default_factory=WeatherURLs)

    @property
    def data_dir(self) -> Path:
        return Path(self.env.get("DATA_DIR", self.tmp_path / "data"))

    def run(self, *argv: str) -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        runtime = Runtime(
            environ={"DATA_DIR": str(self.tmp_path / "data"), **self.env},
            stdout=stdout,
            stderr=stderr,
            now=self.clock,
            session=self.session,
            script_dir=self.tmp_path,  # so no real .env next to the script is read
            weather_urls=self.weather_urls,
        )
        code = main(list(argv), runtime)
        return Result(code, stdout.getvalue(), stderr.getvalue())
