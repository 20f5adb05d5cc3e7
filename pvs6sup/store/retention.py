"""Pruning of the raw archive: days older than RAW_RETENTION_DAYS are removed, loose (a folder) or packed (a tar.gz).

Never on the word of a clock that just jumped forward: the cutoff counts from the last date both clocks
agreed on (clockwatch), so a system clock a year ahead deletes nothing.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date, timedelta
from pathlib import Path

from pvs6sup.store.archive import RAW_DIR
from pvs6sup.store.packing import packed_day

log = logging.getLogger(__name__)


def _numbered(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isdigit())
    except FileNotFoundError:
        return []


def prune_cutoff(today: date, trusted: date | None, keep_days: int) -> date:
    """Day folders before this date go: keep_days before today, or before the trusted date if earlier."""
    return min(today, trusted or today) - timedelta(days=keep_days)


def _packed(month: Path) -> list[tuple[date, Path]]:
    try:
        return [(day, p) for p in month.iterdir() if (day := packed_day(p.name)) is not None and p.is_file()]
    except FileNotFoundError:
        return []


def prune_raw(data_dir: Path, today: date, keep_days: int, *, trusted: date | None) -> int:
    """Remove the days of DATA_DIR/raw older than keep_days (0 keeps all): YYYY/MM/DD folders and packed
    YYYY/MM/YYYY-MM-DD.tar.gz files; return how many days went. trusted: the last date both clocks agreed on
    (clockwatch.trusted_date), None when none is known.

    It only lists year and month folders, so running it every cycle costs next to nothing.
    """
    if keep_days <= 0:
        return 0
    cutoff = prune_cutoff(today, trusted, keep_days)
    removed: set[date] = set()
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
                    removed.add(day_date)
            for day_date, packed in _packed(month):
                if day_date < cutoff:
                    packed.unlink()
                    removed.add(day_date)
            if not any(month.iterdir()):
                month.rmdir()
        if not any(year.iterdir()):
            year.rmdir()
    if removed:
        log.info("raw archive: removed %d day(s) older than %d days", len(removed), keep_days)
    return len(removed)
