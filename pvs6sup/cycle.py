"""One cron cycle, in order: lock, fetch once, archive, parse, weather, CSV, then the later steps."""

from __future__ import annotations

import logging
from dataclasses import replace

from . import alerting, archive, clockwatch, csvlog, firmware, gateway, pvs_access, retention, weather
from .capture import reading_from_capture
from .config import Config
from .errors import DeliveryError, PVSError, SupervisorError
from .lock import data_dir_lock
from .models import Reading
from .runtime import Runtime

log = logging.getLogger(__name__)


def read_pvs(config: Config, runtime: Runtime, *, keep_raw: bool) -> Reading:
    """Fetch the device list (one request), archive it if asked, and parse it into a Reading.

    The raw bytes are archived before they are judged, so an unusable answer can still be diagnosed.
    """
    fetched_at = runtime.now()
    access = pvs_access.choose_access(config, runtime)  # supervisor/info at most once a day
    if access.path == firmware.VARSERVER:
        answer = pvs_access.fetch_varserver(config, runtime, access, fetched_at)
    else:
        answer = pvs_access.fetch_legacy(config, runtime)  # one request, as ever
    raw_path = archive.store_raw(config.data_dir, fetched_at, answer.body) if keep_raw else None
    if raw_path is not None:
        log.debug("archived %d bytes as %s", len(answer.body), raw_path)
    gateway.check(answer)
    reading = reading_from_capture(
        answer.body, fetched_at, config.consumption_meter_mode, str(raw_path) if raw_path else None
    )
    reading = replace(reading, access=access.description)
    if access.path == firmware.VARSERVER and keep_raw:
        pvs_access.remember_inverters(config.data_dir, reading.devices, fetched_at)
    for warning in reading.devices.warnings:
        log.warning("device list: %s", warning)
    has_consumption_meter = any(m.role == "consumption" for m in reading.devices.meters)
    if has_consumption_meter and reading.site.consumption_mode is None:
        log.info(
            "consumption unknown: the consumption meter's subtype does not say how its CTs are installed "
            "(set CONSUMPTION_METER_MODE=net or gross)"
        )
    return reading


def _check_clock(config: Config, reading: Reading) -> Reading:
    """The reading stamped by a clock that can be trusted (clockwatch); ClockError keeps it for later."""
    return clockwatch.stamp(config, reading)


def run_cycle(config: Config, runtime: Runtime) -> Reading:
    """Record one reading: raw archive, both CSVs, then the delivery steps. Raises SupervisorError."""
    with data_dir_lock(config.data_dir):
        try:
            reading = read_pvs(config, runtime, keep_raw=True)
        except PVSError:
            try:  # count it towards pvs_unreachable; never let that hide the PVS's own error (exit 1)
                alerting.after_failure(config, runtime.now())
            except SupervisorError as err:
                log.warning("alerts: %s", err)
            raise
        reading = _check_clock(config, reading)
        try:
            cloud = weather.cloud_cover_pct(runtime.session, config, runtime.weather_urls)
        except DeliveryError as err:
            log.warning("cloud cover left blank: %s", err)
            cloud = None
        reading = replace(reading, cloud_cover_pct=cloud)
        csvlog.append_reading(config.data_dir, reading, config.timezone)
        backlog_s = None
        if config.sheets_enabled:
            from . import outbox, sheets  # only a Sheets setup pays for importing them

            sheets.queue_reading(config.data_dir, reading, config.timezone)
            try:
                sheets.deliver(config, runtime)
            except DeliveryError as err:
                log.warning("%s", err)
            backlog_s = outbox.oldest_pending_age_s(config.data_dir, runtime.now())
        retention.prune_raw(config.data_dir, reading.fetched_at.date(), config.raw_retention_days)

        # The reading is recorded; what follows may fail without losing it (a DeliveryError is deferred).
        try:
            alerting.after_reading(config, reading, backlog_s)
        except DeliveryError as err:
            log.warning("alert email deferred: %s", err)

        site = reading.site
        log.info(
            "recorded: production %s kW, consumption %s kW, grid %s kW, %d/%d inverters working",
            csvlog.cell(site.production_kw) or "?",
            csvlog.cell(site.consumption_kw) or "?",
            csvlog.cell(site.net_kw) or "?",
            reading.inverters_working,
            reading.inverters_total,
        )
        return reading
