"""Pruning of the raw archive: day folders older than RAW_RETENTION_DAYS are removed.

Never on the word of a clock that just jumped forward: the cutoff counts from the last date both clocks
agreed on (clockwatch), so a system clock a year ahead deletes nothing.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date, timedelta
from pathlib import Path

from pvs6sup.store.archive import RAW_DIR

log = logging.getLogger(__name__)


def _numbered(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isdigit())
    except FileNotFoundError:
        return []


def prune_cutoff(today: date, trusted: date | None, keep_days: int) -> date:
    """Day folders before this date go: keep_days before today, or before the trusted date if earlier."""
    return min(today, trusted or today) - timedelta(days=keep_days)


def prune_raw(data_dir: Path, today: date, keep_days: int, *, trusted: date | None) -> int:
    """Remove DATA_DIR/raw/YYYY/MM/DD folders older than keep_days (0 keeps all); return how many went.
    trusted: the last date both clocks agreed on (clockwatch.trusted_date), None when none is known.

    It only lists year and month folders, so running it every cycle costs next to nothing.
    """
    if keep_days <= 0:
        return 0
    cutoff = prune_cutoff(today, trusted, keep_days)
    removed = 0
    for year in _numbered(data_dir / RAW_DIR):
        if int(year.name) > cutoff.year:
            break
        for month in _numbered(year):
            if (int(year.name), int(month.name)) > (cutoff.year, cutoff.month):
                break
            for day in _numbered(month):
                try:
                    day_date = date(int(year.name), int(month.name), int(day.name))
                except ValueError:
                    continue
                if day_date < cutoff:
                    shutil.rmtree(day)
                    removed += 1
            if not any(month.iterdir()):
                month.rmdir()
        if not any(year.iterdir()):
            year.rmdir()
    if removed:
        log.info("raw archive: removed %d day folder(s) older than %d days", removed, keep_days)
    return removed
