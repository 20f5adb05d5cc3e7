"""One cron cycle, in order: lock, fetch once, archive, parse, weather, CSV, then the later steps."""

from __future__ import annotations

import logging
from dataclasses import replace

from . import alerting, archive, csvlog, gateway, weather
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
    answer = gateway.fetch_device_list(runtime.session, config.pvs_base_url, config.pvs_timeout_s)
    raw_path = archive.store_raw(config.data_dir, fetched_at, answer.body) if keep_raw else None
    if raw_path is not None:
        log.debug("archived %d bytes as %s", len(answer.body), raw_path)
    gateway.check(answer)
    reading = reading_from_capture(
        answer.body, fetched_at, config.consumption_meter_mode, str(raw_path) if raw_path else None
    )
    for warning in reading.devices.warnings:
        log.warning("device list: %s", warning)
    has_consumption_meter = any(m.role == "consumption" for m in reading.devices.meters)
    if has_consumption_meter and reading.site.consumption_mode is None:
        log.info(
            "consumption unknown: the consumption meter's subtype does not say how its CTs are installed "
            "(set CONSUMPTION_METER_MODE=net or gross)"
        )
    return reading


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
        try:
            cloud = weather.cloud_cover_pct(runtime.session, config, runtime.weather_urls)
        except DeliveryError as err:
            log.warning("cloud cover left blank: %s", err)
            cloud = None
        reading = replace(reading, cloud_cover_pct=cloud)
        csvlog.append_reading(config.data_dir, reading, config.timezone)

        # The reading is now recorded. Later steps go here, each catching its own DeliveryError
        # so that a failure defers it to the next cycle without losing the reading:
        #   - Google Sheets delivery (issue: every reading delivered exactly once)
        #   - alert detection and email (issue: alerts on a failing microinverter)
        # LEAD: when Sheets is configured, pass outbox.oldest_pending_age_s(config.data_dir, runtime.now())
        # instead of None so that delivery_backlog can judge; None means "Sheets is off".
        try:
            alerting.after_reading(config, reading, None)
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
