"""Issue 19's small print and settings, each through main() or the real CLI: what a new owner meets first."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pvs6sup.core.sun import longitude_sign_problem, standard_offset_h
from pvs6sup.errors import ExitStatus
from pvs6sup.settings import system_zone
from pvs6sup.sim.legacy_pvs import ForcedAnswer, SimulatedPVS
from tests.support.harness import ROOT, SITE_ENV, Harness

NIGHT_UTC = datetime(2026, 6, 21, 9, 0, 30, tzinfo=timezone.utc)  # 02:00 in California: nothing is produced


def _cli(*argv: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    with SimulatedPVS() as pvs:
        env = {**os.environ, **SITE_ENV, "PVS_HOST": pvs.base_url, "DATA_DIR": str(tmp_path / "data")}
        env["WEATHER_PROVIDER"] = "none"
        child = _cli(str(ROOT / "pvs6_supervisor.py"), "--env-file", os.devnull, "check", env=env)
        assert child.stdout is not None
        child.stdout.close()  # `check | head` once head has had enough: every write now fails
        _, stderr = child.communicate(timeout=60)
    assert stderr == ""
    assert child.returncode == 0


def test_the_system_python_without_the_packages_says_to_use_the_venv(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    child = _cli("-S", str(ROOT / "pvs6_supervisor.py"), "status", env=env)  # -S: no site-packages, as a bare python
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == ExitStatus.CONFIG
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert "run it with .venv/bin/python (see README)" in stderr


@pytest.mark.parametrize("with_sudo", [True, False])
def test_readme_first_command_works_with_and_without_sudo(tmp_path: Path, with_sudo: bool) -> None:
    """The install's package step runs as root either way: through sudo, or directly where there is none."""
    first = re.search(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert first is not None
    command = first[1]
    package_step = command[: command.index("python3 -m venv")].rstrip(" &")
    shims = tmp_path / "bin"
    shims.mkdir()
    calls = tmp_path / "calls"
    (shims / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {calls}\n')
    if with_sudo:
        (shims / "sudo").write_text(f'#!/bin/sh\necho "sudo" >> {calls}\nexec "$@"\n')
    for shim in shims.iterdir():
        shim.chmod(0o755)
    done = subprocess.run(["/bin/sh", "-c", package_step], env={"PATH": str(shims)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ran = calls.read_text().splitlines()
    assert "apt-get install -y python3-venv" in ran
    assert ("sudo" in ran) == with_sudo


def test_flush_has_one_exit_code_in_readme_and_help(harness: Harness, capsys) -> None:
    code = ExitStatus.NOT_DELIVERED
    harness.run("flush", "--help")  # argparse prints to the process's stdout
    assert f"  {code.value:<3} {code.description}" in capsys.readouterr().out
    readme = (ROOT / "README.md").read_text()
    said = {int(n) for n in re.findall(r"exits? (\d+) when (?:rows wait|a sink had)", readme)}
    assert said == {code.value}
    assert f"| {code.value} | {code.description} |" in readme


def test_help_names_every_delivery_target(harness: Harness, capsys) -> None:
    for argv in (["--help"], ["run", "--help"], ["check", "--help"]):
        harness.run(*argv)
        text = " ".join(capsys.readouterr().out.split())
        for title in ("Google Sheets", "PVOutput", "InfluxDB", "Prometheus", "MQTT/Home Assistant"):
            assert title in text, (argv, title)


def test_a_rounding_dip_in_a_lifetime_is_no_glitch(harness: Harness, simulated: SimulatedPVS) -> None:
    """consumption = production + net from two rounded registers: a dip of 0.02 kWh is rounding."""
    harness.clock.now = NIGHT_UTC
    prom = harness.tmp_path / "pvs6.prom"
    harness.env.update({"PROMETHEUS_TEXTFILE": str(prom), "WEATHER_PROVIDER": "none"})
    assert harness.run("run").code == 0
    first = re.search(r"pvs6_site_production_joules_total\{[^}]*\} (\S+)", prom.read_text())
    assert first is not None
    harness.clock.advance(minutes=5)
    body = simulated.site.render(harness.clock.now).decode()
    produced = re.search(r'"net_ltea_3phsum_kwh":\t"([\d.]+)"', body)
    assert produced is not None
    dipped = f"{float(produced[1]) - 0.02:.2f}"
    dip = body.replace(produced[0], produced[0].replace(produced[1], dipped), 1)
    simulated.forced.append(ForcedAnswer(body=dip.encode()))
    result = harness.run("-v", "run")
    assert result.code == 0
    assert "went down" not in result.stderr
    second = re.search(r"pvs6_site_production_joules_total\{[^}]*\} (\S+)", prom.read_text())
    assert second is not None and float(second[1]) == float(first[1])  # a counter never goes down


def test_folders_are_created_private_parents_too(harness: Harness, simulated: SimulatedPVS) -> None:
    os.umask(0o022)
    harness.env["DATA_DIR"] = str(harness.tmp_path / "a" / "b" / "data")
    assert harness.run("run").code == 0
    folders = [harness.tmp_path / "a", *(p for p in (harness.tmp_path / "a").rglob("*") if p.is_dir())]
    assert len(folders) > 5
    modes = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders}
    assert {p: mode for p, mode in modes.items() if mode != oct(0o700)} == {}


def test_log_lines_carry_the_site_zone_and_its_offset(harness: Harness) -> None:
    harness.env.update({**SITE_ENV, "PVS_HOST": "127.0.0.1:9", "WEATHER_PROVIDER": "none", "PVS_TIMEOUT": "2"})
    assert harness.run("run").code == ExitStatus.NO_READING
    line = (harness.data_dir / "logs" / "pvs6-supervisor.log").read_text().splitlines()[-1]
    stamp = datetime.fromisoformat(line.split(" ", 1)[0])
    assert stamp.utcoffset() == stamp.astimezone(system_zone_los_angeles()).utcoffset()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00 ERROR ", line)


def system_zone_los_angeles():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Los_Angeles")


def test_before_the_first_run_status_says_to_run_it_once(harness: Harness, simulated: SimulatedPVS) -> None:
    result = harness.run("status")
    assert result.code == 0
    assert "run it once: .venv/bin/python pvs6_supervisor.py run" in result.stdout
    assert "is cron running" not in harness.run("check").stdout


# --- settings that catch what people get wrong ------------------------------------------------------------
def test_a_longitude_without_its_minus_sign_is_refused_naming_the_fix(harness: Harness) -> None:
    harness.env.update({**SITE_ENV, "LONGITUDE": "122.08"})
    result = harness.run("check")
    assert result.code == ExitStatus.CONFIG
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "LONGITUDE" in line and "LONGITUDE=-122.08" in line and "America/Los_Angeles" in line


@pytest.mark.parametrize(
    "longitude, zone",
    [
        (-171.8, "Pacific/Apia"),
        (178.4, "Pacific/Fiji"),
        (-3.7, "Europe/Madrid"),
        (75.9, "Asia/Shanghai"),
        (-176.6, "America/Adak"),
        (-0.1, "Europe/London"),
        (151.2, "Australia/Sydney"),
        (-122.08, "America/Los_Angeles"),
    ],
)
def test_real_places_keep_their_longitude(longitude: float, zone: str) -> None:
    from zoneinfo import ZoneInfo

    assert longitude_sign_problem(longitude, standard_offset_h(ZoneInfo(zone)), zone) is None


@pytest.mark.parametrize("how", ["timezone file", "localtime link"])
def test_timezone_defaults_to_the_systems_named_zone(harness: Harness, simulated, monkeypatch, how: str) -> None:
    etc = harness.tmp_path / "etc"
    etc.mkdir()
    if how == "timezone file":
        (etc / "timezone").write_text("America/Los_Angeles\n")
    else:
        (etc / "localtime").symlink_to("/usr/share/zoneinfo/America/Los_Angeles")
    monkeypatch.setattr(system_zone, "ETC", etc)
    del harness.env["TIMEZONE"]
    for day in (7, 9):  # 8 March 2026: clocks go forward in California
        harness.clock.now = datetime(2026, 3, day, 20, 0, 30, tzinfo=timezone.utc)  # a named zone follows DST
        assert harness.run("run").code == 0
    stamps = [line.split(",", 1)[0] for line in (harness.data_dir / "readings.csv").read_text().splitlines()[1:]]
    assert [s[-6:] for s in stamps] == ["-08:00", "-07:00"]


def test_pvs_host_pasted_as_a_page_is_refused_naming_the_host(harness: Harness) -> None:
    harness.env.update({**SITE_ENV, "PVS_HOST": "http://172.27.153.1/cgi-bin/dl_cgi?Command=DeviceList"})
    result = harness.run("status")
    assert result.code == ExitStatus.CONFIG
    [line] = result.stderr.splitlines()
    assert "PVS_HOST" in line and "PVS_HOST=http://172.27.153.1" in line
