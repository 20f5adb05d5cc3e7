"""The report command: write the HTML report now (and, with --rebuild, recompute daily.csv from the CSVs first)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pvs6sup.errors import ConfigError
from pvs6sup.report import step
from pvs6sup.settings.config import Config
from pvs6sup.store import csvfiles, csvquery, legacy, rollup_file
from pvs6sup.store.lock import data_dir_lock


def rebuild(config: Config, now: datetime) -> int:
    """daily.csv and the rollup's state from readings.csv and the monthly inverter files; returns the days.

    Under the lock, so that no cycle appends while the files are read and daily.csv is replaced.
    """
    with data_dir_lock(config.data_dir):
        legacy.migrate(config.data_dir, config.timezone, now)  # an old inverters.csv: split it first
        readings = config.data_dir / csvfiles.READINGS_FILE
        if not readings.is_file():
            raise ConfigError([f"report --rebuild: {readings} does not exist: nothing recorded yet (check DATA_DIR)"])
        from pvs6sup.report import trend_months

        trend_months.forget(config.data_dir)  # its months came from the daily.csv being replaced
        with readings.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            return rollup_file.rebuild(
                config.data_dir, csv.DictReader(handle), csvquery.all_inverter_rows(config.data_dir), config.timezone
            )


def run_report(config: Config, now: datetime, days: int, out: Path | None, rebuild_first: bool, stdout: TextIO) -> Path:
    """Write the page (atomically) and print its path as the last line."""
    if rebuild_first:
        count = rebuild(config, now)
        stdout.write(f"{config.data_dir / rollup_file.DAILY_FILE}: rebuilt, {count} finished days\n")
    path = write_report(config, now, days, out)
    stdout.write(f"{path}\n")
    return path


def write_report(config: Config, now: datetime, days: int | None = None, out: Path | None = None) -> Path:
    """The page now, from the report's settings and the sinks' queues (report/step.py)."""
    return step.write_report(
        config.report,
        config.sinks,
        now,
        data_dir=config.data_dir,
        zone=config.timezone,
        site_name=config.site_name,
        days=days,
        out=out,
        channels=(config.notify, config.email.on),
    )
