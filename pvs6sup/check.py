"""The check command: validate the settings, then try each configured service once, ✓ or ✗ with a hint.

The PVS gets ONE DeviceList request (a manual command; the PVS is fragile, so never more).
"""

from __future__ import annotations

from typing import TextIO

from . import alerting, alertmail, csvlog, mailer, sheets, weather
from .config import Config
from .cycle import read_pvs
from .errors import SupervisorError
from .lock import data_dir_lock
from .report import RECENT_S, last_recorded_text
from .runtime import Runtime

Outcome = tuple[bool | None, str, str]  # (ok, or None when skipped), what, fix hint


def check_pvs(config: Config, runtime: Runtime) -> list[Outcome]:
    """The PVS (one request), then INVERTER_GROUPS against the serials it lists."""
    try:
        with data_dir_lock(config.data_dir):  # the cycle's own path: one request, whatever the firmware
            reading = read_pvs(config, runtime, keep_raw=False)
    except SupervisorError as err:
        hint = "check the cable to the PVS's LAN1 port, the Pi's address there, and PVS_HOST"
        return [(False, f"PVS: {err}", hint)]
    supervisor = reading.devices.supervisor
    firmware = supervisor.firmware if supervisor and supervisor.firmware else "?"
    outcomes: list[Outcome] = [
        (True, f"PVS at {config.pvs_base_url}: {reading.inverters_total} inverters, firmware {firmware}", "")
    ]
    if config.inverter_groups:
        serials = [inv.serial for inv in reading.devices.inverters]
        unknown = [m for group in config.inverter_groups for m in group if not any(s.endswith(m) for s in serials)]
        if unknown:
            hint = "use serials or their last characters as `status` lists them"
            outcomes.append((False, f"INVERTER_GROUPS: no inverter ends with {', '.join(unknown)}", hint))
        else:
            outcomes.append((True, f"INVERTER_GROUPS: {len(config.inverter_groups)} groups, every entry matched", ""))
    return outcomes


def check_weather(config: Config, runtime: Runtime) -> Outcome:
    if config.weather_provider == "none":
        return None, "weather: off (WEATHER_PROVIDER=none)", ""
    try:
        cover = weather.cloud_cover_pct(runtime.session, config, runtime.weather_urls)
    except SupervisorError as err:
        return False, f"weather: {err}", "check the Pi's internet access, LATITUDE/LONGITUDE and any API key"
    shown = f"{cover:g} %" if cover is not None else "not given"
    return True, f"weather ({config.weather_provider}): cloud cover {shown}", ""


def check_sheets(config: Config, runtime: Runtime) -> Outcome:
    try:
        described = sheets.check(config, runtime)
    except SupervisorError as err:
        return False, str(err), "README, section Google Sheets, walks through the key and the sharing"
    if described is None:
        return None, "Google Sheets: off", ""
    return True, f"Google Sheets: {described}", ""


def check_email(config: Config, runtime: Runtime, send_test: bool) -> Outcome:
    if not config.email_alerts:
        return None, "email alerts: off (set SMTP_HOST and ALERT_EMAIL_TO to turn them on)", ""
    settings = alerting.smtp_settings(config)
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        if send_test:
            assert config.alert_email_from is not None
            mailer.send(
                settings, alertmail.trial_message(config.alert_email_from, config.alert_email_to, runtime.now())
            )
        else:
            mailer.probe(settings)
    except mailer.MailError as err:
        return (
            False,
            f"email: {err}",
            "check SMTP_HOST, SMTP_PORT, SMTP_SECURITY and the password (Gmail: App Password)",
        )
    if send_test:
        return True, f"email: test sent via {where} to {', '.join(config.alert_email_to)}", ""
    return True, f"email: logged in to {where} (add --send-test-email to send one)", ""


def run_check(config: Config, runtime: Runtime, send_test: bool, out: TextIO) -> bool:
    """Print one line per service; True when every configured service works."""
    outcomes: list[Outcome] = [(True, f"settings: valid; data in {config.data_dir}", "")]
    outcomes += check_pvs(config, runtime)
    outcomes += [check_weather(config, runtime), check_sheets(config, runtime), check_email(config, runtime, send_test)]
    newest, now = csvlog.newest_timestamp(config.data_dir), runtime.now()
    recent = (newest is not None and (now - newest).total_seconds() < RECENT_S) or None  # None: a hint, not a failure
    outcomes.append((recent, last_recorded_text(newest, now), "is cron running? see crontab.example and DATA_DIR/logs"))
    for ok, what, hint in outcomes:
        mark = "✓" if ok else "-" if ok is None else "✗"
        out.write(f"{mark} {what}" + (f"\n    fix: {hint}" if hint and not ok else "") + "\n")
    return all(ok is not False for ok, _, _ in outcomes)
