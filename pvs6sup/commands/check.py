"""The check command: validate the settings, then try each configured service once, ✓ or ✗ with a hint.

The PVS gets ONE DeviceList request (a manual command; the PVS is fragile, so never more).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from pvs6sup.alerts import compose, smtp
from pvs6sup.commands.status import FIRST_RUN_HINT, RECENT_S, last_recorded_text
from pvs6sup.cycle import read_pvs
from pvs6sup.errors import ConfigError, LockHeldError, PVSAnswerError, StorageError, SupervisorError
from pvs6sup.net import weather
from pvs6sup.notify.trial import try_channels
from pvs6sup.pvs.access import DETECT_TIMEOUT_S
from pvs6sup.runtime import Runtime
from pvs6sup.settings.config import Config
from pvs6sup.settings.sinks import SHEETS
from pvs6sup.settings.table import GROUPS, SETTINGS
from pvs6sup.sinks.sheets import delivery
from pvs6sup.store import csvlog
from pvs6sup.store.files import private_dir
from pvs6sup.store.lock import data_dir_lock
from pvs6sup.store.os_errors import LOW_SPACE_BYTES, fix_for, free_space, lock_holder, ownership_fix, storage_error

Outcome = tuple[bool | None, str, str]  # (ok, or None when skipped), what, fix hint
README_SECTIONS = {"pvoutput": "PVOutput.org", "influx": "InfluxDB and Grafana", "mqtt": "Home Assistant"}


def seconds_text(seconds: float) -> str:
    """'45 s', '2 min', '2 min 30 s': a wait as exact as a person needs it."""
    whole = max(0, round(seconds))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def longest_wait_s(config: Config) -> float:
    """The most asking the PVS can take: the firmware check (at most a day old) and then the reading."""
    return min(config.pvs.timeout_s, DETECT_TIMEOUT_S) + config.pvs.timeout_s


# What each way of failing usually means, by the words of the error (pvs/http.py's reasons), with its fix.
LAN = "the Pi's cable in the PVS's LAN1 port (not LAN2); the Pi's address there, 172.27.153.x (`ip -4 addr`)"
PVS_FIXES = (
    (
        "refused the login",
        "set PVS_SERIAL to the serial on the PVS's label (its last 5 characters are the password) or PVS_PASSWORD",
    ),
    (
        "connection refused",
        f"something at {{host}} answers, but it is not the PVS's web server: check PVS_HOST "
        f"({{host}}; LAN1 is always 172.27.153.1), and {LAN}; a PVS that just rebooted needs a few minutes",
    ),
    ("host name not found", "PVS_HOST's name is not known here: use the PVS's address (172.27.153.1 on LAN1)"),
    ("no route to host", f"the Pi cannot reach {{host}}: check {LAN}"),
    ("network unreachable", f"the Pi has no address on the PVS's network: check {LAN}"),
    (
        "did not answer within",
        "the PVS took the connection but never answered: it is busy or hung; wait a few "
        "minutes, and power-cycle it (its breaker) if it stays so; a slow legacy PVS may need PVS_TIMEOUT=180",
    ),
    ("still sending", "the PVS answers too slowly: raise PVS_TIMEOUT (DeviceList can take over a minute)"),
    ("certificate", "the PVS's certificate changed (a new PVS or a reset): see README, 'New firmware'"),
    ("HTTP 4", "the PVS refused the request: a restart of the PVS (its breaker) usually clears this"),
    ("HTTP 5", "the PVS failed inside: a restart of the PVS (its breaker) usually clears this"),
)


def pvs_fix(error: SupervisorError, host: str) -> str:
    """The fix for one way the PVS can fail."""
    text = str(error)
    for words, fix in PVS_FIXES:
        if words.lower() in text.lower():
            return fix.format(host=host)
    if isinstance(error, PVSAnswerError):
        return "the PVS answered something unusable: `status -vv` shows more; keep DATA_DIR/raw for a bug report"
    return f"check PVS_HOST ({host}) and {LAN}"


def check_pvs(config: Config, runtime: Runtime, out: TextIO | None = None) -> list[Outcome]:
    """The PVS (one request), then INVERTER_GROUPS against the serials it lists. Says first what it does: the
    PVS can take minutes to answer, or never."""
    if out is not None:
        out.write(f"… asking the PVS at {config.pvs.base_url}, up to {seconds_text(longest_wait_s(config))}…\n")
        out.flush()
    started = time.monotonic()
    host = urlsplit(config.pvs.base_url).hostname or config.pvs.host
    try:
        with data_dir_lock(config.data_dir):  # the cycle's own path: one request, whatever the firmware
            reading = read_pvs(config, runtime, keep_raw=False)
    except LockHeldError:
        return [(None, "PVS: not asked: another run holds the lock (see above)", "")]
    except (StorageError, OSError) as err:  # the lock or the session files: the data folder, not the cable
        described = storage_error(err) if isinstance(err, OSError) else err
        return [(False, f"PVS: not asked: {described or err}", "see the DATA_DIR line above")]
    except SupervisorError as err:
        took = seconds_text(time.monotonic() - started)
        return [(False, f"PVS: {err} (gave up after {took})", pvs_fix(err, host))]
    supervisor = reading.devices.supervisor
    firmware = supervisor.firmware if supervisor and supervisor.firmware else "?"
    outcomes: list[Outcome] = [
        (True, f"PVS at {config.pvs.base_url}: {reading.inverters_total} inverters, firmware {firmware}", "")
    ]
    groups = config.alerts.inverter_groups
    if groups:
        serials = [inv.serial for inv in reading.devices.inverters]
        unknown = [m for group in groups for m in group if not any(s.endswith(m) for s in serials)]
        if unknown:
            hint = "use serials or their last characters as `status` lists them"
            outcomes.append((False, f"INVERTER_GROUPS: no inverter ends with {', '.join(unknown)}", hint))
        else:
            outcomes.append((True, f"INVERTER_GROUPS: {len(groups)} groups, every entry matched", ""))
    if config.alerts.layout_file is not None:
        serials = [inv.serial for inv in reading.devices.inverters]
        outcomes += check_layout(config.alerts.layout_file, serials, groups, config.data_dir)
    return outcomes


def check_layout(path: Path, serials: list[str], groups: tuple[tuple[str, ...], ...], data_dir: Path) -> list[Outcome]:
    """LAYOUT_FILE placed on the PVS's inverters, and where INVERTER_GROUPS or the faces the alerts learned part
    from its azimuths (they win: said, not a failure)."""
    from pvs6sup.alerts import state
    from pvs6sup.core.layout import azimuth_groups, disagreements
    from pvs6sup.store.layout_file import read_layout

    try:
        panels = read_layout(path, serials)
    except ConfigError as err:
        return [(False, str(err), "")]
    facing = azimuth_groups(panels)
    outcomes: list[Outcome] = [
        (True, f"LAYOUT_FILE: {len(panels)} of {len(serials)} inverters placed, {len(facing)} azimuth group(s)", "")
    ]
    given = [[s for s in serials if any(s.endswith(m) for m in members)] for members in groups]
    learned = [face.members for face in state.load(data_dir).detector.faces]
    for name, grouping in (("INVERTER_GROUPS", given), ("the faces the alerts learned", learned)):
        differ = disagreements(facing, grouping)
        if differ:
            outcomes.append((None, f"LAYOUT_FILE's azimuths and {name} differ: {'; '.join(differ)}; {name} win", ""))
    return outcomes


def check_weather(config: Config, runtime: Runtime) -> Outcome:
    if config.weather.provider == "none":
        return None, "weather: off (WEATHER_PROVIDER=none)", ""
    try:
        cover = weather.cloud_cover_pct(runtime.session, config.weather, runtime.weather_urls)
    except SupervisorError as err:
        return False, f"weather: {err}", "check the Pi's internet access, LATITUDE/LONGITUDE and any API key"
    shown = f"{cover:g} %" if cover is not None else "not given"
    return True, f"weather ({config.weather.provider}): cloud cover {shown}", ""


def check_sheets(config: Config, runtime: Runtime) -> Outcome:
    try:
        described = delivery.probe(config.sinks.sheets, runtime.session, config.data_dir, runtime.now())
    except SupervisorError as err:
        return False, str(err), "README, section Google Sheets, walks through the key and the sharing"
    if described is None:
        return None, "Google Sheets: off", ""
    return True, f"Google Sheets: {described}", ""


def check_sinks(config: Config, runtime: Runtime) -> list[Outcome]:
    """Each configured sink besides Google Sheets, probed once: reachable and accepting our credentials."""
    from pvs6sup.sinks.deliver import configured_sinks

    outcomes: list[Outcome] = []
    for sink in configured_sinks(config.sinks):
        if sink.name == SHEETS:
            continue  # check_sheets: it says what it found, or that Sheets is off
        problem = sink.probe(runtime.session, config.data_dir, runtime.now())
        pending = sink.queue(config.data_dir).pending_count()
        waiting = f" ({pending} waiting)" if pending else ""
        if problem is None:
            outcomes.append((True, f"{sink.title}: reachable, settings accepted{waiting}", ""))
        else:
            what = f"{sink.title}: {problem.removeprefix(sink.title + ': ')}{waiting}"
            outcomes.append((False, what, f"README, section {README_SECTIONS.get(sink.name, sink.title)}"))
    return outcomes


def check_email(config: Config, runtime: Runtime, send_test: bool) -> Outcome:
    settings = config.email
    if not settings.on:
        return None, "email alerts: off (set SMTP_HOST and ALERT_EMAIL_TO to turn them on)", ""
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        if send_test:
            assert settings.sender is not None
            smtp.send(settings, compose.trial_message(settings.sender, settings.recipients, runtime.now()))
        else:
            smtp.probe(settings)
    except smtp.MailError as err:
        return (
            False,
            f"email: {err}",
            "check SMTP_HOST, SMTP_PORT, SMTP_SECURITY and the password (Gmail: App Password)",
        )
    if send_test:
        return True, f"email: test sent via {where} to {', '.join(settings.recipients)}", ""
    return True, f"email: logged in to {where} (add --send-test-email to send one)", ""


def check_storage(data_dir: Path) -> list[Outcome]:
    """The data folder: a folder, ours, writable (tried for real), not full, and the lock free."""
    if data_dir.exists() and not data_dir.is_dir():
        return [(False, f"DATA_DIR {data_dir} is a file", "move it aside or set DATA_DIR to a folder")]
    probe = data_dir / f".check-{os.getpid()}"
    try:
        private_dir(data_dir)
        probe.write_bytes(b"")
        probe.unlink()
    except StorageError as err:
        cause = err.__cause__
        return [(False, f"DATA_DIR: {err}", fix_for(cause) if isinstance(cause, OSError) else "")]
    except OSError as err:
        return [(False, f"DATA_DIR {data_dir} is not writable ({err.strerror})", fix_for(err))]
    outcomes: list[Outcome] = []
    foreign = _not_ours(data_dir) if os.geteuid() != 0 else None  # root may write anything; `sudo check` too
    if foreign is not None:
        outcomes.append((False, f"DATA_DIR: {foreign} belongs to another user", ownership_fix(foreign)))
    space = free_space(data_dir)
    if space is not None and space[0] < min(LOW_SPACE_BYTES, space[1] // 20):
        free_mb, total_mb = space[0] // 1_000_000, space[1] // 1_000_000
        hint = "free some space (a smaller RAW_RETENTION_DAYS prunes the raw archive)"
        outcomes.append((False, f"disk nearly full: {free_mb} MB free of {total_mb} MB at {data_dir}", hint))
    holder = lock_holder(data_dir / ".lock")
    if holder is not None:
        hint = f"a run still waiting on the PVS? wait a minute, or see: ps -fp {holder}"
        outcomes.append((False, f"lock {data_dir / '.lock'} is held by running process {holder}", hint))
    return outcomes or [(True, f"DATA_DIR {data_dir}: writable, {_free_text(space)}", "")]


def _free_text(space: tuple[int, int] | None) -> str:
    return "free space unknown" if space is None else f"{space[0] // 1_000_000} MB free"


def _not_ours(data_dir: Path) -> Path | None:
    """The first file or folder under DATA_DIR owned by another user (the raw archive's days not walked)."""
    me = os.geteuid()
    for folder, subfolders, files in os.walk(data_dir):
        if folder == str(data_dir):
            subfolders[:] = [d for d in subfolders if d != "raw"]  # thousands of files: its top is enough
        for name in [*subfolders, *files]:
            path = Path(folder, name)
            with contextlib.suppress(OSError):
                if path.lstat().st_uid != me:
                    return path
    return data_dir if data_dir.stat().st_uid != me else None


def settings_lines(config: Config) -> list[str]:
    """The effective settings, group by group as in the settings table; secrets shown only as set."""
    lines = []
    for group in GROUPS:
        values = config.effective
        if group.enabled_by and not any(name in values for name in group.enabled_by):
            shown = "off"
        else:
            settings = [s for s in SETTINGS if s.group == group.name and s.name in values]
            shown = ", ".join(f"{s.name}={'(set)' if s.secret else _shown(values[s.name])}" for s in settings)
        lines.append(f"    {group.name + ':':<25}{shown or '(defaults)'}")
    return lines


def _shown(value: str) -> str:
    """A setting's value as printed: a URL without the credentials inside it."""
    from pvs6sup.core.secrets import shown_url

    return shown_url(value) if "://" in value else value


def run_check(config: Config, runtime: Runtime, send_test: bool, out: TextIO, send_push: bool = False) -> bool:
    """Print the effective settings, then one line per service; True when every configured one works."""
    out.write("✓ settings: valid\n" + "\n".join(settings_lines(config)) + "\n")
    outcomes: list[Outcome] = check_storage(config.data_dir)
    outcomes += check_pvs(config, runtime, out)
    outcomes += [check_weather(config, runtime), check_sheets(config, runtime)]
    outcomes += [*check_sinks(config, runtime), check_email(config, runtime, send_test)]
    push_args = (config.data_dir, runtime.now(), config.site_name, config.secret_values())
    outcomes += try_channels(config.notify, *push_args, send_push)
    newest, now = csvlog.newest_timestamp(config.data_dir), runtime.now()
    recent = (newest is not None and (now - newest).total_seconds() < RECENT_S) or None  # None: a hint, not a failure
    hint = FIRST_RUN_HINT if newest is None else "is cron running? see crontab.example and DATA_DIR/logs"
    outcomes.append((recent, last_recorded_text(newest, now), hint))
    for ok, what, hint in outcomes:
        mark = "✓" if ok else "-" if ok is None else "✗"
        out.write(f"{mark} {what}" + (f"\n    fix: {hint}" if hint and not ok else "") + "\n")
    return all(ok is not False for ok, _, _ in outcomes)
