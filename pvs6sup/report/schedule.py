"""When the cycle rewrites the report page and queues the summary email: the files that record it.

Kept apart from load (the report's data) so that a cycle with nothing due imports only this.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pvs6sup.store.files import atomic_write

REPORT_DIR = "report"
REPORT_FILE = "index.html"


def report_path(data_dir: Path) -> Path:
    return data_dir / REPORT_DIR / REPORT_FILE


def due(data_dir: Path, now: datetime, every_min: int) -> bool:
    """Whether the cycle should rewrite the report (REPORT_EVERY_MIN; 0 = only on demand)."""
    if every_min <= 0:
        return False
    try:
        written = report_path(data_dir).stat().st_mtime
    except FileNotFoundError:
        return True
    age_s = now.timestamp() - written  # the page's time is the time it was generated for (write_report)
    return age_s >= every_min * 60 - 30 or age_s < -60  # a cycle's jitter must not skip a turn; a clock set back


SUMMARY_MARK = "summary-sent.txt"


def summary_sent_through(data_dir: Path) -> date | None:
    """The last day covered by the last summary email queued (None: never)."""
    try:
        return date.fromisoformat((data_dir / SUMMARY_MARK).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def mark_summary_sent(data_dir: Path, last: date) -> None:
    """Called after the summary is queued: a kill in between sends it twice, never not at all."""
    atomic_write(data_dir / SUMMARY_MARK, f"{last.isoformat()}\n".encode())
