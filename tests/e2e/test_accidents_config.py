"""Accidents in the settings and the data folder, through main(): each is one line naming the file or
setting and the fix, with its own exit code (never 70), and it reaches the log file under cron."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pvs6sup.cli import main
from pvs6sup.runtime import Runtime
from pvs6sup.store.lock import data_dir_lock
from tests.support.harness import SITE_ENV, Harness, Result

LOG = Path("logs") / "pvs6-supervisor.log"
IS_ROOT = os.geteuid() == 0
NOBODY = 65534


def env_file(harness: Harness, text: str | bytes, name: str = "site.env") -> Path:
    path = harness.tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(0o600)
    return path


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("pvs6-supervisor: ")]


@dataclass
class Case:
    """setup(harness, simulated PVS) arranges the accident and returns the command line."""

    name: str
    setup: Callable[[Harness, object], list[str]]
    code: int
    says: tuple[str, ...]  # every fragment must be on ONE stderr line ("{file}" is the env file)


def _typo(name: str, value: str = "x") -> Callable[[Harness, object], list[str]]:
    def setup(harness: Harness, pvs: object) -> list[str]:
        return ["--env-file", str(env_file(harness, f"WEATHER_PROVIDER=none\n{name}={value}\n")), "run"]

    return setup


def _pipe(harness: Harness, pvs) -> list[str]:
    read_end, write_end = os.pipe()
    os.write(write_end, f"PVS_HOST={pvs.base_url}\n".encode())
    os.close(write_end)
    harness.env.pop("PVS_HOST")  # so only the pipe can have told it where the PVS is
    return ["--env-file", f"/dev/fd/{read_end}", "run"]


def _dev_null(harness: Harness, pvs) -> list[str]:
    return ["--env-file", "/dev/null", "run"]


def _directory(harness: Harness, pvs) -> list[str]:
    (harness.tmp_path / "settings").mkdir()
    return ["--env-file", str(harness.tmp_path / "settings"), "run"]


def _utf16(harness: Harness, pvs) -> list[str]:
    return ["--env-file", str(env_file(harness, "WEATHER_PROVIDER=none\n".encode("utf-16"))), "run"]


def _latin1(harness: Harness, pvs) -> list[str]:
    return ["--env-file", str(env_file(harness, "WEATHER_PROVIDER=none\nGOOGLE_WORKSHEET=Relevés\n".encode("latin-1")))]


def _data_dir_is_a_file(harness: Harness, pvs) -> list[str]:
    harness.data_dir.write_text("not a folder")
    return ["run"]


def _readings_csv_is_a_folder(harness: Harness, pvs) -> list[str]:
    (harness.data_dir / "readings.csv").mkdir(parents=True)
    return ["run"]


def _lock_is_a_folder(harness: Harness, pvs) -> list[str]:
    (harness.data_dir / ".lock").mkdir(parents=True)
    return ["run"]


CASES = [
    Case("typo", _typo("PVS_HOTS"), 0, ("{file}", "PVS_HOTS is not a setting: did you mean PVS_HOST?")),
    Case("spaced", _typo("TIME_ZONE", "Europe/Paris"), 0, ("TIME_ZONE is not a setting: did you mean TIMEZONE?",)),
    Case("longer", _typo("SMTP_HOSTNAME"), 0, ("SMTP_HOSTNAME is not a setting: did you mean SMTP_HOST?",)),
    Case("lowercase", _typo("pvs_timeout", "5"), 0, ("pvs_timeout is not a setting: did you mean PVS_TIMEOUT?",)),
    Case("unknown", _typo("FAVOURITE_COLOUR"), 0, ("FAVOURITE_COLOUR is not a setting; see config.example.env",)),
    Case("/dev/null", _dev_null, 0, ()),
    Case("pipe", _pipe, 0, ()),
    Case("directory", _directory, 2, ("settings is a directory, not a settings file",)),
    Case("UTF-16", _utf16, 2, ("{file} is UTF-16", "save it as UTF-8")),
    Case("not UTF-8", _latin1, 2, ("{file} line 2: not UTF-8 text (byte 0xe9)", "save the file as UTF-8")),
    Case("DATA_DIR a file", _data_dir_is_a_file, 4, ("data is a file where a folder should be", "set DATA_DIR")),
    Case("CSV a folder", _readings_csv_is_a_folder, 4, ("readings.csv is a folder where a file should be", "mv ")),
    Case("lock a folder", _lock_is_a_folder, 0, (".lock is a folder", "kept as .lock.damaged and made again")),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_an_accident_is_one_line_naming_the_file_and_the_fix(harness: Harness, simulated, case: Case):
    argv = case.setup(harness, simulated)
    result = harness.run(*argv)
    assert result.code == case.code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = problem_lines(result)
    if not case.says:
        assert (result.stderr, simulated.device_list_requests) == ("", 1)  # read the settings, recorded
        return
    env_path = str(harness.tmp_path / "site.env")
    expected = [fragment.replace("{file}", env_path) for fragment in case.says]
    assert [line for line in lines if all(f in line for f in expected)], lines
    assert len(lines) == 1, lines  # one problem, one line
    if case.code == 0:
        assert simulated.device_list_requests == 1  # a warning never stops the cycle


def test_a_configuration_error_under_cron_reaches_the_log_in_data_dir(harness: Harness):
    harness.env.update({"PVS_TIMEOUT": "soon", "WEATHER_PROVIDER": "none"})
    result = harness.run("run")
    assert result.code == 2
    log = (harness.data_dir / LOG).read_text()
    assert "ERROR configuration: PVS_TIMEOUT: expected a number of seconds from 1 to 900, got 'soon'" in log


def test_data_dir_from_the_env_file_is_used_for_the_log_even_when_other_settings_are_wrong(tmp_path: Path):
    (tmp_path / ".env").write_text(f"DATA_DIR={tmp_path / 'elsewhere'}\nLATITUDE=north\n")
    (tmp_path / ".env").chmod(0o600)
    stderr = io.StringIO()
    runtime = Runtime(environ={}, stdout=io.StringIO(), stderr=stderr, script_dir=tmp_path)  # no DATA_DIR
    assert main(["run"], runtime) == 2
    log = (tmp_path / "elsewhere" / LOG).read_text()
    assert "configuration: LATITUDE: expected a number of decimal degrees" in log and "LATITUDE" in stderr.getvalue()


def test_a_configuration_error_with_data_dir_unusable_goes_to_the_log_beside_the_script(harness: Harness):
    harness.data_dir.write_text("a file where the data folder should be")
    harness.env.update({"WEATHER_PROVIDER": "none", "PVS_TIMEOUT": "soon"})
    result = harness.run("run")
    assert result.code == 2
    assert problem_lines(result) == [
        "pvs6-supervisor: error: configuration: PVS_TIMEOUT: expected a number of seconds from 1 to 900, got 'soon'"
    ]
    log = (harness.tmp_path / LOG).read_text()  # the harness's script_dir is tmp_path
    assert "configuration: PVS_TIMEOUT" in log
    assert f"log file moved to {harness.tmp_path / 'logs'}" in log and "is a file where a folder should be" in log


def test_an_unreadable_env_file_is_also_logged_with_data_dir_from_the_environment(harness: Harness):
    result = harness.run("--env-file", str(env_file(harness, "PVS_HOST=x\n".encode("utf-16"))), "run")
    assert result.code == 2
    assert "save it as UTF-8" in (harness.data_dir / LOG).read_text()


def test_a_secret_in_a_configuration_error_is_masked_in_the_log_and_on_stderr(harness: Harness):
    harness.env.update(
        {"WEATHER_PROVIDER": "none", "SMTP_HOST": "127.0.0.1", "SMTP_USER": "me@example.com"}
        | {"SMTP_PASSWORD": "hunter2hunter2", "ALERT_EMAIL_TO": "hunter2hunter2"}  # pasted in the wrong line
    )
    result = harness.run("run")
    assert result.code == 2
    log = (harness.data_dir / LOG).read_text()
    assert "ALERT_EMAIL_TO: '***' is not an email address" in log
    assert "hunter2" not in log + result.stderr


def test_ctrl_c_is_exit_130_as_documented(harness: Harness):
    def interrupted():
        raise KeyboardInterrupt

    harness.env.update({"WEATHER_PROVIDER": "none"})
    harness.clock = interrupted  # type: ignore[assignment]
    result = harness.run("run")
    assert result.code == 130 and problem_lines(result) == ["pvs6-supervisor: error: interrupted"]


# --- another user's files: as root, a forked child becomes nobody; otherwise chmod does it --------------


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder any user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="pvs6-accidents-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def run_as_another_user(harness: Harness, *argv: str) -> Result:
    """As root: main() in a forked child that became nobody (root ignores permissions). Else: as is."""
    if not IS_ROOT:
        return harness.run(*argv)
    # nobody may not read root's Python: import now what the child will need
    import smtplib  # noqa: F401

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = harness.run(*argv)
            os.write(write_end, json.dumps([result.code, result.stdout, result.stderr]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    code, stdout, stderr = json.loads(data)
    return Result(code, stdout, stderr)


def fix_for_another_user(line: str, path: Path) -> bool:
    as_root = f"{path} is owned by root: run: sudo chown -R nobody: {path}"
    return (as_root if IS_ROOT else f"chmod u+rwX {path}") in line


def test_a_data_dir_that_this_user_may_not_write_is_exit_4_with_the_chown(open_dir: Path):
    harness = Harness(open_dir)
    harness.data_dir.mkdir(mode=0o755 if IS_ROOT else 0o555)
    harness.env.update({"WEATHER_PROVIDER": "none", "PVS_HOST": "http://127.0.0.1:9"})
    result = run_as_another_user(harness, "run")
    harness.data_dir.chmod(0o755)
    assert result.code == 4, result.stderr
    [line] = problem_lines(result)
    assert str(harness.data_dir) in line and "permission denied" in line
    assert fix_for_another_user(line, harness.data_dir), line


def test_an_env_file_this_user_may_not_read_is_exit_2_naming_it_and_the_fix(open_dir: Path):
    harness = Harness(open_dir)
    settings = env_file(harness, "WEATHER_PROVIDER=none\n")
    settings.chmod(0o600 if IS_ROOT else 0o000)
    result = run_as_another_user(harness, "--env-file", str(settings), "run")
    settings.chmod(0o600)
    assert result.code == 2, result.stderr
    [line] = problem_lines(result)
    user = "nobody" if IS_ROOT else None
    assert f"{settings}: " in line and "may not read it (permission denied)" in line
    assert f"sudo chown {user or ''}" in line and f"chmod 600 {settings}" in line


def test_check_reports_a_data_dir_it_may_not_write_as_storage_not_the_cable(open_dir: Path):
    harness = Harness(open_dir)
    harness.data_dir.mkdir(mode=0o755 if IS_ROOT else 0o555)
    harness.env.update({"WEATHER_PROVIDER": "none", "PVS_HOST": "http://127.0.0.1:9", "PVS_TIMEOUT": "2"})
    result = run_as_another_user(harness, "check")
    harness.data_dir.chmod(0o755)
    assert result.code == 6
    [storage] = [line for line in result.stdout.splitlines() if line.startswith("✗ DATA_DIR")]
    assert "not writable" in storage or "Permission denied" in storage
    fix = result.stdout.split(storage, 1)[1].splitlines()[1]
    assert fix_for_another_user(fix, harness.data_dir), result.stdout
    assert "cable" not in result.stdout.split("✗ PVS", 1)[1]  # the PVS line blames the folder


def test_check_reports_a_data_dir_that_is_a_file(harness: Harness):
    harness.data_dir.write_text("oops")
    harness.env.update({"WEATHER_PROVIDER": "none", "PVS_HOST": "http://127.0.0.1:9"})
    result = harness.run("check")
    assert result.code == 6
    assert f"✗ DATA_DIR {harness.data_dir} is a file\n    fix: move it aside or set DATA_DIR" in result.stdout
    assert "cable" not in result.stdout


def test_check_names_the_process_holding_the_lock_and_leaves_the_pvs_alone(harness: Harness, simulated):
    with data_dir_lock(harness.data_dir):
        result = harness.run("check")
    assert result.code == 6
    assert f"✗ lock {harness.data_dir / '.lock'} is held by running process {os.getpid()}" in result.stdout
    assert f"ps -fp {os.getpid()}" in result.stdout
    assert "- PVS: not asked: another run holds the lock" in result.stdout
    assert simulated.device_list_requests == 0 and "cable" not in result.stdout


def test_check_prints_the_effective_settings_with_secrets_masked(harness: Harness, simulated):
    secrets = {"PVS_SERIAL": "ZT000000000000000X0000", "PVS_PASSWORD": "pw-pvs-0042", "SMTP_PASSWORD": "pw-mail-0042"}
    harness.env.update(
        {
            **secrets,
            "WEATHER_PROVIDER": "none",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "9",
            "SMTP_USER": "me@example.com",
            "ALERT_EMAIL_TO": "you@example.com",
        }
    )
    result = harness.run("check")
    settings = result.stdout.split("\n✓ DATA_DIR", 1)[0]
    lines = settings.splitlines()
    assert f"    PVS:                     PVS_HOST={simulated.base_url}, PVS_TIMEOUT=" in settings
    assert "PVS_FIRMWARE=auto, PVS_SERIAL=(set), PVS_PASSWORD=(set)" in settings
    assert f"    Storage:                 DATA_DIR={harness.data_dir}, RAW_RETENTION_DAYS=400" in settings
    assert f"TIMEZONE={SITE_ENV['TIMEZONE']}" in settings
    assert "    Google Sheets:           off" in lines and "    PVOutput:                off" in lines
    email = next(line for line in lines if line.startswith("    Email alerts:"))
    for shown in (
        "SMTP_HOST=127.0.0.1",
        "SMTP_PORT=9",
        "SMTP_SECURITY=starttls",
        "SMTP_USER=me@example.com",
        "SMTP_PASSWORD=(set)",
        "ALERT_EMAIL_FROM=me@example.com",
        "ALERT_EMAIL_TO=you@example.com",
    ):
        assert shown in email
    for secret in [*secrets.values(), "X0000"]:
        assert secret not in result.stdout + result.stderr
    assert f"✓ DATA_DIR {harness.data_dir}: writable" in result.stdout


# The exit-code table's agreement with --help and README: tests/test_exit_codes.py.


def test_the_schedulers_keep_the_output_and_name_no_user():
    from tests.support.harness import ROOT

    crontab = (ROOT / "crontab.example").read_text()
    [line] = [line for line in crontab.splitlines() if line and not line.startswith("#")]
    assert "/home/" not in line and "/pi/" not in line and 'MAILTO=""' not in crontab
    assert line.endswith(">> logs/cron.log 2>&1") and "pvs6_supervisor.py run" in line
    service = (ROOT / "systemd" / "pvs6-supervisor.service").read_text()
    timer = (ROOT / "systemd" / "pvs6-supervisor.timer").read_text()
    assert "Type=oneshot" in service and "User=YOU" in service and "StandardOutput" not in service  # journal
    assert "OnCalendar=*:0/5" in timer and "Persistent=true" in timer
